import { Networks, scValToNative, xdr } from '@stellar/stellar-sdk';
import t from 'tap';
import { parseContracts } from '../../indexer/decoders/contracts.ts';
import { decodeEvent } from '../../indexer/decoders/decode.ts';
import { invoiceLinksProjector } from '../../projections/invoice-links/projector.ts';
import { catchUp } from '../../projections/runner.ts';
import { addr, i128, map, rawEvent, str, sym, u32, u64, vec } from '../indexer/events.ts';
import { randomAccount, testApp } from '../support/app.ts';
import { randomContract } from '../support/stream-events.ts';

const V2 = randomContract();
const contracts = parseContracts(`${V2}=stellarstream-v2`);

/** A synthetic StellarStream V2 `create_v2` event, decoded and appended exactly as the indexer does. */
async function indexCreateV2(store: import('../../eventstore/types.ts').EventStore, f: { id: number; sender: string; receiver: string; token: string; amount: bigint; start: number; end: number; memo: string }) {
  const data = [u64(f.id), addr(f.sender), addr(f.receiver), addr(f.token), i128(f.amount), u64(f.start), u64(f.start), u64(f.end), u64(f.start), str(f.memo)];
  const raw = rawEvent(V2, [u64(f.id), sym('create_v2')], map({ version: u32(2), timestamp: u64(f.start), action: sym('create_v2'), data: vec(data) }));
  const decoded = decodeEvent(raw, { passphrase: Networks.TESTNET, contracts });
  if (decoded.malformed) throw new Error(decoded.malformed.message);
  await store.appendMany(decoded.appends.map((a) => ({ streamId: a.streamId, events: [a.event] })));
}

async function setup(t: Parameters<typeof testApp>[0]) {
  const harness = await testApp(t);
  const creator = randomAccount();
  const payer = randomAccount();
  const token = randomContract();
  const auth = async (who: string) => ({ authorization: `Bearer ${await harness.token(who)}` });
  const project = () => catchUp(harness.database.db, invoiceLinksProjector);
  return { ...harness, creator, payer, token, auth, project, store: harness.app.services.eventStore };
}

t.test('the lifecycle: DRAFT → SIGNED by the payer → COMPLETED by the matching chain fact', async (t) => {
  const { app, creator, payer, token, auth, project, store, database } = await setup(t);
  const created = await app.inject({
    method: 'POST', url: '/v1/invoice-links', headers: await auth(creator),
    payload: { receiver: creator, amount: '5000000', tokenAddress: token, duration: 3600, description: 'March invoice', pdfUrl: 'https://example.com/i.pdf' },
  });
  t.equal(created.statusCode, 201, created.body);
  const link = created.json();
  t.equal(link.status, 'DRAFT');
  t.match(link.slug, /^[A-Za-z0-9_-]{16}$/, '96 random bits, URL-safe');
  t.ok(link.shareUrl.endsWith(`/v1/invoice-links/${link.slug}`));
  const vector = scValToNative(xdr.ScVal.fromXDR(link.xdrParams, 'base64'));
  t.same(vector, [creator, token, 5_000_000n, 3600n, link.slug], 'xdrParams is a real ScVal vector');
  t.same(link.params.map((p: { name: string }) => p.name), ['receiver', 'token', 'amount', 'duration', 'memo']);
  t.ok(Date.parse(link.expiresAt) > Date.now() + 6 * 86_400_000, 'expires in 7 days by default');
  await project();

  const open = await app.inject({ method: 'GET', url: `/v1/invoice-links/${link.slug}` });
  t.equal(open.statusCode, 200, 'public, no authentication');
  t.match(open.json(), { id: link.id, status: 'DRAFT', amount: '5000000', durationSeconds: 3600, description: 'March invoice', xdrParams: link.xdrParams });
  const mine = await app.inject({ method: 'GET', url: '/v1/invoice-links', headers: await auth(creator) });
  t.same(mine.json().items.map((l: { id: string }) => l.id), [link.id]);
  t.same((await app.inject({ method: 'GET', url: '/v1/invoice-links', headers: await auth(payer) })).json().items, [], 'not yet the payer’s');

  const patch = async (who: string, body: object) => app.inject({ method: 'PATCH', url: `/v1/invoice-links/${link.id}/status`, headers: await auth(who), payload: body });
  const txHash = 'ab'.repeat(32);
  const skip = await patch(payer, { status: 'COMPLETED', txHash });
  t.equal(skip.statusCode, 422);
  t.match(skip.json(), { code: 'INVOICE_LINK.INVALID_TRANSITION', details: { current: 'DRAFT', requested: 'COMPLETED' } });
  t.equal((await patch(creator, { status: 'SIGNED', txHash })).json().code, 'INVOICE_LINK.FORBIDDEN', 'the receiver does not pay itself');
  t.equal((await patch(payer, { status: 'SIGNED' })).json().code, 'INVOICE_LINK.TX_HASH_REQUIRED');
  const signed = await patch(payer, { status: 'SIGNED', txHash });
  t.equal(signed.statusCode, 200, signed.body);
  t.equal(signed.json().status, 'SIGNED');
  const again = await patch(payer, { status: 'SIGNED', txHash });
  t.match(again.json(), { code: 'INVOICE_LINK.INVALID_TRANSITION', details: { current: 'SIGNED', requested: 'SIGNED' } });
  const del = await app.inject({ method: 'DELETE', url: `/v1/invoice-links/${link.id}`, headers: await auth(creator) });
  t.equal(del.statusCode, 422, 'only a DRAFT can be deleted');
  await project();
  const paying = await app.inject({ method: 'GET', url: '/v1/invoice-links', headers: await auth(payer) });
  t.match(paying.json().items, [{ id: link.id, status: 'SIGNED', payer, txHash }], 'the payer sees the link it signed');

  const start = Math.floor(Date.now() / 1000);
  await indexCreateV2(store, { id: 77, sender: payer, receiver: creator, token, amount: 4_999_999n, start, end: start + 3600, memo: link.slug });
  await indexCreateV2(store, { id: 78, sender: payer, receiver: creator, token, amount: 5_000_000n, start, end: start + 3599, memo: link.slug });
  await project();
  t.equal((await app.inject({ method: 'GET', url: `/v1/invoice-links/${link.slug}` })).json().status, 'SIGNED', 'a wrong amount or duration does not complete it');
  await indexCreateV2(store, { id: 79, sender: payer, receiver: creator, token, amount: 5_000_000n, start, end: start + 3600, memo: link.slug });
  await project();
  const done = (await app.inject({ method: 'GET', url: `/v1/invoice-links/${link.slug}` })).json();
  t.match(done, { status: 'COMPLETED', completedStream: `${V2}-79`, payer });
  const history = await store.readStream(`invoice-link-${link.id}`);
  t.same(history.map((e) => e.type), ['InvoiceLinkCreated', 'InvoiceLinkSigned', 'InvoiceLinkCompleted']);
  t.equal(history[2]!.metadata.causationId !== undefined, true, 'the completion names the fact that caused it');

  await database.db.transaction().execute(async (trx) => {
    await trx.updateTable('projection_checkpoints').set({ version: 0 }).where('name', '=', 'invoice-links').execute();
  });
  await project();
  t.equal((await store.readStream(`invoice-link-${link.id}`)).length, 3, 'a rebuild completes nothing twice');
  t.equal((await app.inject({ method: 'GET', url: `/v1/invoice-links/${link.slug}` })).json().status, 'COMPLETED');
  t.equal((await patch(payer, { status: 'SIGNED', txHash })).json().details.current, 'COMPLETED');
});

t.test('expiry, deletion, unknown links', async (t) => {
  const { app, creator, payer, token, auth, project } = await setup(t);
  const create = async (expiresAt?: string) =>
    (await app.inject({
      method: 'POST', url: '/v1/invoice-links', headers: await auth(creator),
      payload: { receiver: creator, amount: '10', tokenAddress: token, duration: 60, ...(expiresAt ? { expiresAt } : {}) },
    })).json();
  const soon = await create(new Date(Date.now() + 1500).toISOString());
  const draft = await create();
  const past = await app.inject({
    method: 'POST', url: '/v1/invoice-links', headers: await auth(creator),
    payload: { receiver: creator, amount: '10', tokenAddress: token, duration: 60, expiresAt: '2020-01-01T00:00:00Z' },
  });
  t.equal(past.json().code, 'INVOICE_LINK.INVALID_EXPIRY');
  await project();
  await new Promise((resolve) => setTimeout(resolve, 1600));
  const expired = await app.inject({ method: 'GET', url: `/v1/invoice-links/${soon.slug}` });
  t.equal(expired.statusCode, 410);
  t.equal(expired.json().code, 'INVOICE_LINK.EXPIRED');
  const sign = await app.inject({ method: 'PATCH', url: `/v1/invoice-links/${soon.id}/status`, headers: await auth(payer), payload: { status: 'SIGNED', txHash: 'cd'.repeat(32) } });
  t.equal(sign.statusCode, 410);
  t.equal((await app.inject({ method: 'GET', url: '/v1/invoice-links/AAAAAAAAAAAAAAAA' })).statusCode, 404);

  const del = async (who: string, id = draft.id) => app.inject({ method: 'DELETE', url: `/v1/invoice-links/${id}`, headers: await auth(who) });
  t.equal((await del(payer)).statusCode, 403, 'only the creator deletes');
  t.equal((await del(creator)).statusCode, 204);
  t.equal((await del(creator)).statusCode, 404, 'gone');
  t.equal((await del(creator, '00000000-0000-4000-8000-000000000000')).statusCode, 404);
  await project();
  t.equal((await app.inject({ method: 'GET', url: `/v1/invoice-links/${draft.slug}` })).statusCode, 404);
  const listed = (await app.inject({ method: 'GET', url: '/v1/invoice-links', headers: await auth(creator) })).json().items;
  t.same(listed.map((l: { id: string; status: string }) => [l.id, l.status]), [[soon.id, 'EXPIRED']]);
});

t.test('bad inputs are 400 on every invoice-link route', async (t) => {
  const { app, creator, token, auth } = await setup(t);
  const headers = await auth(creator);
  const broken = creator.slice(0, -1) + (creator.endsWith('A') ? 'B' : 'A');
  const good = { receiver: creator, amount: '10', tokenAddress: token, duration: 60 };
  const cases: [string, object][] = [
    ['receiver with a wrong checksum', { ...good, receiver: broken }],
    ['token with a wrong checksum', { ...good, tokenAddress: token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A') }],
    ['negative amount', { ...good, amount: '-10' }],
    ['non-integer amount', { ...good, amount: '10.5' }],
    ['amount beyond i128', { ...good, amount: (2n ** 127n).toString() }],
    ['zero duration', { ...good, duration: 0 }],
    ['fractional duration', { ...good, duration: 1.5 }],
    ['not a URL', { ...good, pdfUrl: 'javascript:alert(1)' }],
    ['not a date', { ...good, expiresAt: 'tomorrow' }],
  ];
  for (const [label, payload] of cases) {
    const response = await app.inject({ method: 'POST', url: '/v1/invoice-links', headers, payload });
    t.equal(response.statusCode, 400, label);
    t.equal(response.json().code, 'VALIDATION.FAILED');
  }
  const id = '00000000-0000-4000-8000-000000000000';
  for (const [label, payload] of [['unknown status', { status: 'PAID' }], ['bad tx hash', { status: 'SIGNED', txHash: 'xyz' }]] as const) {
    t.equal((await app.inject({ method: 'PATCH', url: `/v1/invoice-links/${id}/status`, headers, payload })).statusCode, 400, label);
  }
  t.equal((await app.inject({ method: 'PATCH', url: '/v1/invoice-links/not-a-uuid/status', headers, payload: { status: 'SIGNED' } })).statusCode, 400);
  t.equal((await app.inject({ method: 'DELETE', url: '/v1/invoice-links/not-a-uuid', headers })).statusCode, 400);
  t.equal((await app.inject({ method: 'GET', url: '/v1/invoice-links/short' })).statusCode, 400);
  t.equal((await app.inject({ method: 'GET', url: '/v1/invoice-links?limit=0', headers })).statusCode, 400);
});
