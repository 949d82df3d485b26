import { sql, type Transaction } from 'kysely';
import type { StreamEvent } from '../../domain/stream/events.ts';
import { evolve, initialState, type StreamState } from '../../domain/stream/state.ts';
import type { RecordedEvent } from '../../eventstore/types.ts';
import type { Database } from '../../platform/schema.ts';
import { selectColumns } from '../sql.ts';
import { ProjectionError, tableFor, type Projector } from '../types.ts';

/** Every event of an on-chain stream; creation requests have no on-chain id yet and stay out. */
export const STREAM_EVENT_TYPES = [
  'WithdrawalRequested',
  'StreamCancellationRequested',
  'StreamCreated',
  'StreamWithdrawn',
  'StreamToppedUp',
  'StreamCancelled',
  'StreamPaused',
  'StreamResumed',
] as const satisfies readonly StreamEvent['type'][];

export interface StoredStream {
  tenant_id: string;
  id: string;
  contract_id: string;
  onchain_id: string;
  sender: string | null;
  receiver: string | null;
  token: string | null;
  status: 'active' | 'paused' | 'cancelled';
  deposited: string;
  withdrawn: string;
  refunded: string;
  pending_withdrawal: string | null;
  start_at: string | null;
  cliff_at: string | null;
  end_at: string | null;
  memo: string | null;
  created_at: string | null;
  cancel_requested_at: string | null;
  cancelled_at: string | null;
  created_ledger: number | null;
  created_tx: string | null;
  updated_at: string;
}

export const COLUMNS: readonly (readonly [keyof StoredStream, string])[] = [
  ['tenant_id', 'text'], ['id', 'text'], ['contract_id', 'text'], ['onchain_id', 'text'], ['sender', 'text'], ['receiver', 'text'],
  ['token', 'text'], ['status', 'text'], ['deposited', 'numeric'], ['withdrawn', 'numeric'], ['refunded', 'numeric'],
  ['pending_withdrawal', 'numeric'], ['start_at', 'timestamptz'], ['cliff_at', 'timestamptz'], ['end_at', 'timestamptz'],
  ['memo', 'text'], ['created_at', 'timestamptz'], ['cancel_requested_at', 'timestamptz'], ['cancelled_at', 'timestamptz'],
  ['created_ledger', 'bigint'], ['created_tx', 'text'], ['updated_at', 'timestamptz'],
];
const selectList = selectColumns(COLUMNS);
const recordType = sql.raw(COLUMNS.map(([name, type]) => `${name} ${type}`).join(', '));
const columnList = sql.raw(COLUMNS.map(([name]) => name).join(', '));
const updateList = sql.raw(COLUMNS.filter(([name]) => name !== 'id').map(([name]) => `${name} = excluded.${name}`).join(', '));

/** The public id of an on-chain stream: `<contractId>-<onchainId>`. */
export function streamKey(contractId: string, onchainId: string): string {
  return `${contractId}-${onchainId}`;
}

export interface Row {
  state: StreamState;
  createdLedger: number | null;
  createdTx: string | null;
  updatedAt: string;
}

function fromStored(r: StoredStream): Row {
  const state: StreamState = {
    ...initialState(),
    status: r.status, contractId: r.contract_id, streamId: r.onchain_id, sender: r.sender, receiver: r.receiver, token: r.token,
    deposited: BigInt(r.deposited), withdrawn: BigInt(r.withdrawn), refunded: BigInt(r.refunded),
    pendingWithdrawal: r.pending_withdrawal === null ? null : BigInt(r.pending_withdrawal),
    startAt: r.start_at, cliffAt: r.cliff_at, endAt: r.end_at, memo: r.memo, createdAt: r.created_at,
    cancelRequestedAt: r.cancel_requested_at, cancelledAt: r.cancelled_at,
  };
  return { state, createdLedger: r.created_ledger, createdTx: r.created_tx, updatedAt: r.updated_at };
}

/** A folded row as the table stores it (the recordset the projector upserts; as-of reads show it the same way). */
export function toStored(key: string, row: Row): StoredStream {
  const s = row.state;
  return {
    tenant_id: s.receiver ?? 'unknown-receiver', id: key, contract_id: s.contractId!, onchain_id: s.streamId!, sender: s.sender,
    receiver: s.receiver, token: s.token, status: s.status as StoredStream['status'], deposited: s.deposited.toString(),
    withdrawn: s.withdrawn.toString(), refunded: s.refunded.toString(), pending_withdrawal: s.pendingWithdrawal?.toString() ?? null,
    start_at: s.startAt, cliff_at: s.cliffAt, end_at: s.endAt, memo: s.memo, created_at: s.createdAt,
    cancel_requested_at: s.cancelRequestedAt, cancelled_at: s.cancelledAt, created_ledger: row.createdLedger, created_tx: row.createdTx,
    updated_at: row.updatedAt,
  };
}

/** Folds one recorded event into a row with the domain's own `evolve`, plus the creation's chain coordinates. */
export function evolveStreamRow(current: Row | undefined, recorded: RecordedEvent): Row {
  const event = { type: recorded.type, data: recorded.data } as StreamEvent;
  const row = current ?? { state: initialState(), createdLedger: null, createdTx: null, updatedAt: recorded.recordedAt.toISOString() };
  const state = evolve(row.state, event);
  const chain = event.type === 'StreamCreated' ? recorded.metadata.chain : undefined;
  const created = chain !== undefined;
  return {
    state,
    createdLedger: created ? chain.ledger : row.createdLedger,
    createdTx: created ? chain.txHash : row.createdTx,
    updatedAt: recorded.recordedAt.toISOString(),
  };
}

/** Whether the model shows a row: an intent about a stream the chain has not shown yet names no stream, nothing to show. */
export function isShown(row: Row): boolean {
  return row.state.contractId !== null && row.state.streamId !== null && row.state.status !== 'none';
}

const keyOf = (e: RecordedEvent): string => {
  const d = e.data as { contractId: string; streamId: string };
  return streamKey(d.contractId, d.streamId);
};

/** The `streams` projector (set-based upsert of every stream a batch touches). */
export function createStreamsProjector(options: { name?: string; table?: string; version?: number } = {}): Projector {
  const name = options.name ?? 'streams';
  const live = options.table ?? 'streams';
  const table = sql.table(live);
  return {
    name,
    version: options.version ?? 1,
    handles: STREAM_EVENT_TYPES,
    metadataFor: ['StreamCreated'],
    tables: [live],
    withTables: (tables, rebuildName) => createStreamsProjector({ ...options, name: rebuildName, table: tableFor(tables, live) }),
    async apply(trx: Transaction<Database>, events: RecordedEvent[]) {
      const keys = [...new Set(events.map(keyOf))];
      const { rows } = await sql<StoredStream>`select ${selectList} from ${table} where id = any(${keys}::text[])`.execute(trx);
      const state = new Map(rows.map((r) => [r.id, fromStored(r)]));
      for (const event of events) {
        try {
          const key = keyOf(event);
          state.set(key, evolveStreamRow(state.get(key), event));
        } catch (error) {
          throw new ProjectionError(name, event, error);
        }
      }
      const known = [...state].filter(([, row]) => isShown(row));
      if (known.length === 0) return;
      const json = JSON.stringify(known.map(([key, row]) => toStored(key, row)));
      await sql`insert into ${table} (${columnList})
        select ${columnList} from jsonb_to_recordset(${json}::jsonb) as x(${recordType})
        on conflict (id) do update set ${updateList}`.execute(trx);
    },
  };
}

export const streamsProjector: Projector = createStreamsProjector();
