import { z } from 'zod';

/** What an API key may do. `admin:all` implies every other scope. */
export const SCOPES = [
  'subscriptions:read',
  'subscriptions:write',
  'streams:read',
  'streams:write',
  'invoice-links:read',
  'invoice-links:write',
  'analytics:read',
  'analytics:write',
  'content:write',
  'webhooks:read',
  'webhooks:write',
  'exports:read',
  'exports:write',
  'reconciliation:read',
  'reconciliation:write',
  'flags:admin',
  'admin:all',
] as const;

export type Scope = (typeof SCOPES)[number];

export const ScopeSchema = z.enum(SCOPES).meta({ id: 'Scope' });

/** `'all'` for JWT principals (everything their own identity allows), a list for API keys. */
export type Grant = 'all' | readonly Scope[];

/** Whether a grant includes a scope. */
export function grants(grant: Grant, scope: Scope): boolean {
  return grant === 'all' || grant.includes('admin:all') || grant.includes(scope);
}
