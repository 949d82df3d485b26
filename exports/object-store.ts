import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Config } from '../platform/config.ts';

/** How long a download link of a ready export stays valid. */
export const EXPORT_URL_TTL_SECONDS = 24 * 60 * 60;

/** Where exports go: EXPORT_S3_BUCKET through @aws-sdk/client-s3. */
export interface ExportStore {
  /** Uploads `body` as `key` by multipart upload (parts of 5 MiB, never the whole object in memory). */
  upload(key: string, body: Readable): Promise<void>;
  /** A GET URL of `key` valid EXPORT_URL_TTL_SECONDS. */
  presign(key: string): Promise<string>;
  /** Deletes `key` (no error when it is already gone). */
  remove(key: string): Promise<void>;
  destroy(): void;
}

/**
 * The export bucket of `config`, or undefined when EXPORT_S3_BUCKET is unset (exports are off).
 * An endpoint (MinIO, s3rver) is addressed path-style.
 *
 * @example const store = exportStore(config); await store?.upload(key, gzipped);
 */
export function exportStore(config: Config): ExportStore | undefined {
  const bucket = config.EXPORT_S3_BUCKET;
  if (!bucket) return undefined;
  const credentials = config.EXPORT_S3_ACCESS_KEY_ID && config.EXPORT_S3_SECRET_ACCESS_KEY
    ? { accessKeyId: config.EXPORT_S3_ACCESS_KEY_ID, secretAccessKey: config.EXPORT_S3_SECRET_ACCESS_KEY }
    : undefined;
  const client = new S3Client({
    region: config.EXPORT_S3_REGION,
    ...(config.EXPORT_S3_ENDPOINT ? { endpoint: config.EXPORT_S3_ENDPOINT, forcePathStyle: true } : {}),
    ...(credentials ? { credentials } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  const sse = config.EXPORT_S3_SSE === 'none' ? {} : { ServerSideEncryption: config.EXPORT_S3_SSE };
  return {
    async upload(key, body) {
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: key, Body: body, ContentType: 'application/gzip', ...sse },
        queueSize: 2,
        partSize: 5 * 1024 * 1024,
      });
      await upload.done();
    },
    presign: (key) => getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: EXPORT_URL_TTL_SECONDS }),
    async remove(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    destroy: () => client.destroy(),
  };
}
