import { randomBytes } from 'node:crypto';
import t from 'tap';

/** The dashboard's amount formatting (a browser module without DOM use, so it runs here too). */
const { formatUnits, perTokenText } = (await import(new URL('../../api/dashboard/money.js', import.meta.url).href)) as {
  formatUnits(amount: string, decimals?: number): string;
  perTokenText(items: { token: string | null; amount: string }[]): string;
};

/** Reads a formatted amount back into the smallest unit, by string operations only. */
function parse(text: string, decimals: number): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new Error(`not a plain decimal: ${text}`);
  const [, sign, whole, fraction = ''] = match;
  if (fraction.length > decimals || fraction.endsWith('0')) throw new Error(`fraction ${fraction} is not normalised for ${decimals} decimals`);
  return BigInt(`${sign}${whole}${fraction.padEnd(decimals, '0')}`);
}

// The class of bug: amounts turned into floats on their way to the screen lose digits past
// 2^53 (and show 0.30000000000000004 for others). Formatting must round-trip exactly for every
// size and every number of decimals, including amounts no double can hold.
t.test('formatted amounts read back exactly: any size, sign and number of decimals', async (t) => {
  const samples = ['0', '1', '9', '10', '25000000', '10000000', '9007199254740993', '170141183460469231731687303715884105727'];
  for (let i = 0; i < 200; i++) samples.push(BigInt(`0x${randomBytes(1 + (i % 16)).toString('hex')}`).toString());
  let checked = 0;
  for (const amount of samples) {
    for (const value of [amount, amount === '0' ? '0' : `-${amount}`]) {
      for (const decimals of [0, 2, 6, 7, 18]) {
        const text = formatUnits(value, decimals);
        if (parse(text, decimals) !== BigInt(value)) t.fail(`${value} with ${decimals} decimals shown as ${text}`);
        checked++;
      }
    }
  }
  t.equal(formatUnits('25000000'), '2.5', 'stroops by default');
  t.equal(formatUnits('9007199254740993'), '900719925.4740993', 'past 2^53, every digit');
  t.equal(formatUnits('-5'), '-0.0000005');
  t.ok(checked > 2_000, `${checked} amounts round-tripped`);
});

t.test('amounts of different tokens are listed apart, never added', async (t) => {
  const line = perTokenText([{ token: 'CAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', amount: '25000000' }, { token: null, amount: '5' }]);
  t.equal(line, '2.5 CAAAA…AAAA · 0.0000005 unknown token');
  t.equal(perTokenText([]), '0');
});
