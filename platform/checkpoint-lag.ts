import { sql, type RawBuilder } from 'kysely';

/** Counting a lag costs O(lag): past this it only matters that it is huge. */
export const LAG_COUNT_CAP = 1_000_000;

/**
 * A lateral join giving, for the checkpoint row aliased `c` (`position_commit`, `position_prepare`),
 * `lag.events` — the events in the log after it, counted up to `cap` — and `lag.seconds` — now −
 * `recorded_at` of the first of them, null when caught up. Two index scans per checkpoint, the
 * count bounded by `cap`; shared by `projections status`, `/ready` and the lag gauges on `/metrics`.
 *
 * @example
 * const { rows } = await sql`select c.name, lag.events, lag.seconds from projection_checkpoints c ${lagAfterCheckpoint()}`.execute(db);
 */
export function lagAfterCheckpoint(cap: number = LAG_COUNT_CAP): RawBuilder<unknown> {
  return sql`cross join lateral (
    select
      (select count(*) from (select 1 from events e
        where (e.transaction_id, e.global_position) > (c.position_commit, c.position_prepare)
        limit ${cap}) behind) as events,
      (select extract(epoch from now() - e.recorded_at)::float8 from events e
        where (e.transaction_id, e.global_position) > (c.position_commit, c.position_prepare)
        order by e.transaction_id, e.global_position limit 1) as seconds
  ) lag`;
}
