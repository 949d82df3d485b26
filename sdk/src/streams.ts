import type { CallOptions, Transport } from './transport.ts';
import type {
  CreateStreamInput, Stream, StreamCancellationRequested, StreamFilter, StreamHistory, StreamHistoryEntry, StreamPage, StreamRequested, StreamSearchResult, StreamStats, StreamStatsPage,
  WithdrawalRequested, WithdrawInput,
} from './types.ts';

const streamPath = (id: string, rest = '') => `v1/streams/${encodeURIComponent(id)}${rest}`;
const unixSeconds = (at: number | Date) => (at instanceof Date ? Math.floor(at.getTime() / 1000) : at);

/**
 * Payment streams, named like the StellarStream Nebula SDK. A stream id is
 * `<contractId>-<onchainId>`. Writes record an intent and return the contract call to sign.
 *
 * @example const { getStream } = streamMethods(createTransport({ baseUrl, token }));
 */
export function streamMethods(send: Transport) {
  return {
    /**
     * Asks to open a stream from the caller; returns the `create_stream` call to sign.
     *
     * @example const { contractCall } = await client.createStream({ receiver, token, amount: 1_000_000n, start, end });
     */
    createStream(input: CreateStreamInput, options?: CallOptions): Promise<StreamRequested> {
      return send({ method: 'POST', path: 'v1/streams', body: input, idempotent: true }, options);
    },

    /**
     * The stream and its amounts at `at` (unix seconds or a Date; default now).
     *
     * @example const { withdrawable } = await client.getStream(id, { at: new Date('2027-01-01') });
     */
    getStream(id: string, query: { at?: number | Date } = {}, options?: CallOptions): Promise<Stream> {
      return send({ method: 'GET', path: streamPath(id), query: { at: query.at === undefined ? undefined : unixSeconds(query.at) } }, options);
    },

    /**
     * One page of the streams the caller sends or receives, by id; pass `nextCursor` back as `cursor`.
     *
     * @example const { items, nextCursor } = await client.getStreams({ receiver: me, status: 'active', limit: 50 });
     */
    getStreams(filter: StreamFilter = {}, options?: CallOptions): Promise<StreamPage> {
      return send({ method: 'GET', path: 'v1/streams', query: filter }, options);
    },

    /**
     * The receiver asks to withdraw `amount` (everything withdrawable now without one); more is 422
     * STREAM.INSUFFICIENT_WITHDRAWABLE.
     *
     * @example const { amount, contractCall } = await client.withdrawFromStream(id, { amount: '50000' });
     */
    withdrawFromStream(id: string, input: WithdrawInput = {}, options?: CallOptions): Promise<WithdrawalRequested> {
      return send({ method: 'POST', path: streamPath(id, '/withdraw'), body: input, idempotent: true }, options);
    },

    /**
     * The sender asks to cancel; the stream stays live until the chain confirms.
     *
     * @example const { contractCall } = await client.cancelStream(id);
     */
    cancelStream(id: string, options?: CallOptions): Promise<StreamCancellationRequested> {
      return send({ method: 'POST', path: streamPath(id, '/cancel'), idempotent: true }, options);
    },

    /**
     * Every event of the stream in order: intents (requests made through the API) and chain facts.
     *
     * @example const { items } = await client.getStreamHistory(id);
     */
    getStreamHistory(id: string, options?: CallOptions): Promise<StreamHistory> {
      return send({ method: 'GET', path: streamPath(id, '/history') }, options);
    },

    /**
     * The stream's on-chain events only (created, withdrawn, topped up, cancelled, …), each with its
     * ledger and transaction: the `fact` entries of the history (the API has no separate route).
     *
     * @example const events = await client.getStreamEvents(id); events[0]?.txHash;
     */
    async getStreamEvents(id: string, options?: CallOptions): Promise<StreamHistoryEntry[]> {
      const { items } = await send<StreamHistory>({ method: 'GET', path: streamPath(id, '/history') }, options);
      return items.filter((entry) => entry.kind === 'fact');
    },

    /**
     * Counts and volumes by status and token over the streams the caller may see.
     *
     * @example const stats = await client.getStats(); stats.find((s) => s.status === 'active')?.deposited;
     */
    async getStats(options?: CallOptions): Promise<StreamStats> {
      const { items } = await send<StreamStatsPage>({ method: 'GET', path: 'v1/streams/stats' }, options);
      return items;
    },

    /**
     * Streams the caller may see by address, stream id or memo.
     *
     * @example const found = await client.searchStreams('salary', { limit: 10 });
     */
    async searchStreams(q: string, query: { limit?: number } = {}, options?: CallOptions): Promise<Stream[]> {
      const { items } = await send<StreamSearchResult>({ method: 'GET', path: 'v1/streams/search', query: { q, limit: query.limit } }, options);
      return items;
    },
  };
}

export type StreamMethods = ReturnType<typeof streamMethods>;
