import type { IncomingMessage } from 'node:http';

/** Past this, an oversized body is no longer drained but the connection is dropped. */
const MAX_DRAIN_BYTES = 256 * 1024 * 1024;

/**
 * Reads a request body of at most `limit` bytes. A larger one is read to its end and discarded, so
 * the caller can still answer with a clear error (a client still sending would otherwise see its
 * connection reset); `undefined` then stands for "too large".
 */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > MAX_DRAIN_BYTES) request.destroy();
    });
    request.on('end', () => resolve(size <= limit ? Buffer.concat(chunks) : undefined));
    request.on('error', reject);
    request.on('close', () => {
      if (!request.complete)
        reject(new Error('The client closed the connection before sending its whole body.'));
    });
  });
}
