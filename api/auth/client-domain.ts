import { StrKey } from '@stellar/stellar-sdk';
import { parse as parseToml } from 'smol-toml';
import { classifyAddress } from '../../platform/outbound/address-class.ts';
import { guardedGet, OutboundError, type OutboundPolicy, type Resolve } from '../../platform/outbound/guarded-get.ts';
import { ApiError } from '../errors.ts';

/** A manage_data value holds at most 64 bytes, and `client_domain` is one (SEP-10 §Challenge). */
export const CLIENT_DOMAIN_MAX_BYTES = 64;
/** SEP-1: a stellar.toml is at most 100 KB. */
export const STELLAR_TOML_MAX_BYTES = 100_000;

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST_AND_PORT = new RegExp(`^${LABEL}(?:\\.${LABEL})*(?::[1-9]\\d{0,4})?$`, 'i');

/**
 * The stellar.toml URL of a `client_domain`, or a 400 AUTH.CLIENT_DOMAIN_INVALID: a DNS host name
 * or dotted IPv4 address with an optional port, ASCII, at most 64 bytes, in the canonical form
 * the URL parser keeps (so `2130706433`, `127.1`, paths, queries and credentials are refused).
 * Plain http only with `allowPrivate` (development) for a local host.
 *
 * @example stellarTomlUrl('wallet.example.com', false).href // 'https://wallet.example.com/.well-known/stellar.toml'
 */
export function stellarTomlUrl(clientDomain: string, allowPrivate: boolean): URL {
  const invalid = () =>
    new ApiError(400, 'AUTH.CLIENT_DOMAIN_INVALID', `client_domain must be a host name with an optional :port, at most ${CLIENT_DOMAIN_MAX_BYTES} bytes`);
  if (Buffer.byteLength(clientDomain) > CLIENT_DOMAIN_MAX_BYTES || !HOST_AND_PORT.test(clientDomain)) throw invalid();
  let url: URL;
  try {
    url = new URL(`https://${clientDomain}/.well-known/stellar.toml`);
  } catch {
    throw invalid();
  }
  if (url.host !== clientDomain.toLowerCase()) throw invalid();
  const local = url.hostname === 'localhost' || !['public', 'not-an-ip'].includes(classifyAddress(url.hostname));
  if (allowPrivate && local) url.protocol = 'http:';
  return url;
}

/**
 * The SIGNING_KEY of a client domain's stellar.toml, fetched through the guarded outbound client
 * and read with a TOML parser. Every failure is a 400 (SEP-10 §Verifying the Client Domain):
 * AUTH.CLIENT_DOMAIN_INVALID, _FORBIDDEN (not a public address) or _UNAVAILABLE.
 *
 * @example const key = await clientDomainSigningKey('wallet.example.com', policy);
 */
export async function clientDomainSigningKey(clientDomain: string, policy: Omit<OutboundPolicy, 'maxBytes'>, resolve?: Resolve): Promise<string> {
  const url = stellarTomlUrl(clientDomain, policy.allowPrivate);
  const unavailable = (why: string, details?: unknown) =>
    new ApiError(400, 'AUTH.CLIENT_DOMAIN_UNAVAILABLE', `could not read SIGNING_KEY from ${url.href}: ${why}`, details);
  let response: { status: number; body: string };
  try {
    response = await guardedGet(url, { ...policy, maxBytes: STELLAR_TOML_MAX_BYTES }, { resolve, accept: 'text/plain' });
  } catch (error) {
    if (!(error instanceof OutboundError)) throw error;
    if (error.reason === 'forbidden-address') {
      throw new ApiError(400, 'AUTH.CLIENT_DOMAIN_FORBIDDEN', `client_domain ${clientDomain} is not on a public address`, { addressClass: error.addressClass });
    }
    throw unavailable(error.message, { reason: error.reason });
  }
  if (response.status !== 200) throw unavailable(`the server answered ${response.status}`, { reason: 'status', status: response.status });
  let toml: Record<string, unknown>;
  try {
    toml = parseToml(response.body);
  } catch (error) {
    throw unavailable(`it is not valid TOML (${(error as Error).message.split('\n')[0]})`, { reason: 'toml' });
  }
  const key = toml.SIGNING_KEY;
  if (typeof key !== 'string' || !StrKey.isValidEd25519PublicKey(key)) throw unavailable('no top-level SIGNING_KEY (G…)', { reason: 'signing-key' });
  return key;
}
