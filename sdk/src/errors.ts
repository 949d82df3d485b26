/**
 * A non-2xx answer from the API, carrying its one error shape `{ code, message, details? }` and
 * the request id (quote it when reporting a 500). A body that is not that shape (a proxy's error
 * page) gets the code `HTTP.<status>`.
 *
 * @example
 * try { await client.getStream(id); } catch (error) {
 *   if (error instanceof SubstreamApiError && error.code === 'STREAM.NOT_FOUND') …
 * }
 */
export class SubstreamApiError extends Error {
  override name = 'SubstreamApiError';
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  readonly requestId: string | undefined;

  constructor(status: number, body: { code: string; message: string; details?: unknown; requestId?: string | undefined }) {
    super(body.message);
    this.status = status;
    this.code = body.code;
    this.details = body.details;
    this.requestId = body.requestId;
  }
}
