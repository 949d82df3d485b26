import type { Transport } from './transport.ts';
import type { Challenge, ChallengeQuery, Sep10Token } from './types.ts';

/**
 * SEP-10 wallet login. The caller signs the challenge with its own wallet or stellar-sdk.
 *
 * @example const { getChallenge } = authMethods(createTransport({ baseUrl }));
 */
export function authMethods(send: Transport) {
  return {
    /**
     * A SEP-10 challenge transaction for `account` (G… or M…), to sign with that account's key.
     *
     * @example
     * const { transaction, network_passphrase } = await client.getChallenge(keypair.publicKey());
     * const tx = TransactionBuilder.fromXDR(transaction, network_passphrase); tx.sign(keypair);
     */
    getChallenge(account: string, options: Omit<ChallengeQuery, 'account'> = {}): Promise<Challenge> {
      return send({ method: 'GET', path: 'v1/auth', query: { ...options, account } });
    },

    /**
     * Exchanges the signed challenge (base64 XDR) for an API token (JWT, `sub` = the account).
     *
     * @example const token = await client.submitChallenge(tx.toXDR()); const me = client.withToken(token);
     */
    async submitChallenge(signedXdr: string): Promise<string> {
      const { token } = await send<Sep10Token>({ method: 'POST', path: 'v1/auth', body: { transaction: signedXdr } });
      return token;
    },
  };
}

export type AuthMethods = ReturnType<typeof authMethods>;
