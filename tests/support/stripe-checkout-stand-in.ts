import { StripeErrorReply, type StripeRequest } from './stripe-stand-in.ts';

/** A Checkout Session the stand-in holds, with the metadata it was created with. */
export interface StandInSession {
  object: Record<string, unknown> & { id: string; status: 'open' | 'complete' | 'expired' };
  subscriptionMetadata: Record<string, string>;
  /** The request that created it. */
  request: StripeRequest;
}

/** The metadata a form-encoded Stripe request sets under `prefix` (`metadata`, `subscription_data[metadata]`), echoed like Stripe does. */
export function formMetadata(request: StripeRequest, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of request.form) {
    const match = new RegExp(`^${prefix.replace(/[[\]]/g, '\\$&')}\\[([^\\]]+)\\]$`).exec(key);
    if (match) out[match[1]!] = value;
  }
  return out;
}

/**
 * Checkout Sessions as Stripe's API documents them (docs.stripe.com/api/checkout/sessions):
 * `POST /v1/checkout/sessions` opens one; `POST /v1/checkout/sessions/:id/expire` takes no parameters
 * (`expand[]` only), answers the Session with `status: "expired"` when it was `open`, and an
 * `invalid_request_error` (400) when it has already expired or is not expirable (complete); an
 * unknown id is 404 `resource_missing`. A repeated Idempotency-Key replays the first answer; the
 * same key with other parameters is 400 `idempotency_error`. Every request must carry a key here
 * (our rule for writes to Stripe). `prices`: the catalogue's Prices, for sessions that name one.
 *
 * @example const sessions = checkoutSessions(); const stripe = await stripeStandIn(t, sessions.answer);
 */
export function checkoutSessions(options: { prices?: ReadonlyMap<string, { currency: string; unit_amount: number }> } = {}) {
  const sessions = new Map<string, StandInSession>();
  const replies = new Map<string, { request: string; reply: Record<string, unknown> | StripeErrorReply }>();
  let counter = 0;
  const invalid = (message: string, code?: string) => new StripeErrorReply(400, { type: 'invalid_request_error', message, ...(code ? { code } : {}) });

  function handle(request: StripeRequest): Record<string, unknown> | StripeErrorReply | undefined {
    if (request.method !== 'POST') return undefined;
    if (request.path === '/v1/checkout/sessions') {
      const id = `cs_test_standin${++counter}`;
      // A synced Price (`line_items[0][price]`) sets the session's currency and amount as inline price data does.
      const price = options.prices?.get(request.form.get('line_items[0][price]') ?? '');
      const object = {
        id, object: 'checkout.session', mode: request.form.get('mode'), status: 'open' as const, payment_status: 'unpaid', livemode: false,
        client_reference_id: request.form.get('client_reference_id'), currency: price?.currency ?? request.form.get('line_items[0][price_data][currency]'),
        amount_total: price?.unit_amount ?? Number(request.form.get('line_items[0][price_data][unit_amount]')), created: Math.floor(Date.now() / 1000), expires_at: Number(request.form.get('expires_at')), metadata: formMetadata(request, 'metadata'),
        subscription: null, url: `https://checkout.stripe.com/c/pay/${id}`,
      };
      sessions.set(id, { object, subscriptionMetadata: formMetadata(request, 'subscription_data[metadata]'), request });
      return object;
    }
    const expire = /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/.exec(request.path);
    if (!expire) return undefined;
    const unknown = [...request.form.keys()].filter((key) => !/^expand\[\d*\]$/.test(key));
    if (unknown.length > 0) return invalid(`Received unknown parameter: ${unknown[0]}`, 'parameter_unknown');
    const session = sessions.get(expire[1]!);
    if (!session) return new StripeErrorReply(404, { type: 'invalid_request_error', code: 'resource_missing', message: `No such checkout.session: '${expire[1]}'` });
    if (session.object.status !== 'open') return invalid(`This Checkout Session is ${session.object.status} and can no longer be expired.`);
    session.object = { ...session.object, status: 'expired', expires_at: Math.floor(Date.now() / 1000) };
    return session.object;
  }

  return {
    sessions,
    answer(request: StripeRequest): Record<string, unknown> | StripeErrorReply | undefined {
      if (request.method === 'POST' && !request.idempotencyKey) return invalid('the stand-in requires an Idempotency-Key on every write');
      const key = `${request.method} ${request.idempotencyKey}`;
      const signature = `${request.path}?${request.form.toString()}`;
      const seen = replies.get(key);
      if (seen) {
        if (seen.request !== signature) return new StripeErrorReply(400, { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.' });
        return seen.reply;
      }
      const reply = handle(request);
      if (reply !== undefined) replies.set(key, { request: signature, reply });
      return reply;
    },
  };
}
