// Amounts as people read them, exactly: the API carries every amount as a decimal string of a
// token's smallest unit, and these format it with string and BigInt operations only, never floats.

/**
 * Decimal places of the amounts the API carries: stroops, the unit of every Stellar asset contract
 * (XLM and every classic asset: 7 decimals).
 */
export const STROOP_DECIMALS = 7;

/**
 * A smallest-unit amount as whole units: formatUnits('25000000') → '2.5'; formatUnits('1999', 2) → '19.99'.
 * Exact for any size (BigInt), negative amounts keep their sign.
 */
export function formatUnits(amount, decimals = STROOP_DECIMALS) {
  const n = BigInt(amount || '0');
  const digits = (n < 0n ? -n : n).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return `${n < 0n ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** G…ABCD → GABCD…ABCD, for a line that must stay short. */
export const shortAddress = (a) => (typeof a === 'string' && a.length > 12 ? `${a.slice(0, 5)}…${a.slice(-4)}` : String(a ?? ''));

/** A token as a label: its contract id shortened, or 'unknown token' when no fact named it. */
export const tokenLabel = (token) => (token ? shortAddress(token) : 'unknown token');

/** An amount of a token as one phrase: money('25000000', 'CDLZ…') → '2.5 CDLZF…WQXV'. */
export const money = (amount, token) => `${formatUnits(amount)} ${tokenLabel(token)}`;

/** A card amount (minor units of an ISO 4217 currency; 2 decimals, the common case) → '19.99 EUR'. */
export const cardMoney = (amount, currency) => `${formatUnits(amount, 2)} ${currency}`;

/** Amounts per token as one line: '2.5 CA…AB · 5 CC…CD', or '0'. Amounts of different tokens are never added. */
export const perTokenText = (items) => (items.length ? items.map((m) => money(m.amount, m.token)).join(' · ') : '0');
