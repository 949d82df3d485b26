import { hash } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { InvoiceLinkCompleted, InvoiceLinkEvent } from '../../domain/invoice-link/events.ts';
import { invoiceLinkStreamId } from '../../domain/invoice-link/events.ts';
import { paysInvoiceLink } from '../../domain/invoice-link/match.ts';
import { evolve, initialState, type InvoiceLinkState } from '../../domain/invoice-link/state.ts';
import type { StreamCreated } from '../../domain/stream/events.ts';
import { appendToStreams } from '../../eventstore/postgres/append.ts';
import type { RecordedEvent } from '../../eventstore/types.ts';
import { SUBJECT_ERASED } from '../../domain/erasure/events.ts';
import { ERASED } from '../../platform/personal-data/envelope.ts';
import { applyWithErasures } from '../erasure.ts';
import type { Database } from '../../platform/schema.ts';
import { selectColumns } from '../sql.ts';
import { ProjectionError, tableFor, type Projector } from '../types.ts';

export const INVOICE_LINK_EVENT_TYPES = [
  'InvoiceLinkCreated',
  'InvoiceLinkSigned',
  'InvoiceLinkCompleted',
  'InvoiceLinkDeleted',
  'StreamCreated',
] as const satisfies readonly (InvoiceLinkEvent['type'] | 'StreamCreated')[];

export interface StoredInvoiceLink {
  tenant_id: string;
  id: string;
  slug: string;
  creator: string;
  receiver: string;
  token: string;
  amount: string;
  duration_seconds: number;
  description: string | null;
  pdf_url: string | null;
  status: 'DRAFT' | 'SIGNED' | 'COMPLETED' | 'DELETED';
  payer: string | null;
  tx_hash: string | null;
  completed_stream: string | null;
  expires_at: string;
  created_at: string;
  updated_at: string;
}

export const COLUMNS: readonly (readonly [keyof StoredInvoiceLink, string])[] = [
  ['tenant_id', 'text'], ['id', 'text'], ['slug', 'text'], ['creator', 'text'], ['receiver', 'text'], ['token', 'text'],
  ['amount', 'numeric'], ['duration_seconds', 'integer'], ['description', 'text'], ['pdf_url', 'text'], ['status', 'text'],
  ['payer', 'text'], ['tx_hash', 'text'], ['completed_stream', 'text'], ['expires_at', 'timestamptz'], ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
];
const selectList = selectColumns(COLUMNS);
const recordType = sql.raw(COLUMNS.map(([name, type]) => `${name} ${type}`).join(', '));
const columnList = sql.raw(COLUMNS.map(([name]) => name).join(', '));
const updateList = sql.raw(COLUMNS.filter(([name]) => name !== 'id').map(([name]) => `${name} = excluded.${name}`).join(', '));

interface Row {
  state: InvoiceLinkState;
  description: string | null;
  pdfUrl: string | null;
  createdAt: string;
  updatedAt: string;
}

function fromStored(r: StoredInvoiceLink): Row {
  const state: InvoiceLinkState = {
    ...initialState(), status: r.status, linkId: r.id, slug: r.slug, creator: r.creator, receiver: r.receiver, token: r.token,
    amount: BigInt(r.amount), durationSeconds: r.duration_seconds, expiresAt: r.expires_at, payer: r.payer, txHash: r.tx_hash,
    completedStream: r.completed_stream,
  };
  return { state, description: r.description, pdfUrl: r.pdf_url, createdAt: r.created_at, updatedAt: r.updated_at };
}

function toStored(row: Row): StoredInvoiceLink {
  const s = row.state;
  return {
    tenant_id: s.creator!, id: s.linkId!, slug: s.slug!, creator: s.creator!, receiver: s.receiver!, token: s.token!,
    amount: s.amount!.toString(), duration_seconds: s.durationSeconds!, description: row.description, pdf_url: row.pdfUrl,
    status: s.status as StoredInvoiceLink['status'], payer: s.payer, tx_hash: s.txHash, completed_stream: s.completedStream,
    expires_at: s.expiresAt!, created_at: row.createdAt, updated_at: row.updatedAt,
  };
}

/** RFC 4122 v5 uuid: the completion of a link by a fact gets the same id on every replay. */
function completionId(factId: string): string {
  const digest = hash('sha1', `invoice-link-completed:${factId}`, 'buffer');
  digest[6] = (digest[6]! & 0x0f) | 0x50;
  digest[8] = (digest[8]! & 0x3f) | 0x80;
  const h = digest.toString('hex', 0, 16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * The `invoice_links` read model, and the reactor that completes a link: a StreamCreated fact
 * whose memo is a link's slug and whose receiver, token, amount and duration match records
 * InvoiceLinkCompleted in the link's stream, in the batch's transaction, with an id derived from
 * the fact (a rebuild appends nothing new: the event store reports it already stored).
 */
export function createInvoiceLinksProjector(options: { name?: string; table?: string; version?: number } = {}): Projector {
  const name = options.name ?? 'invoice-links';
  const live = options.table ?? 'invoice_links';
  const table = sql.table(live);
  return {
    name,
    version: options.version ?? 1,
    handles: [...INVOICE_LINK_EVENT_TYPES, SUBJECT_ERASED],
    metadataFor: [],
    tables: [live],
    withTables: (tables, rebuildName) => createInvoiceLinksProjector({ ...options, name: rebuildName, table: tableFor(tables, live) }),
    /** A `SubjectErased` redacts the subject's personal fields (projections/erasure.ts). */
    apply: (trx, events) => applyWithErasures(trx, events, async (trx: Transaction<Database>, events: RecordedEvent[]) => {
      const ids = events.filter((e) => e.type !== 'StreamCreated').map((e) => (e.data as { linkId: string }).linkId);
      const memos = events.filter((e) => e.type === 'StreamCreated').map((e) => (e.data as StreamCreated['data']).memo).filter((m): m is string => m !== null);
      if (ids.length === 0 && memos.length === 0) return;
      const { rows } = await sql<StoredInvoiceLink>`
        select ${selectList} from ${table} where id = any(${ids}::text[]) or slug = any(${memos}::text[])`.execute(trx);
      const links = new Map(rows.map((r) => [r.id, fromStored(r)]));
      const bySlug = new Map(rows.map((r) => [r.slug, r.id]));
      const changed = new Set<string>();
      const fold = (linkId: string, event: InvoiceLinkEvent, at: string) => {
        const current = links.get(linkId);
        const created = event.type === 'InvoiceLinkCreated' ? event.data : null;
        const base: Row = current ?? { state: initialState(), description: created?.description ?? null, pdfUrl: created?.pdfUrl ?? null, createdAt: created?.createdAt ?? at, updatedAt: at };
        const state = evolve(base.state, event);
        links.set(linkId, { ...base, state, updatedAt: at });
        if (state.slug) bySlug.set(state.slug, linkId);
        changed.add(linkId);
      };
      for (const event of events) {
        try {
          const at = event.recordedAt.toISOString();
          if (event.type !== 'StreamCreated') {
            const e = { type: event.type, data: event.data } as InvoiceLinkEvent;
            fold(e.data.linkId, e, at);
            continue;
          }
          const fact = event.data as StreamCreated['data'];
          const linkId = fact.memo === null ? undefined : bySlug.get(fact.memo);
          const link = linkId === undefined ? undefined : links.get(linkId);
          if (!linkId || !link || !paysInvoiceLink(link.state, fact)) continue;
          const completed: InvoiceLinkCompleted = {
            type: 'InvoiceLinkCompleted',
            data: { linkId, contractId: fact.contractId, streamId: fact.streamId, payer: fact.sender, completedAt: fact.createdAt },
          };
          await appendToStreams(trx, [{
            streamId: invoiceLinkStreamId(linkId),
            events: [{ id: completionId(event.id), ...completed, metadata: { source: 'system', tenantId: link.state.creator, causationId: event.id, correlationId: event.id } }],
          }]);
          fold(linkId, completed, at);
        } catch (error) {
          throw new ProjectionError(name, event, error);
        }
      }
      const json = JSON.stringify([...changed].map((id) => toStored(links.get(id)!)));
      if (changed.size === 0) return;
      await sql`insert into ${table} (${columnList})
        select ${columnList} from jsonb_to_recordset(${json}::jsonb) as x(${recordType})
        on conflict (id) do update set ${updateList}`.execute(trx);
    }, (trx, subject) => sql`update ${table} set description = case when description is null then null else ${ERASED} end,
          pdf_url = case when pdf_url is null then null else ${ERASED} end where creator = ${subject}`.execute(trx)),
  };
}

export const invoiceLinksProjector: Projector = createInvoiceLinksProjector();
