import { isIP } from 'node:net';
import { classifyAddress } from '../../platform/outbound/address-class.ts';

/**
 * Why a webhook URL is refused when it is registered, or null: not https (plain http only with
 * `allowPrivate`, the development setting), credentials in it, a fragment, or a literal IP address
 * that is not public. A host name is not resolved here: it is checked at every send, on the
 * addresses it resolves to then (platform/outbound/guarded-request.ts), which also defeats DNS
 * rebinding.
 *
 * @example endpointUrlProblem('http://hooks.example/in', false) // 'http: is not allowed: https only'
 */
export function endpointUrlProblem(text: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowPrivate)) return `${url.protocol} is not allowed: https only`;
  if (url.username || url.password) return 'URLs with credentials are not allowed';
  if (url.hash) return 'URLs with a fragment are not allowed';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !allowPrivate) {
    const kind = classifyAddress(host);
    if (kind !== 'public') return `${host} is a ${kind} address: only public addresses can be reached`;
  }
  return null;
}
