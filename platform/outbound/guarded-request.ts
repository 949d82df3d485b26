import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { classifyAddress, type AddressClass } from './address-class.ts';

/** The limits of one outbound request to an address a user supplied. */
export interface OutboundPolicy {
  /**
   * Development only (`OUTBOUND_ALLOW_PRIVATE=true`): allow loopback and private addresses and
   * plain `http:`. Never in production: it reopens SSRF to the internal network.
   */
  allowPrivate: boolean;
  /** Whole request, DNS and connect included. */
  timeoutMs: number;
  /** Largest body read; a longer one is refused, not truncated. */
  maxBytes: number;
}

/** Resolves a host name to all its addresses (injected by tests; `dns.lookup` by default). */
export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

export type OutboundFailure = 'scheme' | 'forbidden-address' | 'dns' | 'timeout' | 'redirect' | 'status' | 'too-large' | 'network';

/** A refused or failed outbound request, with the reason (and the refused address class, if any). */
export class OutboundError extends Error {
  override name = 'OutboundError';
  readonly reason: OutboundFailure;
  readonly addressClass: AddressClass | undefined;
  constructor(reason: OutboundFailure, message: string, addressClass?: AddressClass) {
    super(message);
    this.reason = reason;
    this.addressClass = addressClass;
  }
}

const systemResolve: Resolve = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

function checkAddress(address: string, policy: OutboundPolicy): void {
  const kind = classifyAddress(address);
  if (kind !== 'public' && !policy.allowPrivate) {
    // The address itself is not named: the message reaches tenants (delivery errors), and would disclose internal DNS.
    throw new OutboundError('forbidden-address', `the host resolves to a ${kind} address: only public addresses can be reached`, kind);
  }
}

/**
 * The connection's only DNS resolution: every address is checked, and the socket connects to
 * exactly the addresses checked (no second lookup, so DNS rebinding cannot swap them).
 */
function pinnedLookup(resolve: Resolve, policy: OutboundPolicy): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname)
      .then((addresses) => {
        if (addresses.length === 0) throw new OutboundError('dns', `${hostname} has no address`);
        for (const { address } of addresses) checkAddress(address, policy);
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      })
      .catch((error: unknown) => {
        const failure = error instanceof OutboundError ? error : new OutboundError('dns', `${hostname} does not resolve: ${(error as Error).message}`);
        callback(Object.assign(failure, { code: 'EOUTBOUND' }), '', 0);
      });
  };
}

/**
 * The response body: whole (a longer one is refused, `too-large`) or only its first `maxBytes`
 * (the rest is never read: the connection is dropped).
 */
function readBody(response: IncomingMessage, maxBytes: number, body: 'whole' | 'prefix'): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(response.headers['content-length']);
    if (body === 'whole' && declared > maxBytes) return reject(new OutboundError('too-large', `the response declares ${declared} bytes, over ${maxBytes}`));
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => resolve(Buffer.concat(chunks).toString('utf8'));
    response.on('data', (chunk: Buffer) => {
      if (body === 'prefix') {
        chunks.push(chunk.subarray(0, maxBytes - size));
        size += chunk.length;
        if (size >= maxBytes) {
          done();
          response.destroy();
        }
        return;
      }
      size += chunk.length;
      if (size > maxBytes) response.destroy(new OutboundError('too-large', `the response is over ${maxBytes} bytes`));
      else chunks.push(chunk);
    });
    response.on('end', done);
    response.on('error', reject);
  });
}

export interface GuardedRequest {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** `whole` (default): a body over `maxBytes` is refused; `prefix`: only its first `maxBytes` are read. */
  responseBody?: 'whole' | 'prefix';
  resolve?: Resolve;
}

/**
 * A request to an address a user supplied (a SEP-10 client_domain, a webhook endpoint): https
 * only, public addresses only (checked on the resolved address at connect time, so DNS rebinding
 * cannot swap them), no redirects, a body cap and one deadline for the whole exchange. Anything
 * else is an `OutboundError`; any status outside 3xx is returned.
 *
 * @example const { status, body } = await guardedRequest(new URL('https://hooks.example/in'), policy, { method: 'POST', body: '{}', responseBody: 'prefix' });
 */
export async function guardedRequest(url: URL, policy: OutboundPolicy, request: GuardedRequest): Promise<{ status: number; body: string }> {
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowPrivate)) {
    throw new OutboundError('scheme', `${url.protocol} is not allowed: https only`);
  }
  if (url.username || url.password) throw new OutboundError('scheme', 'URLs with credentials are not allowed');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) checkAddress(host, policy);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const fail = (error: Error) => {
      if (timedOut) reject(new OutboundError('timeout', `no complete answer within ${policy.timeoutMs} ms`));
      else reject(error instanceof OutboundError ? error : new OutboundError('network', error.message));
    };
    const outgoing = send(url, {
      method: request.method,
      agent: false,
      lookup: pinnedLookup(request.resolve ?? systemResolve, policy),
      headers: { 'user-agent': 'substream', ...request.headers },
    });
    const deadline = setTimeout(() => {
      timedOut = true;
      outgoing.destroy(new Error('deadline'));
    }, policy.timeoutMs);
    outgoing.on('response', (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400) {
        response.destroy();
        return fail(new OutboundError('redirect', `answered ${status} (redirects are not followed)`));
      }
      readBody(response, policy.maxBytes, request.responseBody ?? 'whole').then((body) => resolve({ status, body }), fail);
    });
    outgoing.on('error', fail);
    outgoing.on('close', () => clearTimeout(deadline));
    outgoing.end(request.body);
  });
}
