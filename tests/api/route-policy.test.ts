import Fastify from 'fastify';
import t from 'tap';
import routePolicy from '../../api/plugins/route-policy.ts';

t.test('the app refuses to start with a route that declares no policy', async (t) => {
  const app = Fastify();
  await app.register(routePolicy);
  t.throws(() => app.get('/forgotten', async () => 'x'), /route GET \/forgotten declares no config\.policy/);
  t.throws(
    () => app.get('/empty', { config: { policy: { auth: 'required', scopes: [] as never } } }, async () => 'x'),
    /requires authentication but names no scope/,
  );
  app.get('/declared', { config: { policy: { auth: 'public' } } }, async () => 'x');
  t.same(app.routeTable.map((r) => `${r.method} ${r.url} ${r.policy.auth}`), ['GET /declared public'], 'only declared routes are served; HEAD is not listed');
  await app.close();
});

t.test('a third-party plugin\'s routes take the policy configured for their prefix', async (t) => {
  const app = Fastify();
  await app.register(routePolicy, { prefixes: { '/docs': { auth: 'public', rateLimit: 'exempt' } } });
  await app.register(async (child) => {
    child.get('/', async () => 'ui');
    child.get('/json', async () => '{}');
  }, { prefix: '/docs' });
  t.throws(() => app.get('/docsx', async () => 'x'), /declares no config\.policy/, 'a prefix matches whole segments only');
  t.same(app.routeTable.map((r) => r.url), ['/docs', '/docs/json']);
  t.ok(app.routeTable.every((r) => r.policy.rateLimit === 'exempt'));
  await app.close();
});

t.test('a route may declare only known read models in `reads`, and only as a query', async (t) => {
  const app = Fastify();
  await app.register(routePolicy, { readModels: ['creators', 'subscriptions'] });
  t.throws(() => app.get('/typo', { config: { policy: { auth: 'public', reads: ['creator'] } } }, async () => 'x'), /reads an unknown read model creator \(known: creators, subscriptions\)/);
  t.throws(() => app.post('/write', { config: { policy: { auth: 'public', reads: ['creators'] } } }, async () => 'x'), /is not a query but declares the read models it reads/);
  t.throws(() => app.get('/none', { config: { policy: { auth: 'public', reads: [] as never } } }, async () => 'x'), /declares reads: \[\]/);
  app.get('/both', { config: { policy: { auth: 'public', reads: ['creators', 'subscriptions'] } } }, async () => 'x');
  t.same(app.routeTable.map((r) => r.policy.reads), [['creators', 'subscriptions']]);
  await app.close();
});
