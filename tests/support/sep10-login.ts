import { Keypair, Transaction } from '@stellar/stellar-sdk';
import type { FastifyInstance } from 'fastify';

/**
 * A real SEP-10 login against the app: GET /v1/auth for a challenge, the client's signature with
 * the Stellar SDK, POST /v1/auth for the token.
 *
 * @example const token = await sep10Login(app, Keypair.random());
 */
export async function sep10Login(app: FastifyInstance, client: Keypair): Promise<string> {
  const challenge = await app.inject({ method: 'GET', url: `/v1/auth?account=${client.publicKey()}` });
  if (challenge.statusCode !== 200) throw new Error(`SEP-10 challenge: ${challenge.statusCode} ${challenge.body}`);
  const { transaction, network_passphrase } = challenge.json();
  const tx = new Transaction(transaction, network_passphrase);
  tx.sign(client);
  const redeemed = await app.inject({ method: 'POST', url: '/v1/auth', payload: { transaction: tx.toEnvelope().toXDR('base64') } });
  if (redeemed.statusCode !== 200) throw new Error(`SEP-10 token: ${redeemed.statusCode} ${redeemed.body}`);
  return redeemed.json().token as string;
}
