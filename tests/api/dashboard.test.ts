import { existsSync, mkdirSync } from 'node:fs';
import t from 'tap';
import { subscriptionStreamId } from '../../domain/subscription/events.ts';
import { creatorAnalyticsProjector } from '../../projections/analytics/creator-projector.ts';
import { catchUp } from '../../projections/runner.ts';
import { randomAccount, testApp } from '../support/app.ts';
import { randomContract } from '../support/stream-events.ts';
import { subEvent } from '../support/subscription-events.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = new URL('../.artifacts/', import.meta.url);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

t.test('the dashboard page and its script are served with a strict CSP', async (t) => {
  const { app } = await testApp(t);
  const page = await app.inject({ method: 'GET', url: '/dashboard' });
  t.equal(page.statusCode, 200);
  t.match(page.headers['content-type'], /text\/html/);
  t.match(page.headers['content-security-policy'], /script-src 'self'/);
  t.match(page.body, /<script src="\/dashboard\/dashboard.js"><\/script>/);
  const script = await app.inject({ method: 'GET', url: '/dashboard/dashboard.js' });
  t.equal(script.statusCode, 200);
  t.match(script.headers['content-type'], /javascript/);
});

const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium; .ci/run does it)`;
if (skip) console.log(`# skipping the browser test: ${skip}`);

t.test('in headless Chromium: sign in, a chain fact appears in the live ticker within 2 s', { skip }, async (t) => {
  const { chromium } = await import('playwright-core');
  const { app, token } = await testApp(t);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const creator = randomAccount();

  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => void (message.type() === 'error' && problems.push(message.text())));

  await page.goto(`http://127.0.0.1:${port}/dashboard`);
  await page.fill('#token', await token(creator, creator));
  await page.click('#connect');
  await page.waitForSelector('#status[data-state="live"]', { timeout: 5_000 });
  // Locators, not waitForFunction: the page's CSP forbids the eval that a string predicate needs.
  await page.locator('#active', { hasText: /^0$/ }).waitFor({ timeout: 5_000 });

  const subscriber = randomAccount();
  const event = subEvent('SubscriptionBilled', subscriber, creator, { amount: '25000000', billedAt: new Date().toISOString(), merchantReferenceId: null, receiptHash: null });
  const appended = Date.now();
  await app.services.eventStore.append(subscriptionStreamId(subscriber, creator), [event]);
  const item = await page.waitForSelector('#ticker li[data-type="SubscriptionBilled"]', { timeout: 2_000 });
  const elapsed = Date.now() - appended;
  t.ok(elapsed < 2_000, `in the ticker after ${elapsed} ms`);
  t.match(await item.textContent(), /billed 2\.5/);

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: new URL('dashboard.png', ARTIFACTS).pathname, fullPage: true });
  t.same(problems, [], 'no page errors, console errors or CSP violations');
});

t.test('in headless Chromium: revenue and MRR are drawn as one series per token', { skip }, async (t) => {
  const { chromium } = await import('playwright-core');
  const harness = await testApp(t);
  const { app, token } = harness;
  const creator = randomAccount();
  const tokens = [randomContract(), randomContract()];
  const now = new Date().toISOString();
  for (const [i, tokenId] of tokens.entries()) {
    const subscriber = randomAccount();
    await app.services.eventStore.append(subscriptionStreamId(subscriber, creator), [
      subEvent('SubscriptionActivated', subscriber, creator, { token: tokenId, ratePerSecond: String(10 * (i + 1)), planId: null, activatedAt: now }),
      subEvent('SubscriptionBilled', subscriber, creator, { amount: String(25_000_000 * (i + 1)), billedAt: now, merchantReferenceId: null, receiptHash: null }),
    ]);
  }
  await catchUp(harness.database.db, creatorAnalyticsProjector);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };

  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  await page.goto(`http://127.0.0.1:${port}/dashboard`);
  await page.fill('#token', await token(creator, creator));
  await page.click('#connect');
  await page.locator('#active', { hasText: /^2$/ }).waitFor({ timeout: 5_000 });
  for (const chart of ['#revenue-chart', '#mrr-chart']) {
    const drawn = await page.locator(`${chart} [data-token]`).evaluateAll((nodes) => [...new Set(nodes.map((n) => n.getAttribute('data-token')))].sort());
    t.same(drawn, [...tokens].sort(), `${chart}: one series per token`);
  }
  const today = await page.locator('#revenue').textContent();
  t.match(today, /(^|· )2\.5 /, 'today\'s revenue per token ...');
  t.match(today, /(^|· )5 /, '... not one sum');
  t.notMatch(today, /7\.5/);
});
