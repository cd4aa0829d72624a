import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, rmSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { once } from 'node:events';

/** Bodies up to this size stay in memory; larger ones go to a file in the spool directory. */
const MEMORY_LIMIT = 16 * 1024 * 1024;
let sequence = 0;

/**
 * A request body held back until it is checked (its SHA-256 against the signed one, its chunk
 * signatures), so the S3 store never receives bytes the signature does not cover.
 */
export interface SpooledBody {
  sha256: string;
  size: number;
  /** The bytes, from the start. */
  open(): Readable;
  dispose(): void;
}

export async function spoolBody(source: AsyncIterable<Buffer>, spoolDir: string): Promise<SpooledBody> {
  const hash = createHash('sha256');
  const memory: Buffer[] = [];
  let size = 0;
  let file: { path: string; stream: WriteStream } | undefined;
  try {
    for await (const chunk of source) {
      hash.update(chunk);
      size += chunk.length;
      if (!file && size > MEMORY_LIMIT) {
        mkdirSync(spoolDir, { recursive: true, mode: 0o700 });
        const path = join(spoolDir, `${process.pid}-${++sequence}.part`);
        file = { path, stream: createWriteStream(path, { mode: 0o600 }) };
        for (const held of memory.splice(0)) if (!file.stream.write(held)) await once(file.stream, 'drain');
      }
      if (file) {
        if (!file.stream.write(chunk)) await once(file.stream, 'drain');
      } else memory.push(chunk);
    }
    if (file) {
      file.stream.end();
      await once(file.stream, 'finish');
    }
  } catch (error) {
    if (file) {
      file.stream.destroy();
      rmSync(file.path, { force: true });
    }
    throw error;
  }
  const spooled = file;
  return {
    sha256: hash.digest('hex'),
    size,
    open: () =>
      spooled ? createReadStream(spooled.path) : Readable.from(memory.length ? [Buffer.concat(memory)] : []),
    dispose: () => {
      if (spooled) rmSync(spooled.path, { force: true });
    },
  };
}
