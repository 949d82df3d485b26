/** The part of node-pg's SCRAM client (`pg/lib/crypto/sasl.js`, untyped) the password test plays against. */
declare module 'pg/lib/crypto/sasl.js' {
  interface Session {
    clientNonce: string;
    response: string;
    serverSignature: string;
  }
  const sasl: {
    startSession(mechanisms: string[]): Session;
    continueSession(session: Session, password: string, serverData: string): Promise<void>;
  };
  export default sasl;
}
