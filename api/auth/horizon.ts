import { ApiError } from '../errors.ts';

export interface AccountSigners {
  /** The weight the signatures must reach: the account's medium threshold (at least 1). */
  threshold: number;
  signers: { key: string; weight: number; type: string }[];
}

interface HorizonAccount {
  thresholds: { med_threshold: number };
  signers: { key: string; weight: number; type: string }[];
}

/**
 * The signers and medium threshold of an account from Horizon, or `null` when the account does
 * not exist on the ledger (SEP-10 then requires the master key's signature).
 *
 * @example const signers = await loadSigners('https://horizon-testnet.stellar.org', 'G…');
 */
export async function loadSigners(horizonUrl: string, account: string): Promise<AccountSigners | null> {
  let response: Response;
  try {
    response = await fetch(new URL(`accounts/${account}`, horizonUrl.endsWith('/') ? horizonUrl : `${horizonUrl}/`), {
      signal: AbortSignal.timeout(5_000),
      headers: { accept: 'application/json' },
    });
  } catch (error) {
    throw new ApiError(503, 'AUTH.SIGNERS_UNAVAILABLE', `could not load the account's signers from Horizon: ${(error as Error).message}`);
  }
  if (response.status === 404) return null;
  if (!response.ok) throw new ApiError(503, 'AUTH.SIGNERS_UNAVAILABLE', `Horizon answered ${response.status} for the account's signers`);
  const body = (await response.json()) as HorizonAccount;
  return {
    threshold: Math.max(1, body.thresholds.med_threshold),
    signers: body.signers.filter((s) => s.type === 'ed25519_public_key'),
  };
}
