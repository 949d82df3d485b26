import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database, WebhookEndpointsTable } from '../../platform/schema.ts';
import { TENANT_REASON } from './endpoint-events.ts';

type Conn = Kysely<Database> | Transaction<Database>;
export type WebhookEndpoint = Selectable<WebhookEndpointsTable>;

/** How long the secret replaced by a rotation still signs deliveries. */
export const PREVIOUS_SECRET_GRACE_MS = 24 * 3600 * 1000;

/** A new signing secret, `whsec_` + 32 random bytes (base64url). */
export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/**
 * The secrets that sign a delivery at `now`: the current one, and the previous one until its
 * grace period after a rotation ends.
 *
 * @example activeSecrets(endpoint, new Date()) // ['whsec_new', 'whsec_old']
 */
export function activeSecrets(endpoint: Pick<WebhookEndpoint, 'secret' | 'previous_secret' | 'previous_secret_expires_at'>, now: Date): string[] {
  const previous = endpoint.previous_secret && endpoint.previous_secret_expires_at && endpoint.previous_secret_expires_at > now ? [endpoint.previous_secret] : [];
  return [endpoint.secret, ...previous];
}

/**
 * Registers an endpoint for a tenant with a fresh secret (returned in the row: shown once).
 *
 * @example const endpoint = await createEndpoint(db, tenant, { url: 'https://hooks.example/in', events: ['*'], description: '' });
 */
export async function createEndpoint(conn: Conn, tenant: string, input: { url: string; events: string[]; description: string }): Promise<WebhookEndpoint> {
  return conn
    .insertInto('webhook_endpoints')
    .values({ tenant_id: tenant, url: input.url, events: input.events, description: input.description, secret: generateSigningSecret() })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The tenant's endpoints, oldest first. */
export async function listEndpoints(conn: Conn, tenant: string): Promise<WebhookEndpoint[]> {
  return conn.selectFrom('webhook_endpoints').selectAll().where('tenant_id', '=', tenant).orderBy('created_at').orderBy('id').execute();
}

/** One of the tenant's endpoints, or undefined (another tenant's is undefined too). */
export async function getEndpoint(conn: Conn, tenant: string, id: string): Promise<WebhookEndpoint | undefined> {
  return conn.selectFrom('webhook_endpoints').selectAll().where('tenant_id', '=', tenant).where('id', '=', id).executeTakeFirst();
}

export interface EndpointChanges {
  url?: string | undefined;
  events?: string[] | undefined;
  description?: string | undefined;
  /** false disables; true re-enables (and forgets the failure count). */
  enabled?: boolean | undefined;
}

/**
 * Changes an endpoint; undefined when the tenant has no such endpoint.
 *
 * @example await updateEndpoint(db, tenant, id, { enabled: true }); // back to `active`, failures forgotten
 */
export async function updateEndpoint(conn: Conn, tenant: string, id: string, changes: EndpointChanges): Promise<WebhookEndpoint | undefined> {
  const enabled = changes.enabled === undefined ? {} : changes.enabled
    ? {
      status: sql<'active'>`case when status = 'disabled' then 'active' else status end`,
      consecutive_failures: sql<number>`case when status = 'disabled' then 0 else consecutive_failures end`,
      disabled_reason: null,
      disabled_at: null,
    }
    : {
      status: 'disabled' as const,
      disabled_reason: sql<string>`case when status = 'disabled' then disabled_reason else ${TENANT_REASON} end`,
      disabled_at: sql<Date>`case when status = 'disabled' then disabled_at else now() end`,
    };
  return conn
    .updateTable('webhook_endpoints')
    .set({
      ...(changes.url === undefined ? {} : { url: changes.url }),
      ...(changes.events === undefined ? {} : { events: changes.events }),
      ...(changes.description === undefined ? {} : { description: changes.description }),
      ...enabled,
      updated_at: sql`now()`,
    })
    .where('tenant_id', '=', tenant)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Deletes an endpoint and its deliveries; false when the tenant has no such endpoint. */
export async function deleteEndpoint(conn: Conn, tenant: string, id: string): Promise<boolean> {
  const result = await conn.deleteFrom('webhook_endpoints').where('tenant_id', '=', tenant).where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * Replaces the signing secret; the old one keeps signing (a second `v1`) for 24 h.
 *
 * @example const { secret } = (await rotateSecret(db, tenant, id))!;
 */
export async function rotateSecret(conn: Conn, tenant: string, id: string): Promise<WebhookEndpoint | undefined> {
  return conn
    .updateTable('webhook_endpoints')
    .set({
      previous_secret: sql`secret`,
      previous_secret_expires_at: sql`now() + ${`${PREVIOUS_SECRET_GRACE_MS} milliseconds`}::interval`,
      secret: generateSigningSecret(),
      updated_at: sql`now()`,
    })
    .where('tenant_id', '=', tenant)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}
