export { SubstreamClient } from './client.ts';
export { SubstreamApiError } from './errors.ts';
export type { RetryOptions } from './retry.ts';
export type { CallOptions, SubstreamClientOptions } from './transport.ts';
export type * from './types.ts';
export type { components, paths } from './generated/openapi.ts';
export { DEFAULT_WEBHOOK_TOLERANCE_SECONDS, verifyWebhook, WebhookSignatureError, type WebhookEvent } from './webhooks.ts';
