import { guardedRequest, type OutboundPolicy, type Resolve } from './guarded-request.ts';

export { OutboundError, type OutboundFailure, type OutboundPolicy, type Resolve } from './guarded-request.ts';

/**
 * GET to an address a user supplied (a SEP-10 client_domain): `guardedRequest`'s rules, the whole
 * body or a `too-large` refusal.
 *
 * @example const { status, body } = await guardedGet(new URL('https://wallet.example/.well-known/stellar.toml'), policy);
 */
export function guardedGet(url: URL, policy: OutboundPolicy, options: { resolve?: Resolve; accept?: string } = {}): Promise<{ status: number; body: string }> {
  return guardedRequest(url, policy, { method: 'GET', headers: { accept: options.accept ?? '*/*' }, ...(options.resolve ? { resolve: options.resolve } : {}) });
}
