import { scValToNative, xdr } from '@stellar/stellar-sdk';
import t from 'tap';
import { catchUp } from '../../projections/runner.ts';
import { streamsProjector } from '../../projections/streams/projector.ts';
import { SubstreamApiError, SubstreamClient } from '../../sdk/src/index.ts';
import { randomAccount, testApp } from '../support/app.ts';
import { listen } from '../support/listening-app.ts';
import { appendStreamFact, randomContract } from '../support/stream-events.ts';

const STREAM_CONTRACT = randomContract();
const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

async function setup(t: Parameters<typeof testApp>[0]) {
  const harness = await testApp(t, { STELLARSTREAM_CONTRACT_ID: STREAM_CONTRACT });
  const baseUrl = await listen(harness.app);
  const clientOf = async (who: string) => new SubstreamClient({ baseUrl, token: await harness.token(who) });
  const project = () => catchUp(harness.database.db, streamsProjector);
  return { ...harness, baseUrl, clientOf, project, store: harness.app.services.eventStore };
}

/** Runs `fn`, which must reject with a SubstreamApiError, and returns that error. */
async function apiError(fn: () => Promise<unknown>): Promise<SubstreamApiError> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof SubstreamApiError) return error;
    throw error;
  }
  throw new Error('expected a SubstreamApiError');
}

t.test('streams through the SDK: create, read at any time, withdraw, cancel, history, events', async (t) => {
  const { clientOf, project, store } = await setup(t);
  const sender = randomAccount();
  const receiver = randomAccount();
  const token = randomContract();
  const asSender = await clientOf(sender);
  const asReceiver = await clientOf(receiver);

  const requested = await asSender.createStream({ receiver, token, amount: 1_000_000n, start: 1_800_000_000, end: 1_800_001_000, memo: 'sdk' });
  t.equal(requested.status, 'requested');
  t.equal(requested.contractCall.function, 'create_stream');
  const args = requested.contractCall.args.map((a) => scValToNative(xdr.ScVal.fromXDR(a.xdr, 'base64')));
  t.same(args, [sender, receiver, token, 1_000_000n, 1_800_000_000n, null, 1_800_001_000n, 'sdk'], 'the bigint amount arrived exact (no cliff: None)');

  const now = Math.floor(Date.now() / 1000);
  const start = now - 100;
  const end = start + 1000;
  const id = `${STREAM_CONTRACT}-7`;
  const ref = { contractId: STREAM_CONTRACT, streamId: '7' };
  const created = await appendStreamFact(store, 'StreamCreated', {
    ...ref, sender, receiver, token, totalAmount: '1000000', startAt: iso(start), cliffAt: null, endAt: iso(end), memo: 'rent', createdAt: iso(start),
  }, receiver);
  await project();

  t.match(await asReceiver.getStream(id, { at: start - 1 }), { id, phase: 'scheduled', streamed: '0', deposited: '1000000', createdTx: created.txHash });
  t.match(await asReceiver.getStream(id, { at: new Date((start + 250) * 1000) }), { phase: 'streaming', streamed: '250000', withdrawable: '250000' }, 'a Date is sent as unix seconds');
  t.ok(BigInt((await asSender.getStream(id)).streamed) >= 100_000n, 'default is now');

  const tooMuch = await apiError(() => asReceiver.withdrawFromStream(id, { amount: 900_000n }));
  t.match(tooMuch, { status: 422, code: 'STREAM.INSUFFICIENT_WITHDRAWABLE' });
  t.ok(BigInt((tooMuch.details as { withdrawable: string }).withdrawable) >= 100_000n, 'details carried through');
  t.match(tooMuch.requestId, /^[0-9a-f-]{36}$/, 'the request id of the failure');
  const withdrawal = await asReceiver.withdrawFromStream(id, { amount: '50000' });
  t.equal(withdrawal.amount, '50000');
  t.same(withdrawal.contractCall.args.map((a) => a.name), ['stream_id', 'receiver', 'amount']);
  t.ok(BigInt((await asReceiver.withdrawFromStream(id)).amount) >= 100_000n, 'no amount: everything withdrawable now');
  await appendStreamFact(store, 'StreamWithdrawn', { ...ref, beneficiary: receiver, amount: '50000', withdrawnTotal: '50000', withdrawnAt: iso(now) }, receiver);

  t.match(await apiError(() => asReceiver.cancelStream(id)), { status: 403, code: 'STREAM.FORBIDDEN' });
  t.equal((await asSender.cancelStream(id)).contractCall.function, 'cancel');
  await appendStreamFact(store, 'StreamCancelled', { ...ref, caller: sender, toReceiver: '100000', toSender: '850000', cancelledAt: iso(now + 50) });
  await project();
  t.match(await asSender.getStream(id, { at: end + 100 }), { status: 'cancelled', withdrawn: '150000', refunded: '850000', remaining: '0' });

  const history = await asSender.getStreamHistory(id);
  t.same(history.items.map((e) => `${e.kind}:${e.type}`), [
    'fact:StreamCreated', 'intent:WithdrawalRequested', 'intent:WithdrawalRequested', 'fact:StreamWithdrawn',
    'intent:StreamCancellationRequested', 'fact:StreamCancelled',
  ]);
  const events = await asSender.getStreamEvents(id);
  t.same(events.map((e) => e.type), ['StreamCreated', 'StreamWithdrawn', 'StreamCancelled'], 'events are the chain facts only');
  t.equal(events[0]!.txHash, created.txHash);
  t.equal(events[0]!.ledger, created.ledger);

  const stranger = await clientOf(randomAccount());
  t.match(await apiError(() => stranger.getStream(id)), { status: 404, code: 'STREAM.NOT_FOUND' });
  t.match(await apiError(() => stranger.getStreamEvents(id)), { status: 404, code: 'STREAM.NOT_FOUND' });
  const invalid = await apiError(() => asSender.createStream({ receiver, token, amount: '-5', start: 1, end: 2 }));
  t.match(invalid, { status: 400, code: 'VALIDATION.FAILED' });
  t.ok(Array.isArray(invalid.details), 'validation details listed');
  t.match(await apiError(() => asSender.getStream(`${STREAM_CONTRACT}-x`)), { status: 400, code: 'VALIDATION.FAILED' });
});

t.test('getStreams pages with the cursor; getStats and searchStreams', async (t) => {
  const { clientOf, project, store, baseUrl } = await setup(t);
  const sender = randomAccount();
  const receiver = randomAccount();
  const token = randomContract();
  const base = { sender, receiver, token, startAt: iso(1_700_000_000), cliffAt: null, endAt: iso(1_700_000_100), createdAt: iso(1_700_000_000) };
  for (let i = 1; i <= 5; i++) {
    await appendStreamFact(store, 'StreamCreated', { contractId: STREAM_CONTRACT, streamId: String(i), ...base, totalAmount: String(i * 100), memo: i === 3 ? 'Salary March' : null }, receiver);
  }
  await appendStreamFact(store, 'StreamCancelled', { contractId: STREAM_CONTRACT, streamId: '2', caller: sender, toReceiver: '150', toSender: '50', cancelledAt: iso(1_700_000_075) });
  await project();
  const client = await clientOf(sender);

  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await client.getStreams({ limit: 2, ...(cursor ? { cursor } : {}) });
    seen.push(...page.items.map((s) => s.onchainId));
    cursor = page.nextCursor ?? undefined;
    pages += 1;
  } while (cursor);
  t.same(seen, ['1', '2', '3', '4', '5'], 'every stream once, in order');
  t.equal(pages, 3);
  t.same((await client.getStreams({ status: 'cancelled' })).items.map((s) => s.onchainId), ['2']);
  t.same((await client.getStreams({ receiver: randomAccount() })).items, []);

  const stats = await client.getStats();
  t.match(stats.find((s) => s.status === 'active'), { token, count: 4, deposited: '1300' });
  t.match(stats.find((s) => s.status === 'cancelled'), { count: 1, deposited: '200', refunded: '50' });
  t.same((await client.searchStreams('salary')).map((s) => s.onchainId), ['3']);
  t.equal((await client.searchStreams(sender, { limit: 2 })).length, 2);

  const anonymous = new SubstreamClient({ baseUrl });
  t.match(await apiError(() => anonymous.getStats()), { status: 401 }, 'no credentials: 401');
});
