import { DomainError } from '../domain/shared/errors.ts';

/** Encodes a keyset position as an opaque base64url cursor. */
export function encodeCursor(key: string): string {
  return Buffer.from(JSON.stringify({ k: key })).toString('base64url');
}

/** Decodes a cursor from `encodeCursor`; a forged or damaged one is `PAGINATION.INVALID_CURSOR`. */
export function decodeCursor(cursor: string): string {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k?: unknown };
    if (typeof value.k === 'string' && value.k.length > 0 && !value.k.includes('\u0000') && value.k.isWellFormed()) return value.k;
  } catch {
    // fall through
  }
  throw new DomainError('PAGINATION.INVALID_CURSOR', 'the cursor is not valid');
}
