import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/schema.ts';

/** Every read-model row about one data subject, each row as stored (column → value). */
export interface SubjectRows {
  creator: Record<string, unknown> | null;
  content: Record<string, unknown>[];
  invoiceLinks: Record<string, unknown>[];
  subscriptions: Record<string, unknown>[];
  streams: Record<string, unknown>[];
}

/**
 * The read-model rows that name `subject`: its creator profile, the content and invoice links it
 * wrote (or paid), its own subscriptions and the payment streams it sends or receives. Run it under
 * `withReadScope(db, { tenantId: subject, wallet: subject }, …)`: row-level security still decides.
 *
 * @example const rows = await withReadScope(db, { tenantId: s, wallet: s }, (trx) => subjectRows(trx, s));
 */
export async function subjectRows(conn: Kysely<Database>, subject: string): Promise<SubjectRows> {
  const rows = async (query: ReturnType<typeof sql<{ row: Record<string, unknown> }>>) => (await query.execute(conn)).rows.map((r) => r.row);
  const [creator, content, invoiceLinks, subscriptions, streams] = await Promise.all([
    rows(sql`select to_jsonb(c) as row from creators c where address = ${subject}`),
    rows(sql`select to_jsonb(c) as row from content c where creator = ${subject} order by published_at, content_id`),
    rows(sql`select to_jsonb(l) as row from invoice_links l where creator = ${subject} or payer = ${subject} order by created_at, id`),
    rows(sql`select to_jsonb(s) as row from subscriptions s where subscriber = ${subject} order by subscription_id`),
    rows(sql`select to_jsonb(s) as row from streams s where sender = ${subject} or receiver = ${subject} order by id`),
  ]);
  return { creator: creator[0] ?? null, content, invoiceLinks, subscriptions, streams };
}
