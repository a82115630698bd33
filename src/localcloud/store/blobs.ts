import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { ReadStream } from 'node:fs';
import { join } from 'node:path';

/**
 * Object and code bodies as files named by their SHA-256 digest, so identical bodies are
 * stored once and a body is never changed in place. A body is written to a temporary file
 * and renamed, so a crash leaves either the whole file or none.
 */
export class BlobStore {
  private readonly root: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'blobs');
    mkdirSync(join(this.root, 'tmp'), { recursive: true });
  }

  /** Stores `body` and returns its lowercase hex SHA-256 digest. */
  put(body: Buffer): string {
    const digest = createHash('sha256').update(body).digest('hex');
    const path = this.path(digest);
    if (existsSync(path)) return digest;

    mkdirSync(join(this.root, digest.slice(0, 2)), { recursive: true });
    const temporary = this.temporaryPath();
    writeFileSync(temporary, body);
    renameSync(temporary, path);
    return digest;
  }

  /** Moves a fully written file, whose digest the caller computed, into the store. */
  adopt(temporaryFile: string, digest: string): void {
    const path = this.path(digest);
    if (existsSync(path)) {
      rmSync(temporaryFile, { force: true });
      return;
    }
    mkdirSync(join(this.root, digest.slice(0, 2)), { recursive: true });
    renameSync(temporaryFile, path);
  }

  /** Returns a fresh path in the store's temporary folder, on the same file system as the blobs. */
  temporaryPath(): string {
    return join(this.root, 'tmp', randomUUID());
  }

  read(digest: string): Buffer {
    return readFileSync(this.path(digest));
  }

  stream(digest: string, range?: { start: number; end: number }): ReadStream {
    return createReadStream(this.path(digest), range);
  }

  path(digest: string): string {
    return join(this.root, digest.slice(0, 2), digest);
  }
}
