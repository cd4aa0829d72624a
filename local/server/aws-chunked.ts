/**
 * The aws-chunked body encoding S3 clients use when they stream an upload (x-amz-content-sha256
 * `STREAMING-UNSIGNED-PAYLOAD-TRAILER`, what the JavaScript SDK sends for a stream, or
 * `STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]`, with a signature per chunk):
 *
 *   <hex size>[;chunk-signature=<sig>]\r\n <data>\r\n ... 0[;chunk-signature=<sig>]\r\n [trailer lines\r\n] \r\n
 *
 * Decoded here so the S3 store receives the object's bytes; the signatures are checked by the caller.
 */
export interface AwsChunk {
  data: Buffer;
  /** The chunk's signature, for signed streams. */
  signature?: string;
}

export class AwsChunkedError extends Error {
  override name = 'AwsChunkedError' as const;
}

const MAX_LINE = 4096;
const CRLF = Buffer.from('\r\n');

/** Yields each chunk (the final empty one too), then returns the trailer headers. */
export async function* decodeAwsChunked(
  source: AsyncIterable<Buffer>,
): AsyncGenerator<AwsChunk, Record<string, string>> {
  let pending: Buffer = Buffer.alloc(0);
  const iterator = source[Symbol.asyncIterator]();
  let ended = false;
  const more = async (): Promise<boolean> => {
    if (ended) return false;
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      return false;
    }
    pending = pending.length ? Buffer.concat([pending, next.value]) : next.value;
    return true;
  };
  const line = async (): Promise<string> => {
    for (;;) {
      const end = pending.indexOf(CRLF);
      if (end >= 0) {
        const text = pending.subarray(0, end).toString('latin1');
        pending = pending.subarray(end + 2);
        return text;
      }
      if (pending.length > MAX_LINE) throw new AwsChunkedError('An aws-chunked header line is too long.');
      if (!(await more())) throw new AwsChunkedError('The aws-chunked body ended inside a header line.');
    }
  };
  for (;;) {
    const header = await line();
    const [sizeText, ...extensions] = header.split(';');
    if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText ?? ''))
      throw new AwsChunkedError(`Bad aws-chunked chunk header: ${header.slice(0, 80)}`);
    const size = parseInt(sizeText!, 16);
    const signature = extensions
      .map((part) => /^chunk-signature=([0-9a-f]{64})$/.exec(part.trim())?.[1])
      .find(Boolean);
    while (pending.length < size + (size > 0 ? 2 : 0)) {
      if (!(await more())) throw new AwsChunkedError('The aws-chunked body ended inside a chunk.');
    }
    const data = Buffer.from(pending.subarray(0, size));
    if (size > 0) {
      if (!pending.subarray(size, size + 2).equals(CRLF))
        throw new AwsChunkedError('An aws-chunked chunk does not end with CRLF.');
      pending = pending.subarray(size + 2);
    }
    yield signature ? { data, signature } : { data };
    if (size === 0) break;
  }
  const trailers: Record<string, string> = {};
  for (;;) {
    if (pending.length === 0 && !(await more())) break; // some clients end right after the last chunk
    const text = await line();
    if (text === '') break;
    const separator = text.indexOf(':');
    if (separator > 0)
      trailers[text.slice(0, separator).trim().toLowerCase()] = text.slice(separator + 1).trim();
  }
  return trailers;
}
