import { Keypair, MuxedAccount, Networks, StrKey, Transaction, WebAuth } from '@stellar/stellar-sdk';
import type { Config } from '../../platform/config.ts';
import type { Db } from '../../platform/database.ts';
import type { OutboundPolicy } from '../../platform/outbound/guarded-get.ts';
import { ApiError } from '../errors.ts';
import { clientDomainSigningKey, stellarTomlUrl } from './client-domain.ts';
import { loadSigners, type AccountSigners } from './horizon.ts';

/** SEP-10: challenges are valid for 15 minutes. */
export const CHALLENGE_TTL_SECONDS = 15 * 60;
const KNOWN_NETWORKS = [Networks.PUBLIC, Networks.TESTNET, Networks.FUTURENET, Networks.STANDALONE, Networks.SANDBOX];

export interface Sep10Settings {
  signingKey: Keypair;
  networkPassphrase: string;
  /** The home domain of `<home_domain> auth`, e.g. `api.example.com` (or `localhost:3000`). */
  homeDomain: string;
  /** The absolute URL of GET/POST /v1/auth, as published in stellar.toml. */
  webAuthEndpoint: string;
  /** The host of WEB_AUTH_ENDPOINT (the `web_auth_domain` manage_data value). */
  webAuthDomain: string;
  horizonUrl: string | undefined;
  /** How the client_domain's stellar.toml is fetched (OUTBOUND_ALLOW_PRIVATE, OUTBOUND_TIMEOUT_MS). */
  outbound: Omit<OutboundPolicy, 'maxBytes'>;
}

/**
 * SEP-10 settings from the configuration: HOME_DOMAIN defaults to the host:port the API listens
 * on, WEB_AUTH_ENDPOINT to `http://<home domain>/v1/auth`.
 *
 * @example const settings = sep10Settings(config, await localStellarSecret(dir, 'sep10-signing-secret'));
 */
export function sep10Settings(config: Config, signingSecret: string): Sep10Settings {
  const listenHost = ['0.0.0.0', '::', ''].includes(config.HOST) ? 'localhost' : config.HOST;
  const homeDomain = config.HOME_DOMAIN ?? `${listenHost}:${config.PORT}`;
  const webAuthEndpoint = config.WEB_AUTH_ENDPOINT ?? `http://${homeDomain}/v1/auth`;
  return {
    signingKey: Keypair.fromSecret(signingSecret),
    networkPassphrase: config.STELLAR_NETWORK,
    homeDomain,
    webAuthEndpoint,
    webAuthDomain: new URL(webAuthEndpoint).host,
    horizonUrl: config.HORIZON_URL,
    outbound: { allowPrivate: config.OUTBOUND_ALLOW_PRIVATE, timeoutMs: config.OUTBOUND_TIMEOUT_MS },
  };
}

export interface ChallengeRequest {
  account: string;
  memo?: string | undefined;
  homeDomain?: string | undefined;
  clientDomain?: string | undefined;
}

/**
 * Builds and records a challenge (GET /v1/auth): server account source, sequence 0, 15-minute
 * time bounds, `<home_domain> auth` with a 48-byte random nonce, `web_auth_domain`, and
 * `client_domain` signed by the client domain's SIGNING_KEY when asked for.
 */
export async function issueChallenge(db: Db, settings: Sep10Settings, request: ChallengeRequest): Promise<string> {
  const { account, memo } = request;
  if (!StrKey.isValidEd25519PublicKey(account) && !StrKey.isValidMed25519PublicKey(account)) {
    throw new ApiError(400, 'AUTH.INVALID_ACCOUNT', 'account must be a Stellar account (G…) or muxed account (M…)');
  }
  if (memo !== undefined && (!/^\d{1,20}$/.test(memo) || BigInt(memo) > 2n ** 64n - 1n)) {
    throw new ApiError(400, 'AUTH.INVALID_MEMO', 'memo must be an ID memo (a 64-bit unsigned integer)');
  }
  if (memo !== undefined && account.startsWith('M')) throw new ApiError(400, 'AUTH.INVALID_MEMO', 'a muxed account cannot have a memo');
  if (request.homeDomain !== undefined && request.homeDomain !== settings.homeDomain) {
    throw new ApiError(400, 'AUTH.UNSUPPORTED_HOME_DOMAIN', `this server authenticates for ${settings.homeDomain} only`);
  }
  const clientDomain = request.clientDomain === undefined ? undefined : stellarTomlUrl(request.clientDomain, settings.outbound.allowPrivate).host;
  const clientKey = clientDomain ? await clientDomainSigningKey(clientDomain, settings.outbound) : null;
  const xdr = WebAuth.buildChallengeTx(
    settings.signingKey, account, settings.homeDomain, CHALLENGE_TTL_SECONDS, settings.networkPassphrase,
    settings.webAuthDomain, memo ?? null, clientDomain ?? null, clientKey,
  );
  const tx = new Transaction(xdr, settings.networkPassphrase);
  await db
    .insertInto('sep10_challenges')
    .values({ nonce: nonceOf(tx)!, account, expires_at: new Date(Number(tx.timeBounds!.maxTime) * 1000) })
    .execute();
  if (Math.random() < 0.01) await db.deleteFrom('sep10_challenges').where('expires_at', '<', new Date(Date.now() - 86_400_000)).execute();
  return xdr;
}

function nonceOf(tx: Transaction): string | undefined {
  const op = tx.operations[0];
  return op?.type === 'manageData' && op.value ? Buffer.from(op.value).toString('utf8') : undefined;
}

/** SEP-10 §Token: a challenge that fails any check is "treated as invalid input", a 400. */
const reject = (code: string, message: string, details?: unknown) => new ApiError(400, `AUTH.${code}`, message, details);

function parse(xdr: string, settings: Sep10Settings): Transaction {
  let tx: Transaction;
  try {
    tx = new Transaction(xdr, settings.networkPassphrase);
  } catch {
    throw reject('CHALLENGE_INVALID', 'transaction is not a base64 TransactionEnvelope (fee bumps are not challenges)');
  }
  const server = settings.signingKey.publicKey();
  if (tx.source !== server) throw reject('CHALLENGE_INVALID', 'the challenge was not issued by this server');
  if (!WebAuth.verifyTxSignedBy(tx, server)) {
    const other = KNOWN_NETWORKS.find((n) => n !== settings.networkPassphrase && WebAuth.verifyTxSignedBy(new Transaction(xdr, n), server));
    if (other) throw reject('CHALLENGE_WRONG_NETWORK', 'the challenge was issued for another network', { expected: settings.networkPassphrase, got: other });
    throw reject('CHALLENGE_INVALID', 'the challenge does not carry this server\'s signature');
  }
  return tx;
}

function checkDomains(tx: Transaction, settings: Sep10Settings): void {
  const [first, ...rest] = tx.operations;
  if (first?.type !== 'manageData' || !first.name.endsWith(' auth')) throw reject('CHALLENGE_INVALID', 'the first operation must be manage_data "<home_domain> auth"');
  const homeDomain = first.name.slice(0, -' auth'.length);
  if (homeDomain !== settings.homeDomain) {
    throw reject('CHALLENGE_WRONG_HOME_DOMAIN', `the challenge is for ${homeDomain}, not ${settings.homeDomain}`, { expected: settings.homeDomain, got: homeDomain });
  }
  const webAuth = rest.find((op) => op.type === 'manageData' && op.name === 'web_auth_domain');
  const webAuthDomain = webAuth?.type === 'manageData' ? (webAuth.value ? Buffer.from(webAuth.value).toString('utf8') : undefined) : undefined;
  if (webAuthDomain !== settings.webAuthDomain) {
    throw reject('CHALLENGE_WRONG_HOME_DOMAIN', `web_auth_domain is ${webAuthDomain ?? 'missing'}, not ${settings.webAuthDomain}`, { expected: settings.webAuthDomain, got: webAuthDomain ?? null });
  }
}

function checkTimeBounds(tx: Transaction, now: number): void {
  const bounds = tx.timeBounds;
  if (!bounds || Number(bounds.maxTime) === 0) throw reject('CHALLENGE_INVALID', 'the challenge must have finite time bounds');
  if (Number(bounds.maxTime) < now) throw reject('CHALLENGE_EXPIRED', 'the challenge expired: ask for a new one');
  if (Number(bounds.minTime) > now + 60) throw reject('CHALLENGE_INVALID', 'the challenge is not valid yet');
}

async function checkSigners(xdr: string, settings: Sep10Settings, clientAccount: string): Promise<void> {
  const base = clientAccount.startsWith('M') ? MuxedAccount.fromAddress(clientAccount, '0').baseAccount().accountId() : clientAccount;
  const args = [xdr, settings.signingKey.publicKey(), settings.networkPassphrase] as const;
  const signers: AccountSigners | null = settings.horizonUrl ? await loadSigners(settings.horizonUrl, base) : null;
  try {
    if (signers) {
      WebAuth.verifyChallengeTxThreshold(...args, signers.threshold, signers.signers, settings.homeDomain, settings.webAuthDomain);
    } else {
      WebAuth.verifyChallengeTxSigners(...args, [base], settings.homeDomain, settings.webAuthDomain);
    }
  } catch (error) {
    if (!(error instanceof WebAuth.InvalidChallengeError)) throw error;
    throw reject('CHALLENGE_BAD_SIGNATURE', `the challenge is not signed as required: ${error.message}`);
  }
}

export interface Authenticated {
  /** The JWT subject: the G… account, the M… muxed account, or `G…:memo`. */
  subject: string;
  /** The client_domain whose SIGNING_KEY co-signed (the SDK checked that signature). */
  clientDomain: string | undefined;
  /** The challenge transaction's hash (hex), the token's `jti`. */
  challengeHash: string;
}

/**
 * Verifies a signed challenge (POST /v1/auth) and redeems it once. Every failure is a 400 with a
 * distinct code: CHALLENGE_INVALID, _WRONG_NETWORK, _WRONG_HOME_DOMAIN, _EXPIRED, _REPLAYED,
 * _BAD_SIGNATURE.
 */
export async function redeemChallenge(db: Db, settings: Sep10Settings, xdr: string): Promise<Authenticated> {
  const tx = parse(xdr, settings);
  checkDomains(tx, settings);
  checkTimeBounds(tx, Math.floor(Date.now() / 1000));
  let read: ReturnType<typeof WebAuth.readChallengeTx>;
  try {
    read = WebAuth.readChallengeTx(xdr, settings.signingKey.publicKey(), settings.networkPassphrase, settings.homeDomain, settings.webAuthDomain);
  } catch (error) {
    if (!(error instanceof WebAuth.InvalidChallengeError)) throw error;
    throw reject('CHALLENGE_INVALID', error.message);
  }
  const nonce = nonceOf(tx)!;
  const issued = await db.selectFrom('sep10_challenges').selectAll().where('nonce', '=', nonce).executeTakeFirst();
  if (!issued || issued.account !== read.clientAccountID) throw reject('CHALLENGE_INVALID', 'this server did not issue this challenge');
  if (issued.consumed_at) throw reject('CHALLENGE_REPLAYED', 'this challenge was already used: ask for a new one');
  if (issued.expires_at.getTime() < Date.now()) throw reject('CHALLENGE_EXPIRED', 'the challenge expired: ask for a new one');
  await checkSigners(xdr, settings, read.clientAccountID);
  const consumed = await db
    .updateTable('sep10_challenges')
    .set({ consumed_at: new Date() })
    .where('nonce', '=', nonce)
    .where('consumed_at', 'is', null)
    .returning('nonce')
    .executeTakeFirst();
  if (!consumed) throw reject('CHALLENGE_REPLAYED', 'this challenge was already used: ask for a new one');
  const clientDomainOp = tx.operations.find((op) => op.type === 'manageData' && op.name === 'client_domain');
  return {
    subject: read.memo ? `${read.clientAccountID}:${read.memo}` : read.clientAccountID,
    clientDomain: clientDomainOp?.type === 'manageData' ? (clientDomainOp.value ? Buffer.from(clientDomainOp.value).toString('utf8') : undefined) : undefined,
    challengeHash: Buffer.from(tx.hash()).toString('hex'),
  };
}
