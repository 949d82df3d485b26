import { Networks } from '@stellar/stellar-sdk';
import t from 'tap';
import { LIVE_JOB } from '../../indexer/checkpoints.ts';
import { parseContracts } from '../../indexer/decoders/contracts.ts';
import { runIndexer } from '../../indexer/runner.ts';
import { allProjectors } from '../../projections/registry.ts';
import { catchUp } from '../../projections/runner.ts';
import { randomAccount, TEST_CONTRACT_ID, testApp } from '../support/app.ts';
import { addr, i128, map, rawEvent, sym } from '../indexer/events.ts';
import { memorySource } from '../indexer/memory-source.ts';

const TOKEN = 'CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA';

t.test('GET /v1/subscriptions/:id/history: who, why, where and when of every intent and fact, a page at a time', async (t) => {
  const harness = await testApp(t);
  const { app, database } = harness;
  const creator = randomAccount();
  const subscriber = randomAccount();
  const asCreator = { authorization: `Bearer ${await harness.token(creator, creator)}` };
  const asSubscriber = { authorization: `Bearer ${await harness.token(subscriber)}` };
  t.equal((await app.inject({ method: 'POST', url: '/v1/creators', headers: asCreator, payload: { displayName: 'Ada' } })).statusCode, 201);
  const tiers = await app.inject({ method: 'PUT', url: '/v1/creators/me/tiers', headers: asCreator, payload: { tiers: [{ name: 'bronze', token: TOKEN, price: { kind: 'rate', ratePerSecond: '5' } }] } });
  t.equal(tiers.statusCode, 200, tiers.body);

  const subscribed = await app.inject({ method: 'POST', url: '/v1/subscriptions', headers: { ...asSubscriber, 'x-request-id': 'req-audit-1' }, payload: { creator, tier: 'bronze' } });
  t.equal(subscribed.statusCode, 202, subscribed.body);

  // The chain's activation, read by the live indexer job from a source named `memory`.
  const activation = rawEvent(TEST_CONTRACT_ID, [sym('subscribed'), addr(subscriber), addr(creator)], map({ rate_per_second: i128(5) }), { ledger: 500 });
  const decode = { passphrase: Networks.TESTNET, contracts: parseContracts(`${TEST_CONTRACT_ID}=substream-v1`) };
  await runIndexer(database.db, { job: LIVE_JOB, source: memorySource([activation], { latest: 500 }), from: 500, to: 500, decode });

  const key = await app.inject({ method: 'POST', url: '/v1/api-keys', headers: asCreator, payload: { name: 'ops', scopes: ['subscriptions:write', 'subscriptions:read'] } });
  t.equal(key.statusCode, 201, key.body);
  const cancelled = await app.inject({
    method: 'POST', url: `/v1/subscriptions/${subscriber}-${creator}/cancel`,
    headers: { authorization: `Bearer ${key.json().key}`, 'x-request-id': 'req-audit-2' },
  });
  t.equal(cancelled.statusCode, 202, cancelled.body);
  for (const projector of allProjectors) await catchUp(database.db, projector);

  const url = `/v1/subscriptions/${subscriber}-${creator}/history`;
  const whole = await app.inject({ method: 'GET', url, headers: asSubscriber });
  t.equal(whole.statusCode, 200, whole.body);
  const { items, nextCursor } = whole.json();
  t.equal(nextCursor, null);
  t.same(items.map((e: { type: string }) => e.type), ['SubscriptionRequested', 'SubscriptionActivated', 'CancellationRequested']);
  t.match(items[0], {
    revision: 0, kind: 'intent', source: 'command', actor: subscriber, apiKeyId: null, tenantId: creator, correlationId: 'req-audit-1',
    ledger: null, indexerJob: null,
  }, 'an intent says who asked and in which request');
  t.match(items[1], {
    kind: 'fact', source: 'chain', actor: null, ledger: 500, txHash: activation.txHash, operationIndex: activation.operationIndex,
    eventIndex: activation.eventIndex, contractId: TEST_CONTRACT_ID, ledgerClosedAt: activation.ledgerClosedAt, indexerJob: LIVE_JOB, indexerSource: 'memory',
  }, 'a fact says where on chain it happened and which indexer job and source learned it');
  t.match(items[2], { kind: 'intent', actor: creator, apiKeyId: key.json().id, correlationId: 'req-audit-2' }, 'an API key is named');
  for (const item of items) t.ok(Date.parse(item.recordedAt) > 0, 'every entry says when it was learned');
  t.ok(BigInt(items[0].position) < BigInt(items[2].position), 'global positions in log order');

  const paged: unknown[] = [];
  let cursor: string | null = null;
  do {
    const page: { statusCode: number; json(): { items: unknown[]; nextCursor: string | null } } = await app.inject({
      method: 'GET', url: `${url}?limit=1${cursor ? `&cursor=${cursor}` : ''}`, headers: asSubscriber,
    });
    t.equal(page.statusCode, 200);
    t.ok(page.json().items.length <= 1);
    paged.push(...page.json().items);
    cursor = page.json().nextCursor;
  } while (cursor !== null && paged.length < 10);
  t.same(paged, items, 'the pages put together are the whole history');

  const creatorKey = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key.json().key}` } });
  t.equal(creatorKey.statusCode, 200, 'the tenant reads its subscriber\'s history');
  const stranger = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${await harness.token(randomAccount())}` } });
  t.equal(stranger.statusCode, 404, 'invisible now: no history either');
  for (const bad of ['?cursor=nonsense', `?cursor=${Buffer.from(JSON.stringify({ k: '-4' })).toString('base64url')}`, '?limit=0', '?limit=1001']) {
    const response = await app.inject({ method: 'GET', url: `${url}${bad}`, headers: asSubscriber });
    t.ok(response.statusCode >= 400 && response.statusCode < 500, `${bad}: 4xx (${response.statusCode})`);
    t.type(response.json().code, 'string');
  }
});
