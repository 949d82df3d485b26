import { createHash, createHmac, randomBytes } from 'node:crypto';
// node-pg's own SCRAM client (the one that logs in to PostgreSQL), played against a stored verifier.
import sasl from 'pg/lib/crypto/sasl';

const VERIFIER = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/;

/**
 * Whether a client holding `password` would log in against PostgreSQL's stored `verifier`
 * (`pg_authid.rolpassword`): this test plays the server's half of SCRAM-SHA-256 (RFC 5802, 7677)
 * with node-pg's client half, checking the client's proof against StoredKey and the server
 * signature it expects against ServerKey.
 *
 * @example t.ok(await scramAccepts(row.rolpassword, 'the password'));
 */
export async function scramAccepts(verifier: string, password: string): Promise<boolean> {
  const match = VERIFIER.exec(verifier);
  if (!match) return false;
  const [, iterations, salt, storedKey, serverKey] = match as unknown as [string, string, string, string, string];
  const session = sasl.startSession(['SCRAM-SHA-256']);
  const nonce = session.clientNonce + randomBytes(18).toString('base64');
  const serverFirst = `r=${nonce},s=${salt},i=${iterations}`;
  await sasl.continueSession(session, password, serverFirst);
  const finalWithoutProof = session.response.slice(0, session.response.lastIndexOf(',p='));
  const proof = Buffer.from(session.response.slice(session.response.lastIndexOf(',p=') + 3), 'base64');
  const authMessage = `n=*,r=${session.clientNonce},${serverFirst},${finalWithoutProof}`;
  const clientSignature = createHmac('sha256', Buffer.from(storedKey, 'base64')).update(authMessage).digest();
  const clientKey = Buffer.from(proof.map((byte, i) => byte ^ clientSignature[i]!));
  const proofHolds = createHash('sha256').update(clientKey).digest('base64') === storedKey;
  const serverSignature = createHmac('sha256', Buffer.from(serverKey, 'base64')).update(authMessage).digest('base64');
  return proofHolds && session.serverSignature === serverSignature;
}
