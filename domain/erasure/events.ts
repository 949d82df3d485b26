import type { Address, Timestamp } from '../shared/types.ts';

/**
 * A data subject's personal data was erased: its data key is shredded (every field sealed under
 * it now reads `[erased]`) and the read models redact what they had shown of it. `by` is who
 * asked: the subject itself, or `operator` (the CLI).
 */
export type SubjectErased = { type: 'SubjectErased'; data: { subject: Address; erasedAt: Timestamp; by: string } };

export const SUBJECT_ERASED = 'SubjectErased';

/** One stream per subject: its erasures (a subject may write again after one, and be erased again). */
export function erasureStreamId(subject: Address): string {
  return `erasure-${subject}`;
}
