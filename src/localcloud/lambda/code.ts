import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';

import { unzipSync } from 'fflate';

import type { ObjectReader } from '../contracts.js';
import { AwsError } from '../errors.js';
import type { BlobStore } from '../store/blobs.js';
import { InvalidParameterValueException } from './errors.js';

/** Lambda's quota for the unzipped code of a function: 250 MB. */
export const MAX_UNZIPPED_CODE_BYTES = 262_144_000;

/** A zip accepted into the blob store. */
export interface AcceptedCode {
  /** Lowercase hex SHA-256, the key in the blob store and of the unzipped folder. */
  digest: string;
  sizeBytes: number;
}

/** The source of a function's zip: inline bytes or an S3 object version. */
export interface CodeSource {
  zipFile?: Buffer;
  s3Bucket?: string;
  s3Key?: string;
  s3ObjectVersion?: string;
}

/**
 * Function code: zips kept in the blob store by digest and unzipped once per digest under
 * `<runtimeDir>/code/<digest>`, where execution environments run them.
 *
 * NOTE: zips and unzipped folders stay after their function is deleted, because the blob
 * store is shared with S3 (an object may have the same bytes) and a running environment may
 * still use the folder.
 */
export class CodeStore {
  private readonly codeDir: string;

  constructor(
    private readonly blobs: BlobStore,
    private readonly objects: ObjectReader,
    runtimeDir: string,
  ) {
    this.codeDir = join(runtimeDir, 'code');
    mkdirSync(this.codeDir, { recursive: true });
  }

  /** Reads the zip from the request or from S3, checks that it unzips, and stores it. */
  accept(source: CodeSource): AcceptedCode {
    const zip = this.readSource(source);
    checkZip(zip);
    return { digest: this.blobs.put(zip), sizeBytes: zip.length };
  }

  read(digest: string): Buffer {
    return this.blobs.read(digest);
  }

  /** Returns the folder with the unzipped code of a digest, unzipping it first when needed. */
  unzipped(digest: string): string {
    const target = join(this.codeDir, digest);
    if (existsSync(target)) return target;

    const staging = join(this.codeDir, `.${digest}.${randomUUID()}`);
    try {
      writeEntries(staging, unzipSync(new Uint8Array(this.blobs.read(digest))));
      renameSync(staging, target);
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(target)) throw error;
    }
    return target;
  }

  private readSource(source: CodeSource): Buffer {
    const { zipFile, s3Bucket, s3Key, s3ObjectVersion } = source;
    if (zipFile && (s3Bucket || s3Key)) {
      throw new InvalidParameterValueException('Please provide only one of ZipFile or S3Bucket/S3Key for the function code.');
    }
    if (zipFile) return zipFile;
    if (!s3Bucket || !s3Key) {
      throw new InvalidParameterValueException('Please provide a source for the function code: ZipFile, or S3Bucket and S3Key.');
    }

    try {
      return this.objects.readObject(s3Bucket, s3Key, s3ObjectVersion);
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      throw new InvalidParameterValueException(
        `Error occurred while GetObject. S3 Error Code: ${error.code}. S3 Error Message: ${error.message}`,
        { cause: error },
      );
    }
  }
}

/** SHA-256 of the code as Lambda shows it in `CodeSha256`: base64 of the digest bytes. */
export function codeSha256(digest: string): string {
  return Buffer.from(digest, 'hex').toString('base64');
}

/**
 * Rejects what Lambda rejects at upload: bytes that are not a zip archive, and code larger
 * than 250 MB once unzipped. A missing handler file is not checked here, because Lambda
 * accepts it and fails the invocation instead.
 */
export function checkZip(zip: Buffer): void {
  let unzippedBytes = 0;
  try {
    unzipSync(new Uint8Array(zip), {
      filter: (file) => {
        unzippedBytes += file.originalSize;
        return false;
      },
    });
  } catch (error) {
    throw new InvalidParameterValueException('Could not unzip uploaded file. Please check your file, then try to upload again.', { cause: error });
  }

  const isZip = zip.length >= 22 && zip.readUInt32LE(0) === 0x04034b50;
  if (!isZip) throw new InvalidParameterValueException('Could not unzip uploaded file. Please check your file, then try to upload again.');
  if (unzippedBytes > MAX_UNZIPPED_CODE_BYTES) {
    throw new InvalidParameterValueException(`Unzipped size must be smaller than ${MAX_UNZIPPED_CODE_BYTES} bytes`);
  }
}

function writeEntries(root: string, entries: Record<string, Uint8Array>): void {
  mkdirSync(root, { recursive: true });
  for (const [name, bytes] of Object.entries(entries)) {
    if (name.endsWith('/')) continue;

    const path = normalize(join(root, name));
    if (!path.startsWith(root + sep)) {
      throw new InvalidParameterValueException(`The zip entry ${name} points outside the function's folder.`);
    }
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  }
}
