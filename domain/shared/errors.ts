/**
 * A broken domain rule. `code` is stable and namespaced (`SUBSCRIPTION.ALREADY_ACTIVE`);
 * `message` is safe to show; `details` is optional structured context.
 */
export class DomainError extends Error {
  override name = 'DomainError';
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

/** Ends every `switch` over a union: a new case that is not handled fails type-checking. */
export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
