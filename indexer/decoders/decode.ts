import type { xdr } from '@stellar/stellar-sdk';
import type { NewEvent } from '../../eventstore/types.ts';
import { eventKey, factEventId, rawEventId } from '../identity.ts';
import type { RawContractEvent } from '../sources/types.ts';
import { kindOf, type ContractSelection } from './contracts.ts';
import { FACT_SCHEMAS } from './facts.ts';
import { eventNameOf, parseScVal, scJson, ShapeError, type MalformedReason, type ScJson } from './scval.ts';
import { decodeSep41 } from './sep41.ts';
import { decodeStellarStreamV1 } from './stellarstream-v1.ts';
import { decodeStellarStreamV2 } from './stellarstream-v2.ts';
import { decodeSubstreamV1 } from './substream-v1.ts';
import type { ContractKind, KindDecoder } from './types.ts';

const DECODERS: Record<ContractKind, KindDecoder> = {
  'substream-v1': decodeSubstreamV1,
  'stellarstream-v1': decodeStellarStreamV1,
  'stellarstream-v2': decodeStellarStreamV2,
  sep41: decodeSep41,
  raw: () => null,
};

export interface DecodeOptions {
  passphrase: string;
  contracts: ContractSelection;
  includeFeeEvents?: boolean;
}

/** An event that could not be (fully) decoded, with its identity. */
export interface Malformed {
  reason: MalformedReason;
  message: string;
  kind: ContractKind;
  contractId: string;
  key: string;
}

export interface Decoded {
  /** False when the contract is not watched or the event is a skipped fee event. */
  watched: boolean;
  /** The decoded first topic when it is a symbol. */
  topic: string | null;
  /** The raw fact, then the domain fact if any, each with its stream. */
  appends: { streamId: string; event: NewEvent }[];
  malformed?: Malformed;
}

const SKIPPED: Decoded = { watched: false, topic: null, appends: [] };
const topicCache = new Map<string, { val: xdr.ScVal; json: ScJson }>();

/** Topics repeat (symbols, token and account addresses): parse each distinct one once. */
function parseTopic(b64: string): { val: xdr.ScVal; json: ScJson } {
  // Module-level cache: a topic's parse is a pure function of its base64.
  let hit = topicCache.get(b64);
  if (!hit) {
    const val = parseScVal(b64);
    hit = { val, json: scJson(val) };
    if (topicCache.size >= 100_000) topicCache.clear();
    topicCache.set(b64, hit);
  }
  return hit;
}

/**
 * Decodes one contract event into the raw `ContractEventObserved` fact (stream `contract-<id>`)
 * and, for a recognised event of a watched kind, its zod-validated domain fact. Pure: never
 * throws on bad input, reports it in `malformed` instead.
 *
 * @example const { appends, malformed } = decodeEvent(raw, { passphrase, contracts: parseContracts('*') });
 */
export function decodeEvent(event: RawContractEvent, options: DecodeOptions): Decoded {
  if (event.stage !== 'operation' && !options.includeFeeEvents) return SKIPPED;
  const kind = kindOf(options.contracts, event.contractId);
  if (kind === undefined) return SKIPPED;
  const malformed = (error: unknown): Malformed => ({
    reason: error instanceof ShapeError ? error.reason : 'shape',
    message: (error as Error).message,
    kind,
    contractId: event.contractId,
    key: eventKey(options.passphrase, event),
  });
  let topics: { val: xdr.ScVal; json: ScJson }[];
  let value: xdr.ScVal;
  let valueJson: ScJson;
  try {
    topics = event.topics.map(parseTopic);
    value = parseScVal(event.value);
    valueJson = scJson(value);
  } catch (error) {
    return { watched: true, topic: null, appends: [], malformed: malformed(error) };
  }
  const chain = {
    ledger: event.ledger,
    ledgerClosedAt: event.ledgerClosedAt,
    txHash: event.txHash,
    operationIndex: event.operationIndex,
    eventIndex: event.eventIndex,
    contractId: event.contractId,
  };
  const name = eventNameOf(topics[0]?.val);
  let fact: ReturnType<KindDecoder> = null;
  let problem: Malformed | undefined;
  try {
    fact = DECODERS[kind]({ event, topics: topics.map((t) => t.val), value, name });
    if (fact) {
      const checked = FACT_SCHEMAS[fact.type]?.safeParse(fact.data);
      if (!checked?.success) throw new ShapeError(`${fact.type} fails its schema: ${checked?.error.message ?? 'no schema'}`);
    }
  } catch (error) {
    fact = null;
    problem = malformed(error);
  }
  const tenantId = fact?.tenantId ?? null;
  const raw: NewEvent = {
    id: rawEventId(options.passphrase, event),
    type: 'ContractEventObserved',
    data: {
      contractId: event.contractId,
      topics: event.topics,
      value: event.value,
      decoded: { topics: topics.map((t) => t.json), value: valueJson },
      ledger: event.ledger,
      closedAt: event.ledgerClosedAt,
      txHash: event.txHash,
      operationIndex: event.operationIndex,
      eventIndex: event.eventIndex,
      ...(event.inSuccessfulContractCall === undefined ? {} : { inSuccessfulContractCall: event.inSuccessfulContractCall }),
      ...(event.stage === 'operation' ? {} : { stage: event.stage }),
    },
    metadata: { source: 'chain', tenantId, chain },
  };
  const appends = [{ streamId: `contract-${event.contractId}`, event: raw }];
  if (fact) {
    appends.push({ streamId: fact.streamId, event: { id: factEventId(options.passphrase, event), type: fact.type, data: fact.data, metadata: { source: 'chain', tenantId, chain } } });
  }
  return { watched: true, topic: name, appends, ...(problem ? { malformed: problem } : {}) };
}

/** The event's name topic (e.g. `transfer`), without decoding the rest. */
export function firstTopic(event: RawContractEvent): string | null {
  const first = event.topics[0];
  if (first === undefined) return null;
  try {
    return eventNameOf(parseTopic(first).val);
  } catch {
    return '(malformed)';
  }
}
