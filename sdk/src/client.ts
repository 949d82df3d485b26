import { authMethods, type AuthMethods } from './auth.ts';
import { contentMethods, type ContentMethods } from './content.ts';
import { creatorMethods, type CreatorMethods } from './creators.ts';
import { invoiceLinkMethods, type InvoiceLinkMethods } from './invoice-links.ts';
import { streamMethods, type StreamMethods } from './streams.ts';
import { subscriptionMethods, type SubscriptionMethods } from './subscriptions.ts';
import { createPositionTracker, type PositionTracker } from './consistency.ts';
import { createTransport, type SubstreamClientOptions } from './transport.ts';

/** The methods are defined per resource (auth.ts, creators.ts, …) and merged into the class. */
export interface SubstreamClient extends AuthMethods, CreatorMethods, SubscriptionMethods, StreamMethods, InvoiceLinkMethods, ContentMethods {}

/**
 * A typed client for every public SubStream endpoint. Errors are SubstreamApiError; writes carry
 * an Idempotency-Key and are retried with it on network errors, 5xx and 429. Reads see this
 * client's own writes: each read sends the newest `Substream-Position` the client was answered.
 *
 * @example
 * const client = new SubstreamClient({ baseUrl: 'https://api.example.com', token });
 * const stream = await client.getStream(`${contractId}-42`);
 */
export class SubstreamClient {
  readonly #options: SubstreamClientOptions;
  readonly #positions: PositionTracker;

  constructor(options: SubstreamClientOptions, positions: PositionTracker = createPositionTracker()) {
    this.#options = options;
    this.#positions = positions;
    const send = createTransport(options, positions);
    Object.assign(this, authMethods(send), creatorMethods(send), subscriptionMethods(send), streamMethods(send), invoiceLinkMethods(send), contentMethods(send));
  }

  /**
   * The same client acting with `token` (e.g. the one `submitChallenge` returned); it goes on
   * reading this client's writes (they share the newest position seen).
   *
   * @example const me = client.withToken(await client.submitChallenge(signedXdr));
   */
  withToken(token: string): SubstreamClient {
    const { apiKey: _apiKey, token: _token, ...rest } = this.#options;
    return new SubstreamClient({ ...rest, token }, this.#positions);
  }
}
