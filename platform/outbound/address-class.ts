import { isIPv4, isIPv6 } from 'node:net';

/** What an IP address is for; only `public` addresses may be reached on a user's say-so. */
export type AddressClass =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'multicast'
  | 'broadcast'
  | 'documentation'
  | 'benchmarking'
  | 'reserved'
  | 'unique-local'
  | 'ipv4-mapped'
  | 'ipv4-embedded'
  | 'not-an-ip';

type Range = readonly [prefix: bigint, length: number, kind: AddressClass];

function v4(text: string): bigint {
  return text.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

function v6(text: string): bigint {
  const address = text.split('%')[0]!.toLowerCase();
  const [head, tail] = address.includes('::') ? address.split('::') as [string, string] : [address, undefined];
  const groups = (part: string | undefined): number[] => {
    if (!part) return [];
    return part.split(':').flatMap((group) => {
      if (!group.includes('.')) return [Number.parseInt(group, 16)];
      const n = Number(v4(group));
      return [n >>> 16, n & 0xffff];
    });
  };
  const left = groups(head);
  const right = groups(tail);
  const all = tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return all.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}

const ipv4 = (cidr: string, kind: AddressClass): Range => {
  const [address, length] = cidr.split('/') as [string, string];
  return [v4(address), Number(length), kind];
};
const ipv6 = (cidr: string, kind: AddressClass): Range => {
  const [address, length] = cidr.split('/') as [string, string];
  return [v6(address), Number(length), kind];
};

/** IANA IPv4 Special-Purpose Address Registry (RFC 6890 and successors): everything here is not `public`. */
const IPV4: readonly Range[] = [
  ipv4('0.0.0.0/8', 'unspecified'),
  ipv4('10.0.0.0/8', 'private'),
  ipv4('100.64.0.0/10', 'cgnat'),
  ipv4('127.0.0.0/8', 'loopback'),
  ipv4('169.254.0.0/16', 'link-local'),
  ipv4('172.16.0.0/12', 'private'),
  ipv4('192.0.0.0/24', 'reserved'),
  ipv4('192.0.2.0/24', 'documentation'),
  ipv4('192.88.99.0/24', 'reserved'),
  ipv4('192.168.0.0/16', 'private'),
  ipv4('198.18.0.0/15', 'benchmarking'),
  ipv4('198.51.100.0/24', 'documentation'),
  ipv4('203.0.113.0/24', 'documentation'),
  ipv4('224.0.0.0/4', 'multicast'),
  ipv4('255.255.255.255/32', 'broadcast'),
  ipv4('240.0.0.0/4', 'reserved'),
];

/**
 * IPv6: only global unicast (2000::/3) can be public, minus the special ranges inside it. Every
 * form that embeds an IPv4 address (mapped, NAT64, 6to4, Teredo) is refused outright rather than
 * decoded: the embedded address could be anything.
 */
const IPV6: readonly Range[] = [
  ipv6('::/128', 'unspecified'),
  ipv6('::1/128', 'loopback'),
  ipv6('::ffff:0:0/96', 'ipv4-mapped'),
  ipv6('::ffff:0:0:0/96', 'ipv4-embedded'),
  ipv6('64:ff9b::/96', 'ipv4-embedded'),
  ipv6('64:ff9b:1::/48', 'ipv4-embedded'),
  ipv6('fc00::/7', 'unique-local'),
  ipv6('fe80::/10', 'link-local'),
  ipv6('fec0::/10', 'reserved'),
  ipv6('ff00::/8', 'multicast'),
  ipv6('2001::/32', 'ipv4-embedded'),
  ipv6('2001:2::/48', 'benchmarking'),
  ipv6('2001::/23', 'reserved'),
  ipv6('2001:db8::/32', 'documentation'),
  ipv6('2002::/16', 'ipv4-embedded'),
  ipv6('3fff::/20', 'documentation'),
];

function find(ranges: readonly Range[], value: bigint, bits: number): AddressClass | undefined {
  return ranges.find(([prefix, length]) => value >> BigInt(bits - length) === prefix >> BigInt(bits - length))?.[2];
}

/**
 * Classifies an IP address (IPv4 dotted quad or any IPv6 text form, zone ids ignored).
 *
 * @example classifyAddress('10.1.2.3') // 'private'; classifyAddress('::ffff:127.0.0.1') // 'ipv4-mapped'
 */
export function classifyAddress(address: string): AddressClass {
  if (isIPv4(address)) return find(IPV4, v4(address), 32) ?? 'public';
  if (isIPv6(address)) {
    const value = v6(address);
    const special = find(IPV6, value, 128);
    if (special) return special;
    return value >> 125n === 1n ? 'public' : 'reserved';
  }
  return 'not-an-ip';
}

/** Whether a request may be sent to this address on a user's say-so. */
export function isPublicAddress(address: string): boolean {
  return classifyAddress(address) === 'public';
}
