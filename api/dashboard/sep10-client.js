// SEP-10 against this server's own endpoints: GET /v1/auth?account=… for a challenge, POST /v1/auth
// with the signed challenge for a token (a JWT). The wallet, not this page, holds the key.

async function answer(response) {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.message ?? body.error ?? `the server answered ${response.status}`);
  return body;
}

/**
 * The server's challenge for an account (G… or M…).
 * Example: const { transaction, network_passphrase } = await fetchChallenge('G…');
 */
export async function fetchChallenge(account) {
  return answer(await fetch(`/v1/auth?account=${encodeURIComponent(account)}`));
}

/**
 * Trades a signed challenge (base64 TransactionEnvelope) for a token.
 * Example: const token = await redeemChallenge(signedXdr);
 */
export async function redeemChallenge(signedXdr) {
  const { token } = await answer(await fetch('/v1/auth', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ transaction: signedXdr }),
  }));
  return token;
}
