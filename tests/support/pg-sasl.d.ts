/** The part of node-pg's SCRAM client (`pg/lib/crypto/sasl`, untyped; imported without `.js`: pg's exports map `./lib/*` and `./lib/*.js`, and a loader may take the first) the password test plays against. */
declare module 'pg/lib/crypto/sasl' {
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
