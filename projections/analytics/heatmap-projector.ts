import { sql, type Transaction } from 'kysely';
import type { ViewEventsRecorded } from '../../domain/analytics/events.ts';
import type { RecordedEvent } from '../../eventstore/types.ts';
import type { Database } from '../../platform/schema.ts';
import { tableFor, type Projector, type TableNames } from '../types.ts';

interface Cell {
  tenant: string;
  content: string;
  second: number;
  watchedMs: number;
  views: number;
}

/**
 * The `view-heatmap` projector: watched seconds and view counts per (tenant, content, whole
 * second of position). The batch is summed in memory as integer milliseconds (ingest keeps watched
 * time to the millisecond, so sums are exact) and added to the table in one set-based upsert.
 */
export function createHeatmapProjector(options: { name?: string; tables?: TableNames; version?: number } = {}): Projector {
  const live = tableFor(options.tables, 'analytics_view_heatmap');
  const table = sql.table(live);
  return {
    name: options.name ?? 'view-heatmap',
    version: options.version ?? 1,
    /** No money in this model: an event it cannot apply is parked and the model goes on (projections/failure-policy.ts). */
    failurePolicy: 'park',
    handles: ['ViewEventsRecorded'],
    metadataFor: [],
    tables: [live],
    withTables: (tables, rebuildName) => createHeatmapProjector({ ...options, name: rebuildName, tables }),
    async apply(trx: Transaction<Database>, events: RecordedEvent[]) {
      const cells = new Map<string, Cell>();
      for (const event of events) {
        const d = event.data as ViewEventsRecorded['data'];
        const prefix = `${d.tenantId}\u0000${d.contentId}\u0000`;
        for (const v of d.views) {
          const second = Math.floor(v.positionSeconds);
          const key = prefix + second;
          const cell = cells.get(key);
          const ms = Math.round(v.watchedSeconds * 1000);
          if (cell) {
            cell.watchedMs += ms;
            cell.views += 1;
          } else {
            cells.set(key, { tenant: d.tenantId, content: d.contentId, second, watchedMs: ms, views: 1 });
          }
        }
      }
      if (cells.size === 0) return;
      await sql`
        insert into ${table} as h (tenant_id, content_id, position_second, watched_seconds, views)
        select tenant, content, second, watched_ms / 1000, views
        from jsonb_to_recordset(${JSON.stringify([...cells.values()].map((c) => ({ tenant: c.tenant, content: c.content, second: c.second, watched_ms: c.watchedMs, views: c.views })))}::jsonb)
          as x(tenant text, content text, second integer, watched_ms numeric, views bigint)
        on conflict (tenant_id, content_id, position_second)
        do update set watched_seconds = h.watched_seconds + excluded.watched_seconds, views = h.views + excluded.views`.execute(trx);
    },
  };
}

export const heatmapProjector: Projector = createHeatmapProjector();
