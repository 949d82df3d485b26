import type { components, paths } from './generated/openapi.ts';

/**
 * Request and response types, all derived from the generated OpenAPI types (`generated/openapi.ts`,
 * regenerated from the server by `npm run sdk:types`), so they follow the server's schemas.
 */
type Schemas = components['schemas'];
type Json<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;
type Operation<P extends keyof paths, M extends keyof paths[P]> = paths[P][M];

/** The JSON body a route accepts. */
export type RequestBody<P extends keyof paths, M extends keyof paths[P]> = Operation<P, M> extends { requestBody?: infer R } ? Json<NonNullable<R>> : never;
/** The JSON body a route answers with status `S`. */
export type ResponseBody<P extends keyof paths, M extends keyof paths[P], S extends number> = Operation<P, M> extends { responses: infer R }
  ? S extends keyof R ? Json<R[S]> : never
  : never;
/** The query parameters a route accepts. */
export type Query<P extends keyof paths, M extends keyof paths[P]> = Operation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/** An amount in stroops: a decimal string, or a bigint the client sends as one. Never a JS number. */
export type Amount = string | bigint;
type AmountKey = 'amount' | 'ratePerSecond';
/** `T` with its amount fields (at any depth) widened to accept bigint. */
export type WithAmounts<T> = T extends readonly (infer U)[]
  ? WithAmounts<U>[]
  : T extends object
    ? { [K in keyof T]: K extends AmountKey ? Amount : WithAmounts<T[K]> }
    : T;

export type ApiErrorBody = Schemas['Error'];

export type Challenge = ResponseBody<'/v1/auth', 'get', 200>;
export type ChallengeQuery = Query<'/v1/auth', 'get'>;
export type Sep10Token = ResponseBody<'/v1/auth', 'post', 200>;

export type Creator = Schemas['Creator'];
export type RegisterCreatorInput = RequestBody<'/v1/creators', 'post'>;
export type RegisteredCreator = ResponseBody<'/v1/creators', 'post', 201>;
export type SetTiersInput = WithAmounts<RequestBody<'/v1/creators/me/tiers', 'put'>>;
export type TiersSet = ResponseBody<'/v1/creators/me/tiers', 'put', 200>;

export type Subscription = Schemas['Subscription'];
export type SubscribeInput = Omit<RequestBody<'/v1/subscriptions', 'post'>, 'rail'>;
/** The wallet rail's answer: the contract call to sign. */
export type SubscriptionRequested = Extract<ResponseBody<'/v1/subscriptions', 'post', 202>, { rail: 'wallet' }>;
/** The card rail's answer: the Stripe Checkout URL to send the subscriber to. */
export type CardSubscriptionRequested = Extract<ResponseBody<'/v1/subscriptions', 'post', 202>, { rail: 'card' }>;
export type SubscriptionCancellationRequested = ResponseBody<'/v1/subscriptions/{id}/cancel', 'post', 202>;
export type MySubscriptions = ResponseBody<'/v1/me/subscriptions', 'get', 200>;
export type SubscriberFilter = Query<'/v1/creators/me/subscribers', 'get'>;
export type SubscriberPage = ResponseBody<'/v1/creators/me/subscribers', 'get', 200>;

export type Stream = Schemas['Stream'];
export type StreamContractCall = Schemas['StreamContractCall'];
export type StreamHistoryEntry = Schemas['HistoryEntry'];
export type CreateStreamInput = WithAmounts<RequestBody<'/v1/streams', 'post'>>;
export type StreamRequested = ResponseBody<'/v1/streams', 'post', 202>;
export type WithdrawInput = WithAmounts<RequestBody<'/v1/streams/{id}/withdraw', 'post'>>;
export type WithdrawalRequested = ResponseBody<'/v1/streams/{id}/withdraw', 'post', 202>;
export type StreamCancellationRequested = ResponseBody<'/v1/streams/{id}/cancel', 'post', 202>;
export type StreamFilter = Query<'/v1/streams', 'get'>;
export type StreamPage = ResponseBody<'/v1/streams', 'get', 200>;
export type StreamHistory = ResponseBody<'/v1/streams/{id}/history', 'get', 200>;
export type StreamStatsPage = ResponseBody<'/v1/streams/stats', 'get', 200>;
export type StreamStats = StreamStatsPage['items'];
export type StreamSearchResult = ResponseBody<'/v1/streams/search', 'get', 200>;

export type InvoiceLink = Schemas['InvoiceLink'];
export type CreateInvoiceLinkInput = WithAmounts<RequestBody<'/v1/invoice-links', 'post'>>;
export type CreatedInvoiceLink = Schemas['CreatedInvoiceLink'];
export type InvoiceLinkFilter = Query<'/v1/invoice-links', 'get'>;
export type InvoiceLinkPage = ResponseBody<'/v1/invoice-links', 'get', 200>;
export type InvoiceLinkStatusInput = RequestBody<'/v1/invoice-links/{id}/status', 'patch'>;
export type InvoiceLinkStatusChanged = ResponseBody<'/v1/invoice-links/{id}/status', 'patch', 200>;

export type ContentItem = Schemas['ContentItem'];
export type ContentInput = RequestBody<'/v1/content', 'post'>;
export type WrittenContent = ResponseBody<'/v1/content', 'post', 201>;
export type ContentFilter = Query<'/v1/creators/{address}/content', 'get'>;
export type ContentPage = ResponseBody<'/v1/creators/{address}/content', 'get', 200>;
export type ContentAccess = ResponseBody<'/v1/content/{id}/access', 'get', 200>;
