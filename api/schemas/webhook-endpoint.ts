import { z } from 'zod';
import { PUBLISHED_TYPES } from '../../integration/published-events.ts';

/** An event type an endpoint subscribes to: a published integration event type, or `*` for all. */
export const WebhookEventType = z.enum(['*', ...PUBLISHED_TYPES] as [string, ...string[]]).meta({ id: 'WebhookEventType' });

const Events = z.array(WebhookEventType).min(1).max(50).refine((e) => new Set(e).size === e.length, 'events must not repeat');
const Url = z.string().trim().min(1).max(2048).describe('https only (plain http only with OUTBOUND_ALLOW_PRIVATE, a development setting)');

export const CreateWebhookEndpoint = z.object({
  url: Url,
  events: Events,
  description: z.string().trim().max(500).default(''),
});

export const UpdateWebhookEndpoint = z.object({
  url: Url.optional(),
  events: Events.optional(),
  description: z.string().trim().max(500).optional(),
  enabled: z.boolean().optional().describe('false disables; true re-enables a disabled endpoint and forgets its failures'),
});

export const WebhookEndpointView = z
  .object({
    id: z.uuid(),
    url: z.string(),
    description: z.string(),
    events: z.array(WebhookEventType),
    enabled: z.boolean(),
    status: z.enum(['active', 'failing', 'disabled']).describe('failing: recent attempts failed; disabled: by the tenant or after too many consecutive failures'),
    consecutiveFailures: z.number().int(),
    disabledReason: z.string().nullable().describe('Why the endpoint is disabled (by the tenant, or after repeated failures: a WebhookEndpointDisabled event tells the tenant); null while enabled'),
    disabledAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'WebhookEndpoint' });

export const WebhookEndpointWithSecret = WebhookEndpointView.extend({
  secret: z.string().describe('whsec_…: shown once, store it now'),
  previousSecretExpiresAt: z.iso.datetime().nullable().describe('Until then the replaced secret signs deliveries too (a second v1)'),
}).meta({ id: 'WebhookEndpointWithSecret' });

export const WebhookDeliveryView = z
  .object({
    id: z.uuid(),
    eventId: z.uuid().describe('The receiver’s dedupe key: a delivery is at least once'),
    eventType: z.string(),
    streamId: z.string(),
    status: z.enum(['pending', 'succeeded', 'failed']).describe('failed: given up after 3 days of retries'),
    attempts: z.number().int(),
    nextAttemptAt: z.iso.datetime().nullable(),
    lastAttemptAt: z.iso.datetime().nullable(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    responsePrefix: z.string().nullable().describe('The first 1 KiB of the last answer'),
    createdAt: z.iso.datetime(),
    deliveredAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'WebhookDelivery' });
