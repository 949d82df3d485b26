import { paymentStreamId } from '../../domain/stream/events.ts';
import { address, amount, fields, isoSeconds, items, optional, ShapeError, symbolOf, text, u64 } from './scval.ts';
import type { DomainFact, KindDecoder } from './types.ts';

/**
 * StellarStream V2: topics `[stream_id: u64, Symbol(action)]`, value
 * `Map{version, timestamp, action, data: Vec}` with positional data per action.
 */
export const decodeStellarStreamV2: KindDecoder = (p): DomainFact => {
  const streamId = u64(p.topics[0], 'topic stream_id').toString();
  const action = symbolOf(p.topics[1]);
  const f = fields(p.value);
  const d = items(f.get('data'), 'data');
  if (d.length > 0 && u64(d[0], 'data stream_id').toString() !== streamId) throw new ShapeError('data stream_id differs from the topic');
  const base = { contractId: p.event.contractId, streamId };
  const id = paymentStreamId(p.event.contractId, streamId);
  const at = (i: number) => isoSeconds(u64(d[i], `data[${i}] now`), 'now');
  switch (action) {
    case 'create_v2': {
      const receiver = address(d[2], 'receiver');
      return {
        streamId: id,
        type: 'StreamCreated',
        tenantId: receiver,
        data: {
          ...base,
          sender: address(d[1], 'sender'),
          receiver,
          token: address(d[3], 'token'),
          totalAmount: amount(d[4], 'amount'),
          startAt: isoSeconds(u64(d[5], 'start'), 'start'),
          cliffAt: optional(d[6], (v, w) => isoSeconds(u64(v, w), w), 'cliff'),
          endAt: isoSeconds(u64(d[7], 'end'), 'end'),
          memo: optional(d[9], text, 'memo'),
          createdAt: at(8),
        },
      };
    }
    case 'claim': {
      const beneficiary = address(d[1], 'beneficiary');
      return {
        streamId: id,
        type: 'StreamWithdrawn',
        tenantId: beneficiary,
        data: { ...base, beneficiary, amount: amount(d[2], 'to_withdraw'), withdrawnTotal: amount(d[3], 'withdrawn_total'), withdrawnAt: at(4) },
      };
    }
    case 'cancel':
      return {
        streamId: id,
        type: 'StreamCancelled',
        tenantId: null,
        data: { ...base, caller: address(d[1], 'caller'), toReceiver: amount(d[2], 'to_receiver'), toSender: amount(d[3], 'to_sender'), cancelledAt: at(4) },
      };
    case 'top_up':
      return {
        streamId: id,
        type: 'StreamToppedUp',
        tenantId: null,
        data: { ...base, caller: address(d[1], 'caller'), amount: amount(d[2], 'amount'), toppedUpAt: at(3) },
      };
    default:
      throw new ShapeError(`unknown stellarstream-v2 action ${action ?? '(none)'}`, 'unknown');
  }
};
