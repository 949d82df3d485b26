import { mkdirSync } from 'node:fs';
import { pino } from 'pino';
import t from 'tap';
import { DEFAULT_SIZE, demoPlan } from '../../bin/demo/plan.ts';
import { seedSample } from '../../bin/demo/seed.ts';
import { subscriptionStreamId } from '../../domain/subscription/events.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { allProjectors } from '../../projections/registry.ts';
import { catchUp } from '../../projections/runner.ts';
import { randomAccount, TEST_CONTRACT_ID, testApp } from '../support/app.ts';
import { browserPage, chromiumSkip } from '../support/chromium.ts';
import { subEvent } from '../support/subscription-events.ts';

const ARTIFACTS = new URL('../.artifacts/', import.meta.url);
const skip = chromiumSkip;
if (skip) console.log(`# skipping the browser test: ${skip}`);

/** What the test reads of a canvas in the page (it compiles without the DOM library). */
interface Canvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray } };
}

/** Stroops as whole units with 7 decimals, exactly (the test's own oracle). */
function units(stroops: string): string {
  const n = BigInt(stroops);
  const frac = (n % 10_000_000n).toString().padStart(7, '0').replace(/0+$/, '');
  return `${n / 10_000_000n}${frac ? `.${frac}` : ''}`;
}

t.test('in headless Chromium, on the demo sample: charts with data points, a heat strip per content item, the live list in words', { skip }, async (t) => {
  const { app, database, token } = await testApp(t);
  const now = new Date();
  const passphrase = app.services.config.STELLAR_NETWORK;
  const plan = demoPlan({ seed: 22, now, size: { ...DEFAULT_SIZE, subscribers: 60, viewsPerContent: 30 }, passphrase });
  await seedSample(
    { db: database.db, store: createPostgresEventStore(database.db), contractId: TEST_CONTRACT_ID, passphrase, pendingTtlSeconds: 3_600, workDir: t.testdir(), logger: pino({ level: 'silent' }) },
    plan,
    { now, viewsPerContent: 30, seed: 22 },
  );
  for (const projector of allProjectors) await catchUp(database.db, projector);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const creator = plan.creators[0]!;
  const bearer = await token(creator.address, creator.address);
  const me = (await app.inject({ url: '/v1/analytics/creators/me', headers: { authorization: `Bearer ${bearer}` } })).json() as { counts: { active: number }; mrr: { token: string; amount: string }[] };

  const { page, problems } = await browserPage(t);
  await page.goto(`http://127.0.0.1:${port}/dashboard#token=${bearer}`);
  await page.waitForSelector('#status[data-state="live"]', { timeout: 10_000 });
  await page.locator('#active', { hasText: new RegExp(`^${me.counts.active}$`) }).waitFor({ timeout: 10_000 });

  t.test('MRR is shown exactly, per token', async (t) => {
    const shown = await page.locator('#mrr').textContent();
    t.ok(me.mrr.length > 0, 'the sample has MRR');
    for (const m of me.mrr) t.match(shown, `${units(m.amount)} `, `MRR ${m.amount} stroops shown as ${units(m.amount)}`);
  });

  t.test('each chart is drawn by the charting library, with data points', async (t) => {
    for (const chart of ['mrr', 'active', 'churn', 'revenue']) {
      const box = page.locator(`#${chart}-chart`);
      await box.locator('.uplot canvas').waitFor({ timeout: 5_000 });
      const points = Number(await box.getAttribute('data-points'));
      t.ok(points > 0, `${chart}: ${points} data points`);
      const inked = await box.locator('.uplot canvas').evaluate((node) => {
        const canvas = node as unknown as Canvas;
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) n++;
        return n;
      });
      t.ok(inked > 500, `${chart}: the canvas is drawn on (${inked} pixels)`);
    }
    const series = await page.locator('#mrr-chart').getAttribute('data-series');
    t.match(series, plan.token.slice(0, 4), 'MRR has a series for the sample\'s token');
  });

  t.test('choosing a content item from the list shows its heat strip', async (t) => {
    const options = await page.locator('#content option[value]:not([value=""])').evaluateAll((nodes) => nodes.map((n) => n.textContent));
    t.same([...options].sort(), creator.content.map((c) => c.title).sort(), 'the list holds the creator\'s content, by title');
    const chosen = await page.locator('#content option', { hasText: creator.content[1]!.title }).getAttribute('value');
    await page.selectOption('#content', chosen!);
    await page.locator(`#heatmap[data-content-id="${chosen}"] span`).first().waitFor({ timeout: 5_000 });
    const heat = (await app.inject({ url: `/v1/analytics/heatmap/${chosen}?bucket=10`, headers: { authorization: `Bearer ${bearer}` } })).json() as { buckets: unknown[] };
    t.ok(heat.buckets.length > 0, 'the item has views');
    t.equal(await page.locator('#heatmap span[data-watched]').count(), heat.buckets.length, 'one cell per bucket with views');
  });

  t.test('a new fact appears in the live list with its meaning', async (t) => {
    const gold = creator.tiers.find((tier) => tier.name === 'gold')!;
    const newcomer = randomAccount();
    await app.services.eventStore.append(subscriptionStreamId(newcomer, creator.address), [
      subEvent('SubscriptionActivated', newcomer, creator.address, { token: plan.token, ratePerSecond: String(gold.amount / 2_592_000n), planId: 3, activatedAt: new Date().toISOString() }),
    ]);
    const joined = await page.locator('#ticker li', { hasText: newcomer.slice(0, 5) }).first();
    await joined.waitFor({ timeout: 5_000 });
    t.match(await joined.textContent(), /subscribed to gold/i);
    const late = plan.subscribers.find((s) => s.creator === creator.address)!.address;
    await app.services.eventStore.append(subscriptionStreamId(late, creator.address), [
      subEvent('GracePeriodStarted', late, creator.address, { dunningStartedAt: new Date().toISOString(), graceEndsAt: new Date(Date.now() + 86_400_000).toISOString(), merchantReferenceId: null }),
    ]);
    const failed = page.locator('#ticker li[data-type="GracePeriodStarted"]').first();
    await failed.waitFor({ timeout: 5_000 });
    t.match(await failed.textContent(), /payment failed/);
  });

  t.teardown(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const path = new URL('dashboard-product.png', ARTIFACTS).pathname;
    await page.screenshot({ path, fullPage: true });
    console.log(`# screenshot: ${path}`);
  });
  t.test('no page errors, console errors or CSP violations', async (t) => t.same(problems, []));
});
