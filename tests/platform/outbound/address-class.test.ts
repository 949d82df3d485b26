import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import t from 'tap';
import { classifyAddress, isPublicAddress } from '../../../platform/outbound/address-class.ts';

/** Cases per property; raise it for a longer search (`OUTBOUND_PROPERTY_RUNS=200000`). */
const RUNS = Number(process.env.OUTBOUND_PROPERTY_RUNS ?? 2_000);

/** ipaddr.js (an independent implementation of the IANA registries) as the oracle. */
const oracle = (address: string) => ipaddr.parse(address).range();
const PUBLIC_V4 = new Set(['unicast', 'as112', 'amt']);

const octets = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
/** Any IPv4 address, with the special ranges drawn often enough to matter. */
const anyV4 = fc.oneof(
  octets,
  fc.constantFrom('0', '10', '100.64', '127', '169.254', '172.16', '172.31', '192.0.0', '192.0.2', '192.88.99', '192.168', '198.18', '198.19', '198.51.100', '203.0.113', '224', '239', '240', '255.255.255')
    .chain((prefix) => fc.array(fc.nat(255), { minLength: 4 - prefix.split('.').length, maxLength: 4 - prefix.split('.').length }).map((rest) => [prefix, ...rest].join('.'))),
);
const group = fc.nat(0xffff).map((n) => n.toString(16));
/** IPv6 in global unicast (2000::/3), where the public addresses are, in compressed or full form. */
const globalV6 = fc.tuple(fc.integer({ min: 0x2000, max: 0x3fff }), fc.array(group, { minLength: 7, maxLength: 7 }))
  .map(([first, rest]) => ipaddr.parse([first.toString(16), ...rest].join(':')).toString());

t.test('IPv4: public exactly when the oracle says unicast', async (t) => {
  fc.assert(fc.property(anyV4, (address) => isPublicAddress(address) === PUBLIC_V4.has(oracle(address))), { numRuns: RUNS });
  t.pass(`${RUNS} addresses`);
});

t.test('IPv6: never public where the oracle names a special range, public in the rest of 2000::/3 but documentation and IETF blocks', async (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.ipV6(), globalV6), (address) => {
      const range = oracle(address);
      const mine = classifyAddress(address);
      if (range !== 'unicast' && range !== 'as112v6') return mine !== 'public';
      const value = ipaddr.parse(address) as ipaddr.IPv6;
      const inGlobal = value.match(ipaddr.parseCIDR('2000::/3') as [ipaddr.IPv6, number]);
      const special = ['2001::/23', '2001:db8::/32', '3fff::/20'].some((cidr) => value.match(ipaddr.parseCIDR(cidr) as [ipaddr.IPv6, number]));
      return (mine === 'public') === (inGlobal && !special);
    }),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} addresses`);
});

t.test('no IPv4 address is public when embedded in IPv6 (mapped, NAT64, 6to4, Teredo, any text form)', async (t) => {
  fc.assert(
    fc.property(octets, (v4) => {
      const hex = ipaddr.parse(v4).toByteArray().reduce<string[]>((parts, byte, i) => (i % 2 ? (parts[parts.length - 1] += byte.toString(16).padStart(2, '0'), parts) : [...parts, byte.toString(16).padStart(2, '0')]), []);
      const forms = [`::ffff:${v4}`, `::ffff:${hex.join(':')}`, `0:0:0:0:0:ffff:${v4}`, `::FFFF:${v4}`, `64:ff9b::${v4}`, `2002:${hex.join(':')}::1`, `2001:0:${hex.join(':')}::`, `::ffff:0:${v4}`];
      return forms.every((form) => !isPublicAddress(form));
    }),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} addresses × 8 forms`);
});

t.test('known cases, and host names are not addresses', async (t) => {
  const cases: [string, string][] = [
    ['127.0.0.1', 'loopback'], ['::1', 'loopback'], ['10.0.0.1', 'private'], ['172.16.0.1', 'private'], ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'], ['fe80::1%eth0', 'link-local'], ['100.64.0.1', 'cgnat'], ['224.0.0.1', 'multicast'], ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'], ['::', 'unspecified'], ['255.255.255.255', 'broadcast'], ['fd00::1', 'unique-local'],
    ['::ffff:127.0.0.1', 'ipv4-mapped'], ['::ffff:8.8.8.8', 'ipv4-mapped'], ['8.8.8.8', 'public'], ['2606:4700:4700::1111', 'public'],
    ['localhost', 'not-an-ip'], ['2130706433', 'not-an-ip'], ['127.1', 'not-an-ip'],
  ];
  for (const [address, kind] of cases) t.equal(classifyAddress(address), kind, address);
  fc.assert(fc.property(fc.domain(), (name) => classifyAddress(name) === 'not-an-ip'), { numRuns: RUNS });
});
