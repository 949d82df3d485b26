import { randomUUID } from 'node:crypto';
import type { NewEvent } from '../../eventstore/types.ts';

/** The workers disabled a webhook endpoint after `consecutiveFailures` failed attempts in a row. */
export interface WebhookEndpointDisabled {
  type: 'WebhookEndpointDisabled';
  data: {
    endpointId: string;
    reason: string;
    consecutiveFailures: number;
    /** The last attempt's error as the deliveries list shows it (never the receiver's address). */
    lastError: string | null;
    disabledAt: string;
  };
}

export type WebhookEndpointEvent = WebhookEndpointDisabled;

/** The stream of one endpoint's events (what the workers did to it). */
export const webhookEndpointStreamId = (endpointId: string) => `webhook-endpoint-${endpointId}`;

/** The reason shown on an endpoint the workers disabled. */
export const failuresReason = (failures: number) => `disabled after ${failures} consecutive failed deliveries`;

/** The reason shown on an endpoint its tenant disabled. */
export const TENANT_REASON = 'disabled by the tenant';

/**
 * The event telling a tenant that the workers disabled one of its endpoints (a `system` fact).
 *
 * @example endpointDisabledEvent(endpoint.tenant_id, { endpointId, reason, consecutiveFailures: 20, lastError: 'answered 500', disabledAt })
 */
export function endpointDisabledEvent(tenantId: string, data: WebhookEndpointDisabled['data']): NewEvent<'WebhookEndpointDisabled', WebhookEndpointDisabled['data']> {
  return { id: randomUUID(), type: 'WebhookEndpointDisabled', data, metadata: { source: 'system', tenantId } };
}
