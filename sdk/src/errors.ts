/**
 * A non-2xx answer from the API, carrying its one error shape `{ code, message, details? }` and
 * the request id (quote it when reporting a 500). A body that is not that shape (a proxy's error
 * page) gets the code `HTTP.<status>`. No answer at all (connection refused or dropped, body cut
 * short) is `NETWORK.ERROR` with status 0, and a 2xx whose body is not JSON is `RESPONSE.INVALID`;
 * both keep the underlying error as `cause`.
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

  constructor(status: number, body: { code: string; message: string; details?: unknown; requestId?: string | undefined }, cause?: unknown) {
    super(body.message, cause === undefined ? undefined : { cause });
    this.status = status;
    this.code = body.code;
    this.details = body.details;
    this.requestId = body.requestId;
  }
}
