import { Keypair, Networks, Transaction } from '@stellar/stellar-sdk';
import type { Page } from 'playwright-core';
import { decodeJwt } from 'jose';
import t, { type Test } from 'tap';
import { subscriptionStreamId } from '../../domain/subscription/events.ts';
import { creatorAnalyticsProjector } from '../../projections/analytics/creator-projector.ts';
import { catchUp } from '../../projections/runner.ts';
import { randomAccount, TEST_SEP10_KEYPAIR, testApp, type TestApp } from '../support/app.ts';
import { browserPage, chromiumSkip } from '../support/chromium.ts';
import { emulateFreighter, type FreighterWallet } from '../support/freighter-emulator.ts';
import { randomContract } from '../support/stream-events.ts';
import { subEvent } from '../support/subscription-events.ts';

const skip = chromiumSkip;
if (skip) console.log(`# skipping the dashboard wallet sign-in tests: ${skip}`);

/** The test app's SEP-10 server, as a wallet that checks challenges knows it. */
const SERVER = { signingKey: TEST_SEP10_KEYPAIR.publicKey(), homeDomain: 'localhost:3000', webAuthDomain: 'localhost:3000' };

/** A listening app where `creator` has `subscribers` active subscribers (projected). */
async function appWithCreator(t: Test, creator: string, subscribers: number): Promise<{ harness: TestApp; url: string }> {
  const harness = await testApp(t);
  const now = new Date().toISOString();
  for (let i = 0; i < subscribers; i += 1) {
    const subscriber = randomAccount();
    await harness.app.services.eventStore.append(subscriptionStreamId(subscriber, creator), [
      subEvent('SubscriptionActivated', subscriber, creator, { token: randomContract(), ratePerSecond: '10', planId: null, activatedAt: now }),
    ]);
  }
  await catchUp(harness.database.db, creatorAnalyticsProjector);
  await harness.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = harness.app.server.address() as { port: number };
  return { harness, url: `http://127.0.0.1:${port}/dashboard` };
}

/** The dashboard shows `account`'s own data, live, and kept the SEP-10 token for the tab. */
async function assertSignedInAs(t: Test, page: Page, account: string, active: number) {
  await page.locator('#status[data-state="live"]').waitFor({ timeout: 5_000 });
  await page.locator('#active', { hasText: new RegExp(`^${active}$`) }).waitFor({ timeout: 5_000 });
  t.equal(await page.locator('#who').textContent(), account, 'the signed-in wallet is shown');
  t.equal(await page.locator('#active').textContent(), String(active), 'its own creator analytics are shown');
  t.notOk(await page.locator('#sign-in').isVisible(), 'the sign-in panel is put away');
  const stored = await page.evaluate(() => sessionStorage.getItem('substream.token'));
  const claims = decodeJwt(stored ?? '');
  t.equal(claims.sub, account, 'the stored token is the wallet\'s');
  t.equal(claims.iss, 'http://localhost:3000/v1/auth', 'issued by this server\'s SEP-10 endpoint');
}

t.test('in headless Chromium: "Sign in with a Stellar wallet" through Freighter shows the wallet\'s data', { skip }, async (t) => {
  const wallet = Keypair.random();
  const { url } = await appWithCreator(t, wallet.publicKey(), 2);
  const { page, problems } = await browserPage(t);
  const requests = await emulateFreighter(page, { keypair: wallet, networkPassphrase: Networks.TESTNET, network: 'TESTNET', server: SERVER });
  await page.goto(url);
  await page.click('#wallet-sign-in');
  await assertSignedInAs(t, page, wallet.publicKey(), 2);

  const signing = requests.find((r) => r.type === 'SUBMIT_TRANSACTION');
  t.ok(requests.some((r) => r.type === 'REQUEST_ACCESS'), 'the page asked the wallet for access');
  t.equal(signing?.networkPassphrase, Networks.TESTNET, 'and for a signature on the server\'s network');
  t.equal(signing?.accountToSign, wallet.publicKey(), 'by the account it signs in');
  t.same(requests.map((r) => r.type).filter((type) => !['REQUEST_CONNECTION_STATUS', 'REQUEST_ACCESS', 'REQUEST_NETWORK_DETAILS', 'SUBMIT_TRANSACTION'].includes(type)), [],
    'nothing else was asked of the wallet');

  await page.reload();
  await assertSignedInAs(t, page, wallet.publicKey(), 2);
  await page.click('#sign-out');
  t.ok(await page.locator('#sign-in').isVisible(), 'signing out shows the sign-in panel again');
  t.equal(await page.evaluate(() => sessionStorage.getItem('substream.token')), null, 'and forgets the token');
  t.same(problems, [], 'no page errors, console errors or CSP violations');
});

t.test('in headless Chromium: another wallet signs the shown challenge, the pasted signature signs in', { skip }, async (t) => {
  const wallet = Keypair.random();
  const { url } = await appWithCreator(t, wallet.publicKey(), 3);
  const { page, problems } = await browserPage(t);
  await page.goto(url);

  await page.click('#wallet-sign-in');
  await page.locator('#sign-in-note', { hasText: /Freighter is not installed/ }).waitFor({ timeout: 5_000 });
  t.pass('without the extension, the Freighter button says so and points to the other way');

  await page.click('#other-wallet summary');
  await page.fill('#account', wallet.publicKey());
  await page.click('#challenge-form button[type="submit"]');
  await page.locator('#signed-form').waitFor({ state: 'visible', timeout: 5_000 });
  const challenge = await page.inputValue('#challenge');
  const network = await page.locator('#challenge-network').textContent();
  t.equal(network, Networks.TESTNET, 'the network to sign on is shown');
  const tx = new Transaction(challenge, network!);
  t.equal(tx.source, TEST_SEP10_KEYPAIR.publicKey(), 'the shown challenge is the server\'s');
  tx.sign(wallet);

  await page.fill('#signed', tx.toEnvelope().toXDR('base64'));
  await page.click('#signed-form button[type="submit"]');
  await assertSignedInAs(t, page, wallet.publicKey(), 3);
  t.same(problems, [], 'no page errors, console errors or CSP violations');
});

t.test('in headless Chromium: a wallet on another network, a refusal or a bad signature leaves the person signed out with the reason', { skip }, async (t) => {
  const wallet = Keypair.random();
  const { url } = await appWithCreator(t, wallet.publicKey(), 0);
  const cases: { name: string; wallet: Partial<FreighterWallet>; reason: RegExp; signs: boolean }[] = [
    { name: 'wallet on mainnet', wallet: { networkPassphrase: Networks.PUBLIC, network: 'PUBLIC' }, reason: /Freighter is on PUBLIC.*switch networks/, signs: false },
    { name: 'user declines', wallet: { declines: true }, reason: /Freighter signature: The user rejected this request/, signs: true },
  ];
  for (const c of cases) {
    const { page, problems } = await browserPage(t);
    const requests = await emulateFreighter(page, { keypair: wallet, networkPassphrase: Networks.TESTNET, network: 'TESTNET', server: SERVER, ...c.wallet });
    await page.goto(url);
    await page.click('#wallet-sign-in');
    await page.locator('#sign-in-note', { hasText: c.reason }).waitFor({ timeout: 5_000 });
    t.equal(requests.some((r) => r.type === 'SUBMIT_TRANSACTION'), c.signs, `${c.name}: ${c.signs ? 'asked' : 'never asked'} to sign`);
    t.equal(await page.evaluate(() => sessionStorage.getItem('substream.token')), null, `${c.name}: no token`);
    t.same(problems, [], `${c.name}: no page errors`);
  }

  const { page, problems } = await browserPage(t);
  await page.goto(url);
  await page.click('#other-wallet summary');
  await page.fill('#account', wallet.publicKey());
  await page.click('#challenge-form button[type="submit"]');
  await page.locator('#signed-form').waitFor({ state: 'visible', timeout: 5_000 });
  const tx = new Transaction(await page.inputValue('#challenge'), Networks.TESTNET);
  tx.sign(Keypair.random());
  await page.fill('#signed', tx.toEnvelope().toXDR('base64'));
  await page.click('#signed-form button[type="submit"]');
  await page.locator('#sign-in-note', { hasText: /sign-in failed: the challenge is not signed as required/ }).waitFor({ timeout: 5_000 });
  t.equal(await page.evaluate(() => sessionStorage.getItem('substream.token')), null, 'a challenge signed by another key: no token, the server\'s reason shown');
  t.ok(problems.every((p) => /status of 400/.test(p)), `only the refused POST is logged: ${problems.join('; ')}`);
});
