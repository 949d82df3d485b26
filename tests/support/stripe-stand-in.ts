import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StripeRequest {
  method: string;
  path: string;
  idempotencyKey: string | undefined;
  authorization: string | undefined;
  /** The `Stripe-Account` header: the connected account a platform acts for (Connect); undefined for the platform's own. */
  account: string | undefined;
  form: URLSearchParams;
}

/** An error answer as Stripe sends one: `{ error: { type, code?, message } }` with its HTTP status. */
export class StripeErrorReply {
  readonly status: number;
  readonly error: { type: 'invalid_request_error' | 'idempotency_error' | 'api_error'; code?: string; message: string };
  constructor(status: number, error: StripeErrorReply['error']) {
    this.status = status;
    this.error = error;
  }
}

/**
 * A local HTTP stand-in for api.stripe.com: records each request (method, path, Idempotency-Key,
 * form parameters) and answers with `answer(request)` (a Stripe-shaped object, or a StripeErrorReply) or Stripe's 404.
 *
 * @example const stripe = await stripeStandIn(t, (r) => r.path === '/v1/products' ? { id: 'prod_1', object: 'product' } : undefined);
 */
export async function stripeStandIn(
  t: { teardown(fn: () => unknown): void },
  answer: (request: StripeRequest) => Record<string, unknown> | StripeErrorReply | undefined,
): Promise<{ url: string; requests: StripeRequest[] }> {
  const requests: StripeRequest[] = [];
  const read = async (req: IncomingMessage) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    return text;
  };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const request: StripeRequest = {
      method: req.method ?? '', path: url.pathname, idempotencyKey: req.headers['idempotency-key'] as string | undefined,
      authorization: req.headers.authorization, account: req.headers['stripe-account'] as string | undefined, form: new URLSearchParams(await read(req)),
    };
    requests.push(request);
    const body = answer(request);
    res.setHeader('content-type', 'application/json');
    res.setHeader('request-id', `req_standin${requests.length}`);
    if (!body) {
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { type: 'invalid_request_error', message: `Unrecognized request URL (${request.method}: ${request.path})` } }));
      return;
    }
    if (body instanceof StripeErrorReply) {
      res.statusCode = body.status;
      res.end(JSON.stringify({ error: body.error }));
      return;
    }
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}
