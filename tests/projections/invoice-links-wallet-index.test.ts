import t from 'tap';
import { sql } from 'kysely';
import { ownInvoiceLinksQuery } from '../../projections/invoice-links/queries.ts';
import { withReadScope } from '../../projections/read-scope.ts';
import { testDatabase } from '../support/database.ts';

t.setTimeout(120_000);

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

t.test("a wallet's own invoice links are found through the creator and payer indexes, never by scanning every tenant's links", async (t) => {
  const { db } = await testDatabase(t);
  // 40,000 links of 2,000 creators, each paid by one of 4,000 wallets (superuser: RLS does not apply to the setup).
  await sql`
    insert into invoice_links (tenant_id, id, slug, creator, receiver, token, amount, duration_seconds, status, payer, expires_at, created_at, updated_at)
    select 'G' || (i % 2000), 'link-' || i, 'slug-' || i, 'G' || (i % 2000), 'G' || (i % 2000), 'native', 100, 3600,
      case when i % 3 = 0 then 'COMPLETED' else 'SIGNED' end, 'W' || (i % 4000), now() + interval '1 day', now(), now()
    from generate_series(1, 40000) i`.execute(db);
  await sql`analyze invoice_links`.execute(db);

  for (const [who, wallet, after] of [['a creator', 'G17', null], ['a payer', 'W17', null], ['a payer, second page', 'W17', 'link-17']] as const) {
    const plan = await withReadScope(db, { wallet }, async (trx) => {
      const { rows } = await sql<{ 'QUERY PLAN': { Plan: PlanNode }[] }>`explain (format json) ${ownInvoiceLinksQuery(wallet, after, 51)}`.execute(trx);
      return rows[0]!['QUERY PLAN'][0]!.Plan;
    });
    const all = nodes(plan);
    t.notOk(all.some((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'invoice_links'), `${who}: no sequential scan of invoice_links`);
    const used = all.map((n) => n['Index Name']).filter((name): name is string => name !== undefined);
    t.ok(used.includes('invoice_links_creator_idx') && used.includes('invoice_links_payer_idx'), `${who}: both wallet indexes are used (${used.join(', ') || 'none'})`);
    const { items } = await withReadScope(db, { wallet }, async (trx) => ({ items: (await ownInvoiceLinksQuery(wallet, after, 51).execute(trx)).rows }));
    t.ok(items.length > 0 && items.every((r) => r.creator === wallet || r.payer === wallet), `${who}: the query returns that wallet's links only`);
  }
});
