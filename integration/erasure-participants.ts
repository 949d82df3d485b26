import { PLATFORM_ERASURE_PARTICIPANTS, type ErasureParticipant } from '../platform/erasure-participants.ts';
import { deleteSubjectEmail } from './email/addresses.ts';

/**
 * Every place outside the event log that keeps a subject's personal data in clear: the one list
 * `POST /v1/me/erase` and `substream erase` pass to `eraseSubject`.
 */
export const ERASURE_PARTICIPANTS: readonly ErasureParticipant[] = [
  ...PLATFORM_ERASURE_PARTICIPANTS,
  {
    // The subject's email address, its unsubscribe choices and the emails not yet sent to it.
    name: 'email-addresses',
    erase: async (conn, subject) => ((await deleteSubjectEmail(conn, subject)) ? 1 : 0),
  },
];
