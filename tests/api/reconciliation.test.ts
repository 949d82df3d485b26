import { sql } from 'kysely';
import t from 'tap';
import { randomAccount, testApp } from '../support/app.ts';
import { consistentBooks, corrupt } from '../reconciliation/books.ts';

// POST/GET /v1/reconciliation/runs on the real app: a creator reconciles its own books, reads the
// report back, never sees another tenant's runs, and the metric counts what the latest run found.

function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

t.test('a creator reconciles its own books through the API', async (t) => {
  const { app, database, token } = await testApp(t);
  const books = await consistentBooks(t, database);
  const asCreator = { authorization: `Bearer ${await token(books.creator, books.creator)}` };
  const other = randomAccount();
  const asOther = { authorization: `Bearer ${await token(other, other)}` };

  t.equal(sample((await app.inject({ url: '/metrics' })).body, 'substream_reconciliation_discrepancies'), 0, 'nothing found before any run');

  const clean = await app.inject({ method: 'POST', url: '/v1/reconciliation/runs', headers: asCreator, payload: {} });
  t.equal(clean.statusCode, 201, clean.body);
  t.match(clean.json(), { status: 'finished', trigger: 'api', complete: true, discrepancies: 0, report: { discrepancies: [], complete: true } });

  await corrupt(database.db, sql`update subscriptions set total_billed = total_billed + 3 where subscriber = ${books.subscribers[1]}`);
  const found = await app.inject({ method: 'POST', url: '/v1/reconciliation/runs', headers: asCreator, payload: {} });
  t.equal(found.statusCode, 201, found.body);
  const runId = found.json().runId as string;
  t.equal(found.json().discrepancies, 1);

  const one = await app.inject({ url: `/v1/reconciliation/runs/${runId}`, headers: asCreator });
  t.equal(one.statusCode, 200, one.body);
  t.match(one.json().report.discrepancies, [{ scope: 'subscription', against: 'read-model', expected: '700', actual: '703', difference: '3' }], 'the report, exact');

  const list = await app.inject({ url: '/v1/reconciliation/runs', headers: asCreator });
  t.same(list.json().items.map((r: { runId: string; report?: unknown }) => [r.runId, r.report]), [[runId, undefined], [clean.json().runId, undefined]], 'newest first, without reports');

  t.equal((await app.inject({ url: `/v1/reconciliation/runs/${runId}`, headers: asOther })).statusCode, 404, 'another tenant\'s run is not found');
  t.same((await app.inject({ url: '/v1/reconciliation/runs', headers: asOther })).json().items, []);

  const metrics = (await app.inject({ url: '/metrics' })).body;
  t.equal(sample(metrics, 'substream_reconciliation_discrepancies'), 1, 'the metric: the latest run\'s discrepancies');
  t.equal(sample(metrics, 'substream_reconciliation_incomplete_tenants'), 0);
});

t.test('a bad range is a 400 in the one error shape', async (t) => {
  const { app, token } = await testApp(t);
  const creator = randomAccount();
  const headers = { authorization: `Bearer ${await token(creator, creator)}` };
  for (const payload of [{ from: '2026-12-02', to: '2026-12-01' }, { from: 'yesterday' }, { from: '2026-12-01T00:00:00Z' }, { from: '2026-02-30' }, { extra: 1 }]) {
    const response = await app.inject({ method: 'POST', url: '/v1/reconciliation/runs', headers, payload });
    t.equal(response.statusCode, 400, JSON.stringify(payload));
    t.equal(response.json().code, 'VALIDATION.FAILED', response.body);
  }
  const range = await app.inject({ method: 'POST', url: '/v1/reconciliation/runs', headers, payload: { from: '2026-11-01', to: '2026-12-01' } });
  t.equal(range.statusCode, 201, range.body);
  t.match(range.json(), { from: '2026-11-01', to: '2026-12-01', complete: false });
});
