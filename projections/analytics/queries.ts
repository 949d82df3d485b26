import { sql } from 'kysely';
import type { Conn } from '../types.ts';

/** MRR is the monthly equivalent of a per-second rate over a 30-day month. */
export const SECONDS_PER_MONTH = 2_592_000n;

export interface HeatmapBucket {
  startSecond: number;
  watchedSeconds: number;
  views: number;
}

/**
 * Watched seconds and views per position bucket of one content item of the read scope's tenant,
 * aggregated from the 1 s rows.
 *
 * @example const buckets = await withReadScope(db, { tenantId }, (trx) => heatmap(trx, 'ep-1', 5));
 */
export async function heatmap(conn: Conn, contentId: string, bucketSeconds: number): Promise<HeatmapBucket[]> {
  const { rows } = await sql<{ start: number; watched: string; views: string }>`
    select (position_second / ${bucketSeconds}::int) * ${bucketSeconds}::int as start, sum(watched_seconds)::text as watched, sum(views)::text as views
    from analytics_view_heatmap
    where tenant_id = current_setting('app.current_tenant_id', true) and content_id = ${contentId}
    group by 1 order by 1`.execute(conn);
  return rows.map((r) => ({ startSecond: r.start, watchedSeconds: Number(r.watched), views: Number(r.views) }));
}

/** Stroops of one token (its contract id; null when the facts never named it), as a decimal string. */
export interface TokenAmount {
  token: string | null;
  amount: string;
}

export interface CreatorSnapshot {
  counts: { active: number; trialing: number; grace: number; cancelled: number };
  mrr: TokenAmount[];
}

interface SnapshotRow {
  n: number;
  status: string | null;
  token: string | null;
  subscriptions: number;
  mrr: string | null;
}

/** Each subscription's latest status, rate and token from facts dated before each `points[n]`, grouped. */
async function snapshots(conn: Conn, points: readonly string[]): Promise<SnapshotRow[]> {
  const { rows } = await sql<SnapshotRow>`
    select p.n::int as n, s.status, s.token, count(*)::int as subscriptions, (sum(s.rate) * ${SECONDS_PER_MONTH.toString()}::numeric)::text as mrr
    from unnest(${points}::timestamptz[]) with ordinality as p(point, n)
    cross join lateral (
      select (array_agg(f.status order by f.at desc, f.global_position desc) filter (where f.status is not null))[1] as status,
             (array_agg(f.token order by f.at desc, f.global_position desc) filter (where f.token is not null))[1] as token,
             (array_agg(f.rate_per_second order by f.at desc, f.global_position desc) filter (where f.rate_per_second is not null))[1] as rate
      from analytics_subscription_facts f
      where f.tenant_id = current_setting('app.current_tenant_id', true) and f.at < p.point
      group by f.subscription_id
    ) s
    where s.status is not null
    group by p.n, s.status, s.token
    order by p.n, s.status, s.token nulls first`.execute(conn);
  return rows;
}

function toSnapshot(rows: readonly SnapshotRow[]): CreatorSnapshot {
  const counts = { active: 0, trialing: 0, grace: 0, cancelled: 0 };
  const mrr: TokenAmount[] = [];
  for (const r of rows) {
    if (r.status && r.status in counts) counts[r.status as keyof typeof counts] += r.subscriptions;
    if (r.status === 'active') mrr.push({ token: r.token, amount: r.mrr ?? '0' });
  }
  return { counts, mrr };
}

/**
 * The read scope's tenant now: subscriptions by status and MRR per token (Σ active ratePerSecond ×
 * 2,592,000, decimal strings of stroops).
 *
 * @example const me = await withReadScope(db, { tenantId }, (trx) => creatorSnapshot(trx));
 */
export async function creatorSnapshot(conn: Conn): Promise<CreatorSnapshot> {
  return toSnapshot(await snapshots(conn, ['infinity']));
}

export type SeriesMetric = 'mrr' | 'active' | 'churn' | 'revenue' | 'withdrawals';
export type SeriesBucket = 'day' | 'week' | 'month';

export interface SeriesPoint {
  start: string;
  end: string;
  /** active: subscriptions active at `end`. */
  count?: number;
  /** mrr: per token at `end`; revenue/withdrawals: stroops in [start, end) per token (only tokens with an amount). Never summed across tokens. */
  byToken?: TokenAmount[];
  /** churn: distinct subscriptions cancelled in [start, end) ÷ active at `start`. */
  cancelled?: number;
  activeAtStart?: number;
  rate?: number | null;
}

/** Whole UTC buckets (weeks start on Monday) covering [from, to). */
export function bucketBounds(from: Date, to: Date, bucket: SeriesBucket): { start: Date; end: Date }[] {
  const first = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), bucket === 'month' ? 1 : from.getUTCDate()));
  if (bucket === 'week') first.setUTCDate(first.getUTCDate() - ((first.getUTCDay() + 6) % 7));
  const next = (d: Date): Date => {
    const n = new Date(d);
    if (bucket === 'month') n.setUTCMonth(n.getUTCMonth() + 1);
    else n.setUTCDate(n.getUTCDate() + (bucket === 'week' ? 7 : 1));
    return n;
  };
  const bounds: { start: Date; end: Date }[] = [];
  for (let start = first; start < to; start = next(start)) bounds.push({ start, end: next(start) });
  return bounds;
}

/**
 * One metric of the read scope's tenant per bucket.
 *
 * @example const points = await withReadScope(db, { tenantId }, (trx) => creatorSeries(trx, 'mrr', from, to, 'day'));
 */
export async function creatorSeries(conn: Conn, metric: SeriesMetric, from: Date, to: Date, bucket: SeriesBucket): Promise<SeriesPoint[]> {
  const bounds = bucketBounds(from, to, bucket);
  const points = bounds.map((b) => ({ start: b.start.toISOString(), end: b.end.toISOString() }));
  if (points.length === 0) return [];
  if (metric === 'revenue' || metric === 'withdrawals') {
    const { rows } = await sql<{ n: number; token: string | null; amount: string }>`
      select p.n::int as n, d.token, sum(d.amount)::text as amount
      from unnest(${points.map((p) => p.start)}::timestamptz[], ${points.map((p) => p.end)}::timestamptz[]) with ordinality as p(start, finish, n)
      join analytics_daily_amounts d on d.tenant_id = current_setting('app.current_tenant_id', true) and d.metric = ${metric}
        and d.day >= (p.start at time zone 'UTC')::date and d.day < (p.finish at time zone 'UTC')::date
      group by p.n, d.token order by p.n, d.token nulls first`.execute(conn);
    return points.map((p, i) => ({ ...p, byToken: rows.filter((r) => r.n === i + 1).map((r) => ({ token: r.token, amount: r.amount })) }));
  }
  if (metric === 'active' || metric === 'mrr') {
    const rows = await snapshots(conn, points.map((p) => p.end));
    return points.map((p, i) => {
      const snap = toSnapshot(rows.filter((r) => r.n === i + 1));
      return metric === 'active' ? { ...p, count: snap.counts.active } : { ...p, byToken: snap.mrr };
    });
  }
  const rows = await snapshots(conn, points.map((p) => p.start));
  const { rows: cancels } = await sql<{ n: number; cancelled: number }>`
    select p.n::int as n, count(distinct f.subscription_id)::int as cancelled
    from unnest(${points.map((p) => p.start)}::timestamptz[], ${points.map((p) => p.end)}::timestamptz[]) with ordinality as p(start, finish, n)
    left join analytics_subscription_facts f on f.tenant_id = current_setting('app.current_tenant_id', true)
      and f.status = 'cancelled' and f.at >= p.start and f.at < p.finish
    group by p.n order by p.n`.execute(conn);
  return points.map((p, i) => {
    const activeAtStart = toSnapshot(rows.filter((r) => r.n === i + 1)).counts.active;
    const cancelled = cancels[i]!.cancelled;
    return { ...p, cancelled, activeAtStart, rate: activeAtStart === 0 ? null : cancelled / activeAtStart };
  });
}
