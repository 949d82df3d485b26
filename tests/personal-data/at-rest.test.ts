import { Keypair } from '@stellar/stellar-sdk';
import { sql } from 'kysely';
import t from 'tap';
import { TEST_CONTRACT_ID, testApp } from '../support/app.ts';

/**
 * Issue #18 (crypto-shredding): personal data is never written to the event log in clear. One
 * case per personal field the product writes (the class: a person's free text or identifier
 * reaching the immutable log), each searched for byte-wise in every stored event.
 */
t.test('no personal field of any command reaches the event log in clear', async (t) => {
  const { app, token, database } = await testApp(t);
  const creator = Keypair.random().publicKey();
  const headers = { authorization: `Bearer ${await token(creator)}` };
  const secrets = {
    displayName: `Ada Lovelace ${Math.random().toString(36).slice(2)}`,
    title: `My diary, entry ${Math.random().toString(36).slice(2)}`,
    url: `https://cdn.example.com/private-${Math.random().toString(36).slice(2)}.mp4`,
    description: `Invoice for Jane Doe ${Math.random().toString(36).slice(2)}`,
    pdfUrl: `https://files.example.com/jane-${Math.random().toString(36).slice(2)}.pdf`,
    viewer: `jane.doe+${Math.random().toString(36).slice(2)}@example.com`,
  };
  const send = async (method: 'POST' | 'PUT', url: string, payload: object) => {
    const response = await app.inject({ method, url, headers, payload });
    t.ok(response.statusCode < 300, `${method} ${url}: ${response.body}`);
    return response;
  };
  await send('POST', '/v1/creators', { displayName: secrets.displayName });
  await send('PUT', '/v1/creators/me/tiers', { tiers: [{ name: 'gold', token: TEST_CONTRACT_ID, price: { kind: 'rate', ratePerSecond: '10' } }] });
  await send('POST', '/v1/content', { title: secrets.title, minTier: 'gold', url: secrets.url });
  await send('POST', '/v1/invoice-links', {
    receiver: creator, tokenAddress: TEST_CONTRACT_ID, amount: '1000', duration: 3600,
    description: secrets.description, pdfUrl: secrets.pdfUrl,
  });
  await send('POST', '/v1/analytics/view-events', { events: [{ contentId: 'c-1', viewer: secrets.viewer, positionSeconds: 1, watchedSeconds: 2, at: '2026-01-02T03:04:05Z' }] });

  const { rows } = await sql<{ type: string; row: string }>`select type, data::text || metadata::text as row from events`.execute(database.db);
  t.ok(rows.length >= 5, `the commands appended events (${rows.map((r) => r.type).join(', ')})`);
  for (const [field, secret] of Object.entries(secrets)) {
    const holders = rows.filter((r) => r.row.includes(secret)).map((r) => r.type);
    t.same(holders, [], `${field} is in no stored event in clear`);
  }
});
