/** An i128 amount in stroops of a token, as a decimal string (JSON-safe). Parse with `BigInt`. */
export type Stroops = string;

/** An ISO-8601 UTC timestamp. */
export type Timestamp = string;

/** A Stellar account (G…) or contract (C…) address. */
export type Address = string;

/** What every command carries besides its payload: no clock, ids or principal inside `domain/`. */
export interface CommandMetadata {
  now: Timestamp;
  /** The authenticated principal (a Stellar address). */
  actor: Address;
}
