/** Where a value sits in a JSON document: object keys and array indexes from the root. */
export type JsonPath = (string | number)[];

interface Frame {
  array: boolean;
  index: number;
  key: string | null;
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * Reads one JSON document from text chunks and yields, parsed, each value whose path `pick`
 * accepts; containers not picked are walked into, scalars not picked skipped. Only a picked value
 * is ever held whole (then `JSON.parse`d), so memory stays bounded by the largest picked value,
 * not the document: a 10 GB array of transactions is read one element at a time.
 * Malformed structure throws; a malformed picked value throws `JSON.parse`'s error.
 *
 * @example
 * for await (const { value } of pickJsonValues(createReadStream(file, 'utf8'), (p) => p.length === 1)) … // each element of a top-level array
 */
export async function* pickJsonValues(chunks: AsyncIterable<string | Buffer>, pick: (path: JsonPath) => boolean): AsyncIterable<{ path: JsonPath; value: unknown }> {
  const stack: Frame[] = [];
  let valueExpected = true;
  let keyExpected = false;
  let inString = false;
  let escaped = false;
  let bareScalar = false;
  // A picked value (or an object key) being collected: its text so far and where it started in this chunk.
  let capture: { path: JsonPath; parts: string[]; depth: number; scalar: boolean; key: boolean } | null = null;
  let start = 0;
  let done = false;
  const pathHere = (): JsonPath => stack.map((f) => (f.array ? f.index : f.key!));

  for await (const raw of chunks) {
    const chunk = typeof raw === 'string' ? raw : raw.toString('utf8');
    const out: { path: JsonPath; value: unknown }[] = [];
    start = 0;
    const finish = (end: number) => {
      const c = capture!;
      c.parts.push(chunk.slice(start, end));
      const text = c.parts.join('');
      capture = null;
      if (c.key) stack[stack.length - 1]!.key = JSON.parse(`"${text}"`) as string;
      else out.push({ path: c.path, value: JSON.parse(text) });
    };
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 0x5c) escaped = true;
        else if (c === 0x22) {
          inString = false;
          if (capture?.key) finish(i);
          else if (capture?.scalar) finish(i + 1);
        }
        continue;
      }
      if (capture && !capture.scalar) {
        // Inside a picked container: only nesting and strings matter until it closes.
        if (c === 0x22) inString = true;
        else if (c === 0x7b || c === 0x5b) capture.depth++;
        else if ((c === 0x7d || c === 0x5d) && --capture.depth === 0) finish(i + 1);
        continue;
      }
      if (WHITESPACE.has(c) || c === 0x2c || c === 0x3a || c === 0x7d || c === 0x5d) {
        if (capture?.scalar) finish(i);
        bareScalar = false;
        if (WHITESPACE.has(c)) continue;
        const top = stack[stack.length - 1];
        if (c === 0x2c) {
          if (!top) throw new SyntaxError('JSON: "," outside any array or object');
          if (top.array) (top.index++, (valueExpected = true));
          else keyExpected = true;
        } else if (c === 0x3a) {
          if (!top || top.array) throw new SyntaxError('JSON: ":" outside an object');
          valueExpected = true;
        } else {
          if (!top || top.array !== (c === 0x5d)) throw new SyntaxError(`JSON: unexpected "${String.fromCharCode(c)}"`);
          stack.pop();
          valueExpected = false;
          keyExpected = false;
          if (stack.length === 0) done = true;
        }
        continue;
      }
      if (keyExpected) {
        if (c !== 0x22) throw new SyntaxError('JSON: an object key must be a string');
        keyExpected = false;
        inString = true;
        capture = { path: [], parts: [], depth: 0, scalar: true, key: true };
        start = i + 1;
        continue;
      }
      if (!valueExpected) {
        if (capture?.scalar || bareScalar) continue; // the rest of a number or literal
        throw new SyntaxError(`JSON: unexpected "${String.fromCharCode(c)}"${done ? ' after the document' : ''}`);
      }
      valueExpected = false;
      const container = c === 0x7b || c === 0x5b;
      const path = pathHere();
      if (pick(path)) {
        capture = { path, parts: [], depth: 1, scalar: !container, key: false };
        start = i;
        if (c === 0x22) inString = true;
        continue;
      }
      if (c === 0x22) inString = true;
      else if (container) {
        stack.push({ array: c === 0x5b, index: 0, key: null });
        valueExpected = c === 0x5b;
        keyExpected = c === 0x7b;
      } else bareScalar = true;
    }
    if (capture) (capture.parts.push(chunk.slice(start)), (start = 0));
    yield* out;
  }
  const last = capture as { path: JsonPath; parts: string[]; scalar: boolean; key: boolean } | null;
  if (last?.scalar && !last.key && !inString && stack.length === 0) yield { path: last.path, value: JSON.parse(last.parts.join('')) };
  else if (last || stack.length > 0 || inString) throw new SyntaxError('JSON: the document ends inside a value');
}
