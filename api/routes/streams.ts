import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { cancelStream } from '../../commands/cancel-stream.ts';
import { requestStream, RequestStreamInput } from '../../commands/request-stream.ts';
import { StellarAddress, UnixSecondsQuery } from '../../commands/schemas.ts';
import { parseStreamId, StreamId } from '../../commands/stream-id.ts';
import { withdrawFromStream, WithdrawInput } from '../../commands/withdraw-from-stream.ts';
import { streamAsOf } from '../../projections/as-of/queries.ts';
import { streamHistory } from '../../projections/audit/queries.ts';
import { withReadScope } from '../../projections/read-scope.ts';
import { getStream, listStreams, searchStreams, streamStats } from '../../projections/streams/queries.ts';
import { commandContext } from '../command-context.ts';
import { ApiError } from '../errors.ts';
import { principalOf } from '../auth/principal.ts';
import type { RoutePolicy } from '../plugins/route-policy.ts';
import { AsOfFields, asOfRequest, ONE_CHAIN_BOUND, oneChainBound } from '../schemas/as-of.ts';
import { errorResponses, IdempotencyHeaders } from '../schemas/common.ts';
import { HistoryPage, HistoryQuery } from '../schemas/history.ts';
import { StreamContractCall, StreamStatus, StreamView } from '../schemas/stream.ts';

const Params = z.object({ id: StreamId });
const ID_NOTE = 'A stream id is `<contractId>-<onchainId>`: the StellarStream contract address and the u64 stream id the chain assigned.';

const nowSeconds = (): bigint => BigInt(Math.floor(Date.now() / 1000));

/** Payment streams: open (intent + call to sign), withdraw, cancel, read at any time, list, history. */
const streams: FastifyPluginAsyncZod = async (app) => {
  const read = { policy: { auth: 'required', scopes: ['streams:read'], reads: ['streams'] } satisfies RoutePolicy };
  const write = { policy: { auth: 'required', scopes: ['streams:write'] } satisfies RoutePolicy };
  const security = [{ bearer: [] }];
  const tags = ['streams'];
  const deps = () => ({
    store: app.services.eventStore,
    streamContractId: app.services.config.STELLARSTREAM_CONTRACT_ID,
    pendingTtlSeconds: app.services.config.SUBSCRIPTION_PENDING_TTL_SECONDS,
  });
  const scopeOf = (request: Parameters<typeof principalOf>[0]) => {
    const principal = principalOf(request);
    return { wallet: principal.address, tenantId: principal.tenant };
  };

  app.post('/streams', {
    config: write,
    schema: {
      tags, security, headers: IdempotencyHeaders, body: RequestStreamInput,
      description: 'Records the intent to open a stream from the caller and returns the `create_stream` call to sign. ' + ID_NOTE,
      response: {
        202: z.object({ requestId: z.string(), status: z.literal('requested'), revision: z.number().int(), contractCall: StreamContractCall }),
        ...errorResponses,
      },
    },
  }, async (request, reply) => {
    const result = await requestStream(deps(), request.body, commandContext(request, request.body.receiver));
    return reply.code(202).send(result);
  });

  app.post('/streams/:id/withdraw', {
    config: write,
    schema: {
      tags, security, headers: IdempotencyHeaders, params: Params, body: WithdrawInput.optional(),
      description: 'The receiver asks to withdraw `amount` (all that is withdrawable now without one); more is 422 STREAM.INSUFFICIENT_WITHDRAWABLE. ' + ID_NOTE,
      response: { 202: z.object({ id: z.string(), revision: z.number().int(), amount: z.string(), contractCall: StreamContractCall }), ...errorResponses },
    },
  }, async (request, reply) => {
    const result = await withdrawFromStream(deps(), request.params.id, request.body ?? {}, commandContext(request));
    return reply.code(202).send(result);
  });

  app.post('/streams/:id/cancel', {
    config: write,
    schema: {
      tags, security, headers: IdempotencyHeaders, params: Params,
      description: 'The sender asks to cancel; the stream stays live until the chain confirms. ' + ID_NOTE,
      response: { 202: z.object({ id: z.string(), revision: z.number().int(), contractCall: StreamContractCall }), ...errorResponses },
    },
  }, async (request, reply) => {
    return reply.code(202).send(await cancelStream(deps(), request.params.id, commandContext(request)));
  });

  app.get('/streams', {
    config: read,
    schema: {
      tags, security,
      description: 'Streams the caller sends or receives (or its tenant receives), ordered by id. ' + ID_NOTE,
      querystring: z.object({
        sender: StellarAddress.optional(),
        receiver: StellarAddress.optional(),
        status: StreamStatus.optional(),
        cursor: z.string().max(512).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
      response: { 200: z.object({ items: z.array(StreamView), nextCursor: z.string().nullable() }), ...errorResponses },
    },
  }, async (request) => {
    const { sender, receiver, status, cursor, limit } = request.query;
    const filter = { ...(sender ? { sender } : {}), ...(receiver ? { receiver } : {}), ...(status ? { status } : {}), ...(cursor ? { cursor } : {}), limit };
    return withReadScope(app.services.db, scopeOf(request), (trx) => listStreams(trx, filter, nowSeconds()));
  });

  app.get('/streams/stats', {
    config: read,
    schema: {
      tags, security,
      description: 'Counts and volumes (deposited, withdrawn, refunded) by status and token, over the streams the caller may see.',
      response: {
        200: z.object({
          items: z.array(z.object({ status: StreamStatus, token: z.string().nullable(), count: z.number().int(), deposited: z.string(), withdrawn: z.string(), refunded: z.string() })),
        }),
        ...errorResponses,
      },
    },
  }, async (request) => ({ items: await withReadScope(app.services.db, scopeOf(request), (trx) => streamStats(trx)) }));

  app.get('/streams/search', {
    config: read,
    schema: {
      tags, security,
      description: 'Streams the caller may see by address (sender, receiver, token), stream id (`<contractId>-<onchainId>` or the on-chain id) or memo (contains, case-insensitive).',
      querystring: z.object({ q: z.string().trim().min(1).max(120), limit: z.coerce.number().int().min(1).max(100).default(20) }),
      response: { 200: z.object({ items: z.array(StreamView) }), ...errorResponses },
    },
  }, async (request) => {
    const { q, limit } = request.query;
    return { items: await withReadScope(app.services.db, scopeOf(request), (trx) => searchStreams(trx, q, limit, nowSeconds())) };
  });

  app.get('/streams/:id', {
    config: read,
    schema: {
      tags, security, params: Params,
      description: 'The stream and its amounts at `at` (unix seconds, default now); or as of a ledger (`asOfLedger`) or chain time '
        + '(`asOf`), and/or as the API knew it at `knownAt`, folded from its events (amounts at `at`, default the bound\'s chain time). ' + ID_NOTE,
      querystring: z.object({ at: UnixSecondsQuery.optional(), ...AsOfFields }).refine(oneChainBound, ONE_CHAIN_BOUND),
      response: { 200: StreamView, ...errorResponses },
    },
  }, async (request) => {
    const at = request.query.at === undefined ? undefined : BigInt(request.query.at);
    const view = await withReadScope(app.services.db, scopeOf(request), (trx) => getStream(trx, request.params.id, at ?? nowSeconds()));
    if (!view) throw new ApiError(404, 'STREAM.NOT_FOUND', `no stream ${request.params.id}`);
    const bound = asOfRequest(request.query);
    if (!bound) return view;
    // Visible now means visible then: its sender and receiver never change.
    const { value, asOf } = await streamAsOf(app.services.db, app.services.eventStore, view.contractId, view.onchainId, bound, at);
    if (!value) throw new ApiError(404, 'STREAM.NOT_FOUND', `no stream ${request.params.id} as of the bound`, { asOf });
    return { ...value, asOf };
  });

  app.get('/streams/:id/history', {
    config: read,
    schema: {
      tags, security, params: Params, querystring: HistoryQuery,
      description: 'The audit trail of the stream, in order: every intent and fact with who, why, where and when, a page at a time. ' + ID_NOTE,
      response: { 200: HistoryPage, ...errorResponses },
    },
  }, async (request) => {
    const { id } = request.params;
    const visible = await withReadScope(app.services.db, scopeOf(request), (trx) => getStream(trx, id, 0n));
    if (!visible) throw new ApiError(404, 'STREAM.NOT_FOUND', `no stream ${id}`);
    return { id, ...(await streamHistory(app.services.eventStore, parseStreamId(id)!.eventStream, request.query)) };
  });
};

export default streams;
