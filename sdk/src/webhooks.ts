/** How far a delivery's `t=` may be from the receiver's clock, by default (seconds). */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

/** The body of a webhook delivery: the public integration event (the same shape as on Kafka). */
export interface WebhookEvent {
  /** The dedupe key: a delivery is at least once. */
  id: string;
  type: string;
  streamId: string;
  revision: number;
  globalPosition: string;
  recordedAt: string;
  tenantId: string | null;
  source: string;
  chain: { ledger: number; ledgerClosedAt: string; txHash: string; operationIndex: number; eventIndex: number; contractId: string } | null;
  correlationId: string | null;
  causationId: string | null;
  data: unknown;
}

/** Why a delivery was refused: no usable header, a timestamp outside the tolerance, or no matching signature. */
export class WebhookSignatureError extends Error {
  override name = 'WebhookSignatureError';
  readonly reason: 'header' | 'timestamp' | 'signature';
  constructor(reason: 'header' | 'timestamp' | 'signature', message: string) {
    super(message);
    this.reason = reason;
  }
}

function hexBytes(hex: string): Uint8Array<ArrayBuffer> | null {
  if (!/^(?:[0-9a-f]{2})+$/i.test(hex)) return null;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/**
 * Verifies a webhook delivery and returns its event: `header` is the `SubStream-Signature` value
 * (`t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, one `v1` per active secret), `payload`
 * the raw body exactly as received (not re-serialised JSON). Refuses a `t` more than
 * `toleranceSeconds` (default 300) from now, against replays. Web Crypto: Node ≥ 20, Deno, Bun,
 * browsers; the comparison is the constant-time `crypto.subtle.verify`.
 *
 * @example
 * const event = await verifyWebhook(rawBody, request.headers['substream-signature'], process.env.SUBSTREAM_WEBHOOK_SECRET!);
 * if (await alreadySeen(event.id)) return; // at least once: dedupe on the event id
 */
export async function verifyWebhook(
  payload: string | Uint8Array,
  header: string | null | undefined,
  secret: string,
  options: { toleranceSeconds?: number; nowSeconds?: number } = {},
): Promise<WebhookEvent> {
  if (!header) throw new WebhookSignatureError('header', 'no SubStream-Signature header');
  const parts = header.split(',').map((part) => part.trim().split('='));
  const timestamp = Number(parts.find(([key]) => key === 't')?.[1]);
  const signatures = parts.filter(([key]) => key === 'v1').map(([, value]) => hexBytes(value ?? '')).filter((bytes) => bytes !== null);
  if (!Number.isInteger(timestamp) || signatures.length === 0) throw new WebhookSignatureError('header', 'the SubStream-Signature header has no t= and v1=');
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
  if (Math.abs(now - timestamp) > tolerance) throw new WebhookSignatureError('timestamp', `the signature's timestamp is more than ${tolerance} s from now`);
  const encoder = new TextEncoder();
  const body = typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const signed = encoder.encode(`${timestamp}.${body}`);
  for (const signature of signatures) {
    if (await crypto.subtle.verify('HMAC', key, signature, signed)) return JSON.parse(body) as WebhookEvent;
  }
  throw new WebhookSignatureError('signature', 'no v1 signature matches this secret');
}
