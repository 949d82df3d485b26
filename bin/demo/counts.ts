import { sql } from 'kysely';
import type { Db } from '../../platform/database.ts';

/** What the read models hold after the demo: what `demo --short --json` prints. */
export interface ReadModelCounts {
  creators: number;
  content: number;
  subscriptions: Record<string, number>;
  bills: number;
  heatmapRows: number;
  events: { command: number; chain: number };
}

/**
 * Counts the read models and the log (as the owner, which reads every tenant's rows).
 *
 * @example const counts = await readModelCounts(runtime.db); counts.subscriptions.active
 */
export async function readModelCounts(db: Db): Promise<ReadModelCounts> {
  const one = async (query: ReturnType<typeof sql<{ n: string }>>) => Number((await query.execute(db)).rows[0]!.n);
  const statuses = await sql<{ status: string; n: string }>`select status, count(*) as n from subscriptions group by status order by status`.execute(db);
  const sources = await sql<{ source: string; n: string }>`select metadata->>'source' as source, count(*) as n from events group by 1`.execute(db);
  const bySource = Object.fromEntries(sources.rows.map((r) => [r.source, Number(r.n)]));
  return {
    creators: await one(sql<{ n: string }>`select count(*) as n from creators`),
    content: await one(sql<{ n: string }>`select count(*) as n from content where status = 'published'`),
    subscriptions: Object.fromEntries(statuses.rows.map((r) => [r.status, Number(r.n)])),
    bills: await one(sql<{ n: string }>`select coalesce(sum(bills_count), 0) as n from subscriptions`),
    heatmapRows: await one(sql<{ n: string }>`select count(*) as n from analytics_view_heatmap`),
    events: { command: bySource.command ?? 0, chain: bySource.chain ?? 0 },
  };
}
