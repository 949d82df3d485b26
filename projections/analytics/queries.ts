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

/**
 * An amount of one money unit, as a decimal string: stroops of a token (its contract id; null when
 * the facts never named it), or minor units of a card currency (`token: "currency:<CODE>"`).
 */
export interface TokenAmount {
  token: string | null;
  amount: string;
}

type Counts = { active: number; trialing: number; grace: number; cancelled: number };

export interface CreatorSnapshot {
  counts: Counts;
  mrr: TokenAmount[];
  /** The same counts per token or card currency (each subscription under its latest). */
  countsByToken: (Counts & { token: string | null })[];
}

interface SnapshotRow {
  n: number;
  status: string | null;
  token: string | null;
  subscriptions: number;
  mrr: string | null;
}

/**
 * Each subscription's latest status and token from facts dated before each `points[n]`, grouped,
 * with the MRR of the active ones: per subscription, the latest monthly amount stated since its
 * latest token (a chain rate × 2,592,000, a card price per month), so a subscription that moved to
 * another rail never counts an amount of the one it left.
 */
async function snapshots(conn: Conn, points: readonly string[]): Promise<SnapshotRow[]> {
  const { rows } = await sql<SnapshotRow>`
    select p.n::int as n, s.status, s.token, count(*)::int as subscriptions, sum(m.mrr)::text as mrr
    from unnest(${points}::timestamptz[]) with ordinality as p(point, n)
    cross join lateral (
      select f.subscription_id,
             (array_agg(f.status order by f.at desc, f.global_position desc) filter (where f.status is not null))[1] as status,
             (array_agg(f.token order by f.at desc, f.global_position desc) filter (where f.token is not null))[1] as token,
             (array_agg(f.at order by f.at desc, f.global_position desc) filter (where f.token is not null))[1] as token_at
      from analytics_subscription_facts f
      where f.tenant_id = current_setting('app.current_tenant_id', true) and f.at < p.point
      group by f.subscription_id
    ) s
    left join lateral (
      select coalesce(g.monthly_amount, g.rate_per_second * ${SECONDS_PER_MONTH.toString()}::numeric) as mrr
      from analytics_subscription_facts g
      where g.tenant_id = current_setting('app.current_tenant_id', true) and g.subscription_id = s.subscription_id and g.at < p.point
        and (g.monthly_amount is not null or g.rate_per_second is not null)
        and g.at >= coalesce(s.token_at, '-infinity') and (g.token is null or g.token = s.token)
      order by g.at desc, g.global_position desc
      limit 1
    ) m on s.status = 'active'
    where s.status is not null
    group by p.n, s.status, s.token
    order by p.n, s.status, s.token nulls first`.execute(conn);
  return rows;
}

const noCounts = (): Counts => ({ active: 0, trialing: 0, grace: 0, cancelled: 0 });

function toSnapshot(rows: readonly SnapshotRow[]): CreatorSnapshot {
  const counts = noCounts();
  const mrr: TokenAmount[] = [];
  const byToken = new Map<string | null, Counts>();
  for (const r of rows) {
    if (!r.status || !(r.status in counts)) continue;
    const status = r.status as keyof Counts;
    counts[status] += r.subscriptions;
    const tokenCounts = byToken.get(r.token) ?? noCounts();
    tokenCounts[status] += r.subscriptions;
    byToken.set(r.token, tokenCounts);
    if (status === 'active') mrr.push({ token: r.token, amount: r.mrr ?? '0' });
  }
  return { counts, mrr, countsByToken: [...byToken].map(([token, c]) => ({ token, ...c })) };
}

/**
 * The read scope's tenant now: subscriptions by status (in all and per token or card currency)
 * and MRR per token (Σ active ratePerSecond × 2,592,000, stroops) and per card currency (Σ active
 * monthly prices, minor units), decimal strings, never added across them.
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
  /** churn per token or card currency (a cancelled subscription under its token at its cancellation). */
  churnByToken?: TokenChurn[];
}

export interface TokenChurn {
  token: string | null;
  cancelled: number;
  activeAtStart: number;
  rate: number | null;
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
  const { rows: cancels } = await sql<{ n: number; token: string | null; cancelled: number }>`
    select p.n::int as n, c.token, count(*)::int as cancelled
    from unnest(${points.map((p) => p.start)}::timestamptz[], ${points.map((p) => p.end)}::timestamptz[]) with ordinality as p(start, finish, n)
    cross join lateral (
      select f.subscription_id, max(f.at) as cancelled_at from analytics_subscription_facts f
      where f.tenant_id = current_setting('app.current_tenant_id', true) and f.status = 'cancelled' and f.at >= p.start and f.at < p.finish
      group by f.subscription_id
    ) x
    cross join lateral (
      select (array_agg(g.token order by g.at desc, g.global_position desc) filter (where g.token is not null))[1] as token
      from analytics_subscription_facts g
      where g.tenant_id = current_setting('app.current_tenant_id', true) and g.subscription_id = x.subscription_id and g.at <= x.cancelled_at
    ) c
    group by p.n, c.token order by p.n, c.token nulls first`.execute(conn);
  return points.map((p, i) => {
    const snapshot = toSnapshot(rows.filter((r) => r.n === i + 1));
    const cancelledHere = cancels.filter((c) => c.n === i + 1);
    const churn = (cancelled: number, activeAtStart: number) => ({ cancelled, activeAtStart, rate: activeAtStart === 0 ? null : cancelled / activeAtStart });
    const tokens = [...new Set([...snapshot.countsByToken.filter((c) => c.active > 0).map((c) => c.token), ...cancelledHere.map((c) => c.token)])];
    const churnByToken = tokens.map((token) => ({
      token,
      ...churn(cancelledHere.find((c) => c.token === token)?.cancelled ?? 0, snapshot.countsByToken.find((c) => c.token === token)?.active ?? 0),
    }));
    return { ...p, ...churn(cancelledHere.reduce((sum, c) => sum + c.cancelled, 0), snapshot.counts.active), churnByToken };
  });
}
