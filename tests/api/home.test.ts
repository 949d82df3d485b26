import t from 'tap';
import { FRONT_DOOR_LINKS, prefersHtml } from '../../api/routes/home.ts';
import { testApp } from '../support/app.ts';

const { version } = (await import('../../package.json', { with: { type: 'json' } })).default;

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

t.test('a browser gets the front door page: what this is, the version, every link', async (t) => {
  const { app } = await testApp(t);
  const response = await app.inject({ method: 'GET', url: '/', headers: { accept: BROWSER } });
  t.equal(response.statusCode, 200);
  t.match(response.headers['content-type'], /^text\/html/);
  t.match(response.headers['content-security-policy'], /default-src 'none'/);
  t.notMatch(response.body, /<script/i, 'no script: the CSP allows none');
  t.match(response.body, `SubStream ${version}`);
  for (const link of FRONT_DOOR_LINKS) t.match(response.body, `href="${link.href}"`, `links ${link.href}`);
});

t.test('a JSON client (and curl, and no Accept) gets the same as links', async (t) => {
  const { app } = await testApp(t);
  for (const accept of ['application/json', '*/*', undefined, 'text/html;q=0.5, application/json']) {
    const response = await app.inject({ method: 'GET', url: '/', headers: accept === undefined ? {} : { accept } });
    t.equal(response.statusCode, 200, `Accept: ${accept}`);
    t.match(response.headers['content-type'], /^application\/json/, `Accept: ${accept}`);
    const body = response.json();
    t.equal(body.version, version);
    t.same(body.links.map((l: { href: string }) => l.href), FRONT_DOOR_LINKS.map((l) => l.href));
  }
});

// The class of bug: a front door pointing at a door that is not there. Every link it lists is
// followed, anonymously, and must answer 200 (or a redirect within the site).
t.test('every link the front door lists answers anonymously', async (t) => {
  const { app } = await testApp(t);
  const { links } = (await app.inject({ method: 'GET', url: '/' })).json() as { links: { href: string }[] };
  t.ok(links.length >= 4);
  for (const { href } of links) {
    const response = await app.inject({ method: 'GET', url: href });
    t.ok(response.statusCode === 200 || (response.statusCode >= 300 && response.statusCode < 400 && response.headers.location?.startsWith('/')), `${href} answers ${response.statusCode}`);
  }
});

t.test('content negotiation: HTML only when the client ranks it above JSON', async (t) => {
  t.equal(prefersHtml(BROWSER), true);
  t.equal(prefersHtml('text/html'), true);
  t.equal(prefersHtml(undefined), false);
  t.equal(prefersHtml('*/*'), false);
  t.equal(prefersHtml('application/json, text/html;q=0.9'), false);
  t.equal(prefersHtml('text/html;q=0'), false);
  t.equal(prefersHtml('application/json;q=0.1, text/html'), true);
  t.end();
});
