import { paymentStreamId } from '../../domain/stream/events.ts';
import { address, amount, fields, isoSeconds, optional, ShapeError, u64 } from './scval.ts';
import type { DomainFact, KindDecoder } from './types.ts';

/**
 * StellarStream V1: `[Symbol(action), sender|caller]` topics and a `Map` value holding `stream_id`
 * and `timestamp`. `topup` carries `amount`; `pause`/`resume` only the stream and time.
 */
export const decodeStellarStreamV1: KindDecoder = (p): DomainFact => {
  const f = fields(p.value);
  const streamId = u64(f.get('stream_id'), 'stream_id');
  const contractId = p.event.contractId;
  const id = paymentStreamId(contractId, streamId.toString());
  const base = { contractId, streamId: streamId.toString() };
  const at = isoSeconds(u64(f.get('timestamp'), 'timestamp'), 'timestamp');
  const caller = f.has('caller') ? address(f.get('caller'), 'caller') : optional(p.topics[1], address, 'topic caller');
  switch (p.name) {
    case 'create': {
      const receiver = address(f.get('receiver'), 'receiver');
      return {
        streamId: id,
        type: 'StreamCreated',
        tenantId: receiver,
        data: {
          ...base,
          sender: address(f.get('sender'), 'sender'),
          receiver,
          token: address(f.get('token'), 'token'),
          totalAmount: amount(f.get('total_amount'), 'total_amount'),
          startAt: isoSeconds(u64(f.get('start_time'), 'start_time'), 'start_time'),
          cliffAt: null,
          endAt: isoSeconds(u64(f.get('end_time'), 'end_time'), 'end_time'),
          memo: null,
          createdAt: at,
        },
      };
    }
    case 'topup':
      if (caller === null) throw new ShapeError('topup: no caller');
      return { streamId: id, type: 'StreamToppedUp', tenantId: null, data: { ...base, caller, amount: amount(f.get('amount'), 'amount'), toppedUpAt: at } };
    case 'pause':
      return { streamId: id, type: 'StreamPaused', tenantId: null, data: { ...base, caller, pausedAt: at } };
    case 'resume':
      return { streamId: id, type: 'StreamResumed', tenantId: null, data: { ...base, caller, resumedAt: at } };
    default:
      throw new ShapeError(`unknown stellarstream-v1 event ${p.name ?? p.topics[0]?.type ?? '(no topics)'}`, 'unknown');
  }
};
