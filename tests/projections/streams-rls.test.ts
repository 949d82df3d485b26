import { sql } from 'kysely';
import t from 'tap';
import { catchUp } from '../../projections/runner.ts';
import { withReadScope } from '../../projections/read-scope.ts';
import { invoiceLinksProjector } from '../../projections/invoice-links/projector.ts';
import { streamsProjector } from '../../projections/streams/projector.ts';
import { getStream } from '../../projections/streams/queries.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { randomAccount } from '../support/app.ts';
import { testDatabase } from '../support/database.ts';
import { appendStreamFact, randomContract } from '../support/stream-events.ts';

t.test('streams and invoice_links: RLS enabled and forced; tenant, wallet and stranger scopes; select-only api role', async (t) => {
  const { db } = await testDatabase(t);
  const flags = await sql<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>`
    select relname, relrowsecurity, relforcerowsecurity from pg_class where relname in ('streams', 'invoice_links') order by relname`.execute(db);
  t.same(flags.rows.map((r) => [r.relname, r.relrowsecurity, r.relforcerowsecurity]), [['invoice_links', true, true], ['streams', true, true]]);

  const store = createPostgresEventStore(db);
  const contractId = randomContract();
  const [sender, receiver, stranger] = [randomAccount(), randomAccount(), randomAccount()];
  await appendStreamFact(store, 'StreamCreated', {
    contractId, streamId: '1', sender, receiver, token: randomContract(), totalAmount: '100', startAt: '2026-01-01T00:00:00.000Z', cliffAt: null,
    endAt: '2026-01-01T00:01:40.000Z', memo: null, createdAt: '2026-01-01T00:00:00.000Z',
  }, receiver);
  await catchUp(db, streamsProjector);
  await catchUp(db, invoiceLinksProjector);
  const id = `${contractId}-1`;
  const sees = (scope: { tenantId?: string; wallet?: string }) => withReadScope(db, scope, (trx) => getStream(trx, id, 1_767_225_650n));
  t.match(await sees({ tenantId: receiver }), { streamed: '50' }, 'the receiver as tenant');
  t.ok(await sees({ wallet: sender }), 'the sender through the wallet policy');
  t.ok(await sees({ wallet: receiver }), 'the receiver as a wallet');
  t.equal(await sees({ wallet: stranger, tenantId: stranger }), undefined, 'a stranger sees nothing');
  t.equal(await sees({}), undefined, 'no scope sees nothing');
  const grants = await sql<{ t: string; sel: boolean; ins: boolean; upd: boolean; del: boolean }>`
    select t, has_table_privilege('substream_api', t, 'SELECT') as sel, has_table_privilege('substream_api', t, 'INSERT') as ins,
      has_table_privilege('substream_api', t, 'UPDATE') as upd, has_table_privilege('substream_api', t, 'DELETE') as del
    from unnest(array['streams', 'invoice_links']) as t`.execute(db);
  t.same(grants.rows, [
    { t: 'streams', sel: true, ins: false, upd: false, del: false },
    { t: 'invoice_links', sel: true, ins: false, upd: false, del: false },
  ], 'the api role may only select');
  const policies = await sql<{ policyname: string }>`select policyname from pg_policies where tablename in ('streams', 'invoice_links') order by policyname`.execute(db);
  t.same(policies.rows.map((r) => r.policyname), [
    'invoice_links_projection_writer', 'invoice_links_projector_writer', 'invoice_links_public', 'invoice_links_tenant', 'invoice_links_wallet',
    'streams_projection_writer', 'streams_projector_writer', 'streams_tenant', 'streams_wallet',
  ]);
});
