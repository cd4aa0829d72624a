/** @20minutes/s3rver ships no type definitions; this covers what the S3 endpoint uses. */
declare module '@20minutes/s3rver' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  import type { EventEmitter } from 'node:events';

  interface S3rverOptions {
    directory?: string;
    silent?: boolean;
    /** Parse the bucket from the Host header (virtual-hosted style); off for a path-style endpoint. */
    vhostBuckets?: boolean;
    resetOnClose?: boolean;
    configureBuckets?: Array<{ name: string; configs?: Array<string | Buffer> }>;
  }

  interface S3EventRecord {
    eventName: string;
    s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string } };
  }

  class S3rver extends EventEmitter {
    constructor(options?: S3rverOptions);
    /** The Koa request handler. */
    callback(): (request: IncomingMessage, response: ServerResponse) => void;
    on(event: 'event', listener: (event: { Records: S3EventRecord[] }) => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
  }
  export = S3rver;
}
