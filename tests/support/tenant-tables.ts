/**
 * Tables with a tenant_id that row-level security does not guard yet, and why. Known gap: the API
 * role can read every tenant's key metadata (hashes, names, scopes) with a hand-written query.
 */
export const TENANT_TABLES_WITHOUT_RLS: Record<string, string> = {
  api_keys: 'looked up by key hash before the tenant is known; every query filters tenant_id by hand',
  webhook_endpoints: 'the webhook dispatcher and workers act across tenants; every API query filters tenant_id by hand',
  webhook_deliveries: 'the webhook dispatcher and workers act across tenants; every API query filters tenant_id by hand',
};
