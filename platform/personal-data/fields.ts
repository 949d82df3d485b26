/**
 * Where personal data sits in the events the product writes, by event type: the data property
 * naming the subject (whose key seals it, and whose erasure shreds it) and the paths of the
 * personal string fields (`*` steps into every item of an array). Everything else in an event is
 * either a chain fact (public anyway) or an identifier the product needs to fold streams. README,
 * "Personal data and erasure", lists the same fields; a test walks this table against real commands.
 */
export const PERSONAL_FIELDS: Readonly<Record<string, { subject: string; paths: readonly string[] }>> = {
  CreatorRegistered: { subject: 'creator', paths: ['displayName'] },
  ContentPublished: { subject: 'creator', paths: ['title', 'url'] },
  ContentUpdated: { subject: 'creator', paths: ['title', 'url'] },
  InvoiceLinkCreated: { subject: 'creator', paths: ['description', 'pdfUrl'] },
  // A viewer id is the tenant's name for one of its viewers: sealed under the tenant's key.
  ViewEventsRecorded: { subject: 'tenantId', paths: ['views.*.viewer'] },
};

/** The subject of an event's personal data, or undefined when it has none. */
export function subjectOf(type: string, data: unknown): string | undefined {
  const spec = PERSONAL_FIELDS[type];
  const subject = spec && data !== null && typeof data === 'object' ? (data as Record<string, unknown>)[spec.subject] : undefined;
  return typeof subject === 'string' ? subject : undefined;
}

/**
 * A copy of `data` with every personal field passed through `map` (its path as context), copying
 * only what it changes. Null and absent fields stay as they are.
 *
 * @example mapPersonalFields('CreatorRegistered', data, (v) => v.toUpperCase())
 */
export function mapPersonalFields(type: string, data: unknown, map: (value: unknown, path: string) => unknown): unknown {
  const spec = PERSONAL_FIELDS[type];
  if (!spec) return data;
  let result = data;
  for (const path of spec.paths) result = mapPath(result, path.split('.'), (value) => map(value, `${type}/${path}`));
  return result;
}

function mapPath(value: unknown, steps: readonly string[], map: (value: unknown) => unknown): unknown {
  if (steps.length === 0) return value === null || value === undefined ? value : map(value);
  if (value === null || typeof value !== 'object') return value;
  const [step, ...rest] = steps as [string, ...string[]];
  if (step === '*') return Array.isArray(value) ? value.map((item) => mapPath(item, rest, map)) : value;
  const record = value as Record<string, unknown>;
  if (!Object.hasOwn(record, step)) return value;
  return { ...record, [step]: mapPath(record[step], rest, map) };
}
