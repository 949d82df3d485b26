import t from 'tap';
import { randomAccount, testApp } from '../support/app.ts';
import { browserPage, chromiumSkip } from '../support/chromium.ts';

const skip = chromiumSkip;
if (skip) console.log(`# skipping the browser test: ${skip}`);

t.test('in headless Chromium: a sign-in link (/dashboard#token=…, as `substream demo` prints) signs in and leaves no token in the address bar', { skip }, async (t) => {
  const { app, token } = await testApp(t);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const creator = randomAccount();
  const { page, problems } = await browserPage(t);

  await page.goto(`http://127.0.0.1:${port}/dashboard#token=${await token(creator, creator)}`);
  await page.waitForSelector('#status[data-state="live"]', { timeout: 5_000 });
  t.equal(await page.locator('#who').textContent(), creator, 'signed in as the link\'s subject');
  t.equal(new URL(page.url()).hash, '', 'the token is wiped from the address bar');
  t.equal(new URL(page.url()).pathname, '/dashboard');

  t.same(problems, [], 'no page errors, console errors or CSP violations');
});
