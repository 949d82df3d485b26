import { xdr, scValToNative } from '@stellar/stellar-sdk';
import t from 'tap';
import { catchUp } from '../../projections/runner.ts';
import { streamsProjector } from '../../projections/streams/projector.ts';
import { randomAccount, testApp } from '../support/app.ts';
import { appendStreamFact, randomContract } from '../support/stream-events.ts';

const STREAM_CONTRACT = randomContract();
const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

async function setup(t: Parameters<typeof testApp>[0]) {
  const harness = await testApp(t, { STELLARSTREAM_CONTRACT_ID: STREAM_CONTRACT });
  const sender = randomAccount();
  const receiver = randomAccount();
  const token = randomContract();
  const auth = async (who: string) => ({ authorization: `Bearer ${await harness.token(who)}` });
  const store = harness.app.services.eventStore;
  const project = () => catchUp(harness.database.db, streamsProjector);
  return { ...harness, sender, receiver, token, auth, store, project };
}

t.test('POST /v1/streams records the intent and returns the create_stream call with real XDR', async (t) => {
  const { app, sender, receiver, token, auth, database } = await setup(t);
  const body = { receiver, token, amount: '1000000', start: 1_800_000_000, cliff: 1_800_000_100, end: 1_800_001_000, memo: 'inv-1' };
  const response = await app.inject({ method: 'POST', url: '/v1/streams', payload: body, headers: await auth(sender) });
  t.equal(response.statusCode, 202, response.body);
  const { requestId, status, contractCall } = response.json();
  t.equal(status, 'requested');
  t.equal(contractCall.contractId, STREAM_CONTRACT);
  t.equal(contractCall.function, 'create_stream');
  const native = contractCall.args.map((a: { xdr: string }) => scValToNative(xdr.ScVal.fromXDR(a.xdr, 'base64')));
  t.same(native, [sender, receiver, token, 1_000_000n, 1_800_000_000n, 1_800_000_100n, 1_800_001_000n, 'inv-1']);
  const events = await database.db.selectFrom('events').select(['type', 'stream_id']).where('stream_id', '=', `stream-request-${requestId}`).execute();
  t.same(events.map((e) => e.type), ['StreamCreationRequested']);

  const same = await app.inject({ method: 'POST', url: '/v1/streams', payload: { ...body, receiver: sender }, headers: await auth(sender) });
  t.equal(same.statusCode, 422);
  t.equal(same.json().code, 'STREAM.SELF_STREAM');
  const backwards = await app.inject({ method: 'POST', url: '/v1/streams', payload: { ...body, end: body.start }, headers: await auth(sender) });
  t.equal(backwards.json().code, 'STREAM.INVALID_SCHEDULE');
});

t.test('without a StellarStream contract configured, creation is 503', async (t) => {
  const { app, token } = await testApp(t);
  const response = await app.inject({
    method: 'POST', url: '/v1/streams', headers: { authorization: `Bearer ${await token(randomAccount())}` },
    payload: { receiver: randomAccount(), token: randomContract(), amount: '10', start: 1, end: 2 },
  });
  t.equal(response.statusCode, 503);
  t.equal(response.json().code, 'CONFIG.STREAM_CONTRACT_NOT_CONFIGURED');
});

t.test('a chain stream: amounts at any time, withdraw, cancel, history, list', async (t) => {
  const { app, sender, receiver, token, auth, store, project } = await setup(t);
  const now = Math.floor(Date.now() / 1000);
  const start = now - 100;
  const end = start + 1000;
  const ref = { contractId: STREAM_CONTRACT, streamId: '7' };
  const id = `${STREAM_CONTRACT}-7`;
  const created = await appendStreamFact(store, 'StreamCreated', {
    ...ref, sender, receiver, token, totalAmount: '1000000', startAt: iso(start), cliffAt: null, endAt: iso(end), memo: 'hello', createdAt: iso(start),
  }, receiver);
  await project();

  const at = async (seconds: number, who = receiver) => app.inject({ method: 'GET', url: `/v1/streams/${id}?at=${seconds}`, headers: await auth(who) });
  const before = (await at(start - 1)).json();
  t.match(before, { id, phase: 'scheduled', streamed: '0', withdrawable: '0', deposited: '1000000', remaining: '1000000', createdLedger: created.ledger, createdTx: created.txHash });
  const quarter = (await at(start + 250)).json();
  t.match(quarter, { phase: 'streaming', streamed: '250000', withdrawable: '250000', cancelSplit: { toReceiver: '250000', toSender: '750000' }, depletesAt: iso(end) });
  t.match((await at(end + 5)).json(), { phase: 'completed', streamed: '1000000' });
  t.equal((await at(start + 250, sender)).statusCode, 200, 'the sender reads it through the wallet policy');
  t.equal((await at(start + 250, randomAccount())).statusCode, 404, 'a stranger does not see it');
  const byDefault = await app.inject({ method: 'GET', url: `/v1/streams/${id}`, headers: await auth(receiver) });
  t.ok(BigInt(byDefault.json().streamed) >= 100_000n, 'default is now');

  const withdraw = async (payload: unknown, who = receiver) =>
    app.inject({ method: 'POST', url: `/v1/streams/${id}/withdraw`, payload: payload as object, headers: await auth(who) });
  const tooMuch = await withdraw({ amount: '900000' });
  t.equal(tooMuch.statusCode, 422);
  t.equal(tooMuch.json().code, 'STREAM.INSUFFICIENT_WITHDRAWABLE');
  t.ok(BigInt(tooMuch.json().details.withdrawable) >= 100_000n);
  t.equal((await withdraw({ amount: '1000' }, sender)).json().code, 'STREAM.FORBIDDEN');
  const ok = await withdraw({ amount: '50000' });
  t.equal(ok.statusCode, 202, ok.body);
  t.equal(ok.json().amount, '50000');
  t.same(ok.json().contractCall.args.map((a: { name: string }) => a.name), ['stream_id', 'receiver', 'amount']);
  const all = await withdraw({});
  t.equal(all.statusCode, 202, 'no amount: everything withdrawable now');
  t.ok(BigInt(all.json().amount) >= 100_000n);
  const unknown = await app.inject({ method: 'POST', url: `/v1/streams/${STREAM_CONTRACT}-8/withdraw`, payload: {}, headers: await auth(receiver) });
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().code, 'STREAM.NOT_FOUND');

  await appendStreamFact(store, 'StreamWithdrawn', { ...ref, beneficiary: receiver, amount: '50000', withdrawnTotal: '50000', withdrawnAt: iso(now) }, receiver);
  await project();
  t.match((await at(start + 250)).json(), { withdrawn: '50000', withdrawable: '200000', pendingWithdrawal: null });

  const cancel = async (who: string) => app.inject({ method: 'POST', url: `/v1/streams/${id}/cancel`, headers: await auth(who) });
  t.equal((await cancel(receiver)).statusCode, 403);
  const cancelled = await cancel(sender);
  t.equal(cancelled.statusCode, 202, cancelled.body);
  t.equal(cancelled.json().contractCall.function, 'cancel');
  t.equal((await cancel(sender)).json().code, 'STREAM.CANCELLATION_ALREADY_REQUESTED');

  await appendStreamFact(store, 'StreamCancelled', { ...ref, caller: sender, toReceiver: '100000', toSender: '850000', cancelledAt: iso(now + 50) });
  await project();
  const final = (await at(end + 100)).json();
  t.match(final, { status: 'cancelled', phase: 'cancelled', withdrawn: '150000', refunded: '850000', remaining: '0', streamed: '150000', cancelSplit: null });
  t.equal((await cancel(sender)).json().code, 'STREAM.ALREADY_CANCELLED');

  const history = await app.inject({ method: 'GET', url: `/v1/streams/${id}/history`, headers: await auth(sender) });
  t.equal(history.statusCode, 200);
  const items = history.json().items as { type: string; kind: string; ledger: number | null; txHash: string | null }[];
  t.same(items.map((e) => `${e.kind}:${e.type}`), [
    'fact:StreamCreated', 'intent:WithdrawalRequested', 'intent:WithdrawalRequested', 'fact:StreamWithdrawn',
    'intent:StreamCancellationRequested', 'fact:StreamCancelled',
  ]);
  t.equal(items[0]!.ledger, created.ledger);
  t.equal(items[0]!.txHash, created.txHash);
  t.equal(items[1]!.ledger, null, 'intents have no chain coordinates');
  const strangerHistory = await app.inject({ method: 'GET', url: `/v1/streams/${id}/history`, headers: await auth(randomAccount()) });
  t.equal(strangerHistory.statusCode, 404);
});

t.test('GET /v1/streams filters by sender, receiver and status, pages with a cursor, and only shows the caller its own', async (t) => {
  const { app, sender, receiver, token, auth, store, project } = await setup(t);
  const other = randomAccount();
  const base = { sender, token, totalAmount: '100', startAt: iso(1_700_000_000), cliffAt: null, endAt: iso(1_700_000_100), memo: null, createdAt: iso(1_700_000_000) };
  for (let i = 1; i <= 5; i++) await appendStreamFact(store, 'StreamCreated', { contractId: STREAM_CONTRACT, streamId: String(i), ...base, receiver }, receiver);
  await appendStreamFact(store, 'StreamCreated', { contractId: STREAM_CONTRACT, streamId: '6', ...base, receiver: other }, other);
  await appendStreamFact(store, 'StreamCreated', { contractId: STREAM_CONTRACT, streamId: '9', ...base, sender: other, receiver: randomAccount() });
  await appendStreamFact(store, 'StreamCancelled', { contractId: STREAM_CONTRACT, streamId: '2', caller: sender, toReceiver: '100', toSender: '0', cancelledAt: iso(1_700_000_200) });
  await project();

  const list = async (query: string, who: string) => (await app.inject({ method: 'GET', url: `/v1/streams?${query}`, headers: await auth(who) })).json();
  t.equal((await list('', sender)).items.length, 6, 'the sender sees everything it sends');
  t.equal((await list('', receiver)).items.length, 5, 'the receiver sees what it receives');
  t.equal((await list(`receiver=${other}`, sender)).items.length, 1);
  t.same((await list('status=cancelled', receiver)).items.map((s: { onchainId: string }) => s.onchainId), ['2']);
  const first = await list('limit=4', sender);
  t.equal(first.items.length, 4);
  const second = await list(`limit=4&cursor=${first.nextCursor}`, sender);
  t.equal(second.items.length, 2);
  t.equal(second.nextCursor, null);
  t.equal((await list('', randomAccount())).items.length, 0);
});

t.test('bad inputs are 400 on every stream route', async (t) => {
  const { app, sender, receiver, token, auth } = await setup(t);
  const headers = await auth(sender);
  const broken = receiver.slice(0, -1) + (receiver.endsWith('A') ? 'B' : 'A');
  const good = { receiver, token, amount: '10', start: 1_800_000_000, end: 1_800_000_100 };
  const bodies: [string, unknown][] = [
    ['receiver with a wrong checksum', { ...good, receiver: broken }],
    ['token that is an account', { ...good, token: receiver }],
    ['negative amount', { ...good, amount: '-5' }],
    ['zero amount', { ...good, amount: '0' }],
    ['non-integer amount', { ...good, amount: '1.5' }],
    ['amount as a JSON number', { ...good, amount: 10 }],
    ['amount beyond i128', { ...good, amount: (2n ** 127n).toString() }],
    ['fractional time', { ...good, start: 1.5 }],
    ['negative time', { ...good, start: -1 }],
    ['missing end', { receiver, token, amount: '10', start: 1 }],
  ];
  for (const [label, payload] of bodies) {
    const response = await app.inject({ method: 'POST', url: '/v1/streams', payload: payload as object, headers });
    t.equal(response.statusCode, 400, `POST /v1/streams: ${label}`);
    t.equal(response.json().code, 'VALIDATION.FAILED');
  }
  const id = `${STREAM_CONTRACT}-1`;
  const withdrawals: [string, unknown][] = [
    ['negative', { amount: '-1' }], ['non-integer', { amount: '2.5' }], ['beyond i128', { amount: '1' + '0'.repeat(39) }], ['a number', { amount: 5 }],
  ];
  for (const [label, payload] of withdrawals) {
    const response = await app.inject({ method: 'POST', url: `/v1/streams/${id}/withdraw`, payload: payload as object, headers });
    t.equal(response.statusCode, 400, `withdraw: ${label}`);
  }
  const badContract = STREAM_CONTRACT.slice(0, -1) + (STREAM_CONTRACT.endsWith('A') ? 'B' : 'A');
  for (const bad of [`${badContract}-1`, `${STREAM_CONTRACT}-x`, `${STREAM_CONTRACT}-${2n ** 64n}`, 'nope', `${receiver}-1`]) {
    for (const [method, path] of [['GET', ''], ['GET', '/history'], ['POST', '/cancel'], ['POST', '/withdraw']] as const) {
      const response = await app.inject({ method, url: `/v1/streams/${encodeURIComponent(bad)}${path}`, headers, ...(method === 'POST' ? { payload: {} } : {}) });
      t.equal(response.statusCode, 400, `${method} ${bad.slice(-12)}${path}`);
    }
  }
  for (const query of ['at=-1', 'at=1.5', 'at=abc']) {
    t.equal((await app.inject({ method: 'GET', url: `/v1/streams/${id}?${query}`, headers })).statusCode, 400, query);
  }
  for (const query of [`sender=${broken}`, 'receiver=GABC', 'status=done', 'limit=0', 'limit=1000']) {
    t.equal((await app.inject({ method: 'GET', url: `/v1/streams?${query}`, headers })).statusCode, 400, query);
  }
});

t.test('GET /v1/streams/stats and /v1/streams/search over what the caller may see', async (t) => {
  const { app, sender, receiver, token, auth, store, project } = await setup(t);
  const otherToken = randomContract();
  const base = { sender, receiver, startAt: iso(1_700_000_000), cliffAt: null, endAt: iso(1_700_000_100), createdAt: iso(1_700_000_000) };
  await appendStreamFact(store, 'StreamCreated', { contractId: STREAM_CONTRACT, streamId: '1', ...base, token, totalAmount: '100', memo: 'Salary March' }, receiver);
  await appendStreamFact(store, 'StreamCreated', { contractId: STREAM_CONTRACT, streamId: '2', ...base, token, totalAmount: '200', memo: '100%_off' }, receiver);
  await appendStreamFact(store, 'StreamCreated', { contractId: STREAM_CONTRACT, streamId: '3', ...base, token: otherToken, totalAmount: '300', memo: null }, receiver);
  await appendStreamFact(store, 'StreamCreated', { contractId: STREAM_CONTRACT, streamId: '4', ...base, sender: randomAccount(), receiver: randomAccount(), token, totalAmount: '999', memo: 'salary' });
  await appendStreamFact(store, 'StreamWithdrawn', { contractId: STREAM_CONTRACT, streamId: '1', beneficiary: receiver, amount: '40', withdrawnTotal: '40', withdrawnAt: iso(1_700_000_050) }, receiver);
  await appendStreamFact(store, 'StreamCancelled', { contractId: STREAM_CONTRACT, streamId: '2', caller: sender, toReceiver: '150', toSender: '50', cancelledAt: iso(1_700_000_075) });
  await project();

  const stats = await app.inject({ method: 'GET', url: '/v1/streams/stats', headers: await auth(sender) });
  t.equal(stats.statusCode, 200, stats.body);
  const rows = stats.json().items as { status: string; token: string; count: number; deposited: string; withdrawn: string; refunded: string }[];
  const key = (status: string, tok: string) => rows.find((r) => r.status === status && r.token === tok);
  t.match(key('active', token), { count: 1, deposited: '100', withdrawn: '40', refunded: '0' });
  t.match(key('cancelled', token), { count: 1, deposited: '200', withdrawn: '150', refunded: '50' });
  t.match(key('active', otherToken), { count: 1, deposited: '300' });
  t.equal(rows.reduce((n, r) => n + r.count, 0), 3, 'the stranger’s stream is not counted');

  const search = async (q: string) => (await app.inject({ method: 'GET', url: `/v1/streams/search?q=${encodeURIComponent(q)}`, headers: await auth(receiver) })).json().items.map((s: { onchainId: string }) => s.onchainId);
  t.same(await search('salary'), ['1'], 'memo, case-insensitive, only visible streams');
  t.same(await search('100%'), ['2'], 'LIKE wildcards are literal');
  t.same(await search(otherToken), ['3']);
  t.same(await search(sender), ['1', '2', '3']);
  t.same(await search(`${STREAM_CONTRACT}-2`), ['2']);
  t.same(await search('3'), ['3']);
  t.equal((await app.inject({ method: 'GET', url: '/v1/streams/search?q=', headers: await auth(receiver) })).statusCode, 400);
  t.equal((await app.inject({ method: 'GET', url: '/v1/streams/search', headers: await auth(receiver) })).statusCode, 400);
});

t.test('OpenAPI documents every stream and invoice-link route and the stream id format', async (t) => {
  const { app } = await testApp(t);
  const docs = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
  for (const path of ['/v1/streams', '/v1/streams/{id}', '/v1/streams/{id}/withdraw', '/v1/streams/{id}/cancel', '/v1/streams/{id}/history',
    '/v1/streams/stats', '/v1/streams/search', '/v1/invoice-links', '/v1/invoice-links/{slug}', '/v1/invoice-links/{id}/status', '/v1/invoice-links/{id}']) {
    t.ok(docs.paths[path], path);
  }
  t.match(docs.paths['/v1/streams/{id}'].get.description, /<contractId>-<onchainId>/);
});
