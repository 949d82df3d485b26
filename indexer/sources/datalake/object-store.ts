import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, S3Client } from '@aws-sdk/client-s3';

/** Read-only access to the objects of a data lake, keys relative to its prefix. */
export interface ObjectStore {
  readonly location: string;
  /** The object's bytes, or undefined when there is no such key. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** The first name (lexicographic) directly under `prefix`: a file or a `folder/`. */
  first(prefix: string): Promise<string | undefined>;
}

export interface S3Options {
  /** e.g. `http://127.0.0.1:4568` for MinIO or s3rver; default `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`, else AWS. */
  endpoint?: string;
  /** Default `AWS_REGION`, else `us-east-2` (where the public Stellar lake lives). */
  region?: string;
  /** Explicit keys, `'anonymous'` (unsigned requests, public buckets) or `'default'` (the AWS chain). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | 'anonymous' | 'default';
  /** Path-style URLs (needed by most S3-compatible servers); default: on when an endpoint is set. */
  forcePathStyle?: boolean;
}

export function localObjectStore(dir: string): ObjectStore {
  return {
    location: dir,
    async get(key) {
      try {
        return await readFile(join(dir, key));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async first(prefix) {
      try {
        const entries = await readdir(join(dir, prefix), { withFileTypes: true });
        const names = entries
          .filter((e) => !e.name.startsWith('.'))
          .map((e) => (e.isDirectory() ? `${e.name}/` : e.name))
          .sort();
        return names[0];
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
  };
}

/** `s3://bucket/prefix` through @aws-sdk/client-s3. */
export function s3ObjectStore(url: string, options: S3Options = {}): ObjectStore {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match) throw new Error(`not an s3:// location: ${url}`);
  const bucket = match[1] as string;
  const base = (match[2] ?? '').replace(/\/+$/, '');
  const prefixed = (key: string) => (base === '' ? key : `${base}/${key}`);
  const credentials =
    options.credentials ??
    (process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE ? 'default' : 'anonymous');
  const endpoint = options.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  const client = new S3Client({
    region: options.region ?? process.env.AWS_REGION ?? 'us-east-2',
    endpoint,
    forcePathStyle: options.forcePathStyle ?? endpoint !== undefined,
    // Without this the SDK sends aws-chunked bodies and checksums some S3-compatible servers reject.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(credentials === 'anonymous'
      ? { credentials: { accessKeyId: '', secretAccessKey: '' }, signer: { sign: async (request) => request } }
      : credentials === 'default'
        ? {}
        : { credentials }),
  });
  return {
    location: url,
    async get(key) {
      try {
        const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: prefixed(key) }));
        return response.Body ? await response.Body.transformToByteArray() : undefined;
      } catch (error) {
        if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
        if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
        throw error;
      }
    },
    async first(prefix) {
      const full = prefixed(prefix);
      const response = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: full === '' ? undefined : full, Delimiter: '/', MaxKeys: 10 }),
      );
      const names = [
        ...(response.CommonPrefixes ?? []).map((p) => p.Prefix ?? ''),
        ...(response.Contents ?? []).map((c) => c.Key ?? ''),
      ]
        .map((key) => key.slice(full.length))
        .filter((name) => name !== '' && !name.startsWith('.'))
        .sort();
      return names[0];
    },
  };
}
