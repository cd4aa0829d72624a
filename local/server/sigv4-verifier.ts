/**
 * Checks that a request was signed (AWS Signature Version 4) with the server's key. The signature is
 * recomputed with @smithy/signature-v4, the signer the AWS SDK for JavaScript uses, from the request as
 * received: its method, raw path, query, the headers the client says it signed, and the payload hash
 * (the body's SHA-256 for the API; the declared x-amz-content-sha256 for S3, whose body is checked
 * against it as it is read). Both header (Authorization) and query (presigned URL, S3 only) signatures
 * are accepted; the request time may be at most 15 minutes from the server's clock.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
/** A presigned URL may be valid for a week at most (SigV4's limit). */
export const MAX_PRESIGNED_EXPIRY_SECONDS = 7 * 24 * 3600;
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export type AuthFailure =
  /** No Authorization header and no X-Amz-Signature: an anonymous request. */
  | 'missing'
  /** The Authorization header or the query parameters are incomplete or malformed. */
  | 'malformed'
  /** Signed for another region or service. */
  | 'wrong-scope'
  | 'unknown-key'
  | 'bad-signature'
  /** The request time is more than 15 minutes from the server's. */
  | 'skewed'
  /** A presigned URL past its X-Amz-Expires. */
  | 'expired'
  /** The body is not the one x-amz-content-sha256 declares (the API: the one signed). */
  | 'payload-mismatch'
  /** S3 needs x-amz-content-sha256 with header authentication. */
  | 'missing-content-sha256';

export interface AuthRejection {
  ok: false;
  failure: AuthFailure;
  /** For messages: what was wrong, in the words of the service's error. */
  detail: string;
  /** The access key id the request named, when it named one. */
  accessKeyId?: string;
  /** The request time it claimed (ISO), for skew messages. */
  requestTime?: string;
}

/** How the body of an accepted request is protected. */
export type Payload =
  | { kind: 'sha256'; sha256: string }
  | { kind: 'unsigned' }
  | { kind: 'streaming-unsigned-trailer' }
  /** aws-chunked with a signature per chunk, chained from the request's signature. */
  | { kind: 'streaming-signed'; seedSignature: string; signingDate: Date; trailer: boolean };

export interface AuthAcceptance {
  ok: true;
  payload: Payload;
  /** The query parameters that carried a presigned URL's signature (to drop before forwarding). */
  authQueryParameters: string[];
}

export type AuthVerdict = AuthAcceptance | AuthRejection;

export interface IncomingSignedRequest {
  method: string;
  /** The raw request target: path and query exactly as received. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The whole body, when the caller has read it (the API); S3 bodies are checked as they stream. */
  body?: Uint8Array;
}

export interface SigV4VerifierOptions {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** The signing name: `codedeploy` for the API, `s3` for S3. */
  service: string;
  /** Whether query (presigned URL) authentication is accepted. */
  allowQueryAuth: boolean;
  now?: () => Date;
}

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const PRESIGN_PARAMETERS = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
];

function reject(failure: AuthFailure, detail: string, extra: Partial<AuthRejection> = {}): AuthRejection {
  return { ok: false, failure, detail, ...extra };
}

function parseAmzDate(value: string | undefined): Date | undefined {
  const match = value ? AMZ_DATE.exec(value) : null;
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** Splits the raw query into decoded parameters, keeping repeated keys (S3 subresources have no value). */
function parseQuery(rawQuery: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const separator = part.indexOf('=');
    const decode = (text: string) => decodeURIComponent(text.replace(/\+/g, '%20'));
    const key = decode(separator < 0 ? part : part.slice(0, separator));
    const value = separator < 0 ? '' : decode(part.slice(separator + 1));
    const existing = query[key];
    query[key] =
      existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return query;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

interface Credential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

function parseCredential(value: string): Credential | undefined {
  const parts = value.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request') return undefined;
  const [accessKeyId, date, region, service] = parts as [string, string, string, string];
  return { accessKeyId, date, region, service };
}

export class SigV4Verifier {
  private readonly signer: SignatureV4;
  private readonly now: () => Date;

  constructor(private readonly options: SigV4VerifierOptions) {
    this.signer = new SignatureV4({
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      region: options.region,
      service: options.service,
      sha256: Hash.bind(null, 'sha256'),
      // S3 signs the path as sent; other services normalize and encode it again.
      uriEscapePath: options.service !== 's3',
      applyChecksum: false,
    });
    this.now = options.now ?? (() => new Date());
  }

  async verify(request: IncomingSignedRequest): Promise<AuthVerdict> {
    const queryStart = request.url.indexOf('?');
    const path = queryStart < 0 ? request.url : request.url.slice(0, queryStart);
    let query: Record<string, string | string[]>;
    try {
      query = parseQuery(queryStart < 0 ? '' : request.url.slice(queryStart + 1));
    } catch {
      return reject('malformed', 'The query string is not valid percent-encoding.');
    }
    const authorization = header(request.headers, 'authorization');
    if (authorization !== undefined) return this.verifyHeader(request, path, query, authorization);
    if (query['X-Amz-Signature'] !== undefined || query['X-Amz-Algorithm'] !== undefined) {
      if (!this.options.allowQueryAuth)
        return reject(
          'malformed',
          'Query string authentication is not supported here: sign the Authorization header.',
        );
      return this.verifyQuery(request, path, query);
    }
    return reject('missing', 'The request is not signed.');
  }

  /** Checks the credential scope and the request time; undefined when both are fine. */
  private checkScope(
    credential: Credential | undefined,
    signingDate: Date | undefined,
    amzDate: string,
  ): AuthRejection | undefined {
    if (!credential)
      return reject('malformed', 'The Credential must be ACCESS_KEY_ID/DATE/REGION/SERVICE/aws4_request.');
    if (credential.accessKeyId !== this.options.accessKeyId) {
      return reject('unknown-key', `Unknown access key id ${credential.accessKeyId}.`, {
        accessKeyId: credential.accessKeyId,
      });
    }
    if (!signingDate) {
      return reject(
        'malformed',
        'The request needs an X-Amz-Date header (or parameter) with a date like 20240101T120000Z.',
      );
    }
    if (credential.date !== amzDate.slice(0, 8)) {
      return reject(
        'malformed',
        `The Credential's date ${credential.date} is not the date of X-Amz-Date ${amzDate}.`,
      );
    }
    if (credential.service !== this.options.service) {
      return reject(
        'wrong-scope',
        `Credential should be scoped to correct service: '${this.options.service}'.`,
      );
    }
    if (credential.region !== this.options.region) {
      return reject(
        'wrong-scope',
        `Credential should be scoped to a valid region: '${this.options.region}', not '${credential.region}'.`,
      );
    }
    return undefined;
  }

  private signedHeaders(
    request: IncomingSignedRequest,
    names: string[],
  ): { headers: Record<string, string> } | AuthRejection {
    const headers: Record<string, string> = {};
    for (const name of names) {
      const value = header(request.headers, name);
      if (value === undefined) return reject('malformed', `The signed header ${name} is not in the request.`);
      headers[name] = value;
    }
    if (!names.includes('host')) return reject('malformed', 'The signed headers must include host.');
    return { headers };
  }

  private httpRequest(
    request: IncomingSignedRequest,
    path: string,
    query: Record<string, string | string[]>,
    headers: Record<string, string>,
    body?: Uint8Array,
  ) {
    const host = headers.host ?? header(request.headers, 'host') ?? 'localhost';
    const [hostname, port] = host.split(':');
    return new HttpRequest({
      method: request.method,
      protocol: 'http:',
      hostname: hostname ?? host,
      ...(port ? { port: Number(port) } : {}),
      path,
      query,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
  }

  private async verifyHeader(
    request: IncomingSignedRequest,
    path: string,
    query: Record<string, string | string[]>,
    authorization: string,
  ): Promise<AuthVerdict> {
    if (!authorization.startsWith('AWS4-HMAC-SHA256 ')) {
      return reject('malformed', 'The Authorization header must use AWS4-HMAC-SHA256 (Signature Version 4).');
    }
    const fields = new Map<string, string>();
    for (const part of authorization.slice('AWS4-HMAC-SHA256 '.length).split(',')) {
      const separator = part.indexOf('=');
      if (separator > 0) fields.set(part.slice(0, separator).trim(), part.slice(separator + 1).trim());
    }
    const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((name) => !fields.get(name));
    if (missing.length) {
      return reject(
        'malformed',
        missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' '),
      );
    }
    const credential = parseCredential(fields.get('Credential')!);
    const amzDate = header(request.headers, 'x-amz-date') ?? '';
    const signingDate = parseAmzDate(amzDate);
    const scopeProblem = this.checkScope(credential, signingDate, amzDate);
    if (scopeProblem) return scopeProblem;
    const skew = this.checkSkew(signingDate!, amzDate);
    if (skew) return skew;

    const names = fields.get('SignedHeaders')!.split(';');
    const signedHeaders = this.signedHeaders(request, names);
    if ('ok' in signedHeaders) return signedHeaders;
    const { headers } = signedHeaders;

    let payload: Payload;
    const declared = header(request.headers, 'x-amz-content-sha256');
    if (this.options.service === 's3') {
      if (declared === undefined)
        return reject(
          'missing-content-sha256',
          'Missing required header for this request: x-amz-content-sha256',
        );
      const mode = this.payloadOf(declared, signingDate!);
      if (!mode)
        return reject(
          'malformed',
          `x-amz-content-sha256 must be a SHA-256 in hex, UNSIGNED-PAYLOAD or a STREAMING-* value, not ${declared}.`,
        );
      payload = mode;
    } else {
      const actual = createHash('sha256')
        .update(request.body ?? new Uint8Array())
        .digest('hex');
      // A declared hash is what the signature covers: it must be the body's.
      if (declared !== undefined && declared !== actual) {
        return reject('payload-mismatch', 'The x-amz-content-sha256 header does not match the body.');
      }
      payload = { kind: 'sha256', sha256: actual };
    }

    const signed = await this.signer.sign(
      this.httpRequest(
        request,
        path,
        query,
        headers,
        this.options.service === 's3' ? undefined : (request.body ?? new Uint8Array()),
      ),
      {
        signingDate,
        signingRegion: this.options.region,
        signingService: this.options.service,
        signableHeaders: new Set(names),
      },
    );
    const expected = /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization))?.[1] ?? '';
    const expectedHeaders = /SignedHeaders=([^,]+)/.exec(String(signed.headers.authorization))?.[1] ?? '';
    if (expectedHeaders !== names.join(';') || !sameText(expected, fields.get('Signature')!)) {
      return reject('bad-signature', 'The request signature does not match.');
    }
    if (payload.kind === 'streaming-signed') payload.seedSignature = expected;
    return { ok: true, payload, authQueryParameters: [] };
  }

  private checkSkew(signingDate: Date, amzDate: string): AuthRejection | undefined {
    const now = this.now();
    if (Math.abs(now.getTime() - signingDate.getTime()) > MAX_CLOCK_SKEW_MS) {
      return reject(
        'skewed',
        `The request time ${amzDate} is more than 15 minutes from the server's time ${now.toISOString()}.`,
        {
          requestTime: signingDate.toISOString(),
        },
      );
    }
    return undefined;
  }

  private payloadOf(declared: string, signingDate: Date): Payload | undefined {
    if (/^[0-9a-f]{64}$/.test(declared)) return { kind: 'sha256', sha256: declared };
    if (declared === UNSIGNED_PAYLOAD) return { kind: 'unsigned' };
    if (declared === 'STREAMING-UNSIGNED-PAYLOAD-TRAILER') return { kind: 'streaming-unsigned-trailer' };
    if (
      declared === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' ||
      declared === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER'
    ) {
      return {
        kind: 'streaming-signed',
        seedSignature: '',
        signingDate,
        trailer: declared.endsWith('-TRAILER'),
      };
    }
    return undefined;
  }

  private async verifyQuery(
    request: IncomingSignedRequest,
    path: string,
    query: Record<string, string | string[]>,
  ): Promise<AuthVerdict> {
    const get = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : undefined);
    const missing = PRESIGN_PARAMETERS.filter((name) => !get(name));
    if (missing.length)
      return reject(
        'malformed',
        `Query-string authentication requires the ${missing.join(', ')} parameters.`,
      );
    if (get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256')
      return reject('malformed', 'X-Amz-Algorithm only supports AWS4-HMAC-SHA256.');
    const amzDate = get('X-Amz-Date')!;
    const signingDate = parseAmzDate(amzDate);
    const scopeProblem = this.checkScope(parseCredential(get('X-Amz-Credential')!), signingDate, amzDate);
    if (scopeProblem) return scopeProblem;
    const expiresIn = Number(get('X-Amz-Expires'));
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_PRESIGNED_EXPIRY_SECONDS) {
      return reject(
        'malformed',
        `X-Amz-Expires must be between 1 and ${MAX_PRESIGNED_EXPIRY_SECONDS} seconds.`,
      );
    }
    const now = this.now().getTime();
    if (now > signingDate!.getTime() + expiresIn * 1000) return reject('expired', 'Request has expired');
    if (signingDate!.getTime() - now > MAX_CLOCK_SKEW_MS)
      return reject('skewed', 'Request is not valid yet', { requestTime: signingDate!.toISOString() });

    const names = get('X-Amz-SignedHeaders')!.split(';');
    const signedHeaders = this.signedHeaders(request, names);
    if ('ok' in signedHeaders) return signedHeaders;
    const { headers } = signedHeaders;
    // The signer adds the auth parameters back itself. The payload hash is UNSIGNED-PAYLOAD, or the
    // URL's X-Amz-Content-Sha256 (the JavaScript SDK's presigner puts it there, and it stays in the query
    // as sent): given to the signer as a header it neither signs nor moves into the query.
    const rest = Object.fromEntries(
      Object.entries(query).filter(([name]) => !PRESIGN_PARAMETERS.includes(name)),
    );
    const presigned = await this.signer.presign(
      this.httpRequest(request, path, rest, {
        ...headers,
        'x-amz-content-sha256': get('X-Amz-Content-Sha256') ?? UNSIGNED_PAYLOAD,
      }),
      {
        signingDate: signingDate!,
        expiresIn,
        signingRegion: this.options.region,
        signingService: this.options.service,
        signableHeaders: new Set(names),
        unsignableHeaders: new Set(['x-amz-content-sha256']),
        unhoistableHeaders: new Set([
          ...names.filter((name) => name.startsWith('x-amz-')),
          'x-amz-content-sha256',
        ]),
      },
    );
    const expected = String(presigned.query?.['X-Amz-Signature'] ?? '');
    if (
      presigned.query?.['X-Amz-SignedHeaders'] !== names.join(';') ||
      !sameText(expected, get('X-Amz-Signature')!)
    ) {
      return reject('bad-signature', 'The request signature does not match.');
    }
    return {
      ok: true,
      payload: { kind: 'unsigned' },
      authQueryParameters: [...PRESIGN_PARAMETERS, 'X-Amz-Content-Sha256'],
    };
  }

  /**
   * The signature of one aws-chunked chunk (STREAMING-AWS4-HMAC-SHA256-PAYLOAD): each chunk signs its
   * data's hash chained to the previous signature, with the request's signing key.
   */
  async chunkSignature(previousSignature: string, signingDate: Date, chunk: Uint8Array): Promise<string> {
    const amzDate = signingDate
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    const scope = `${amzDate.slice(0, 8)}/${this.options.region}/${this.options.service}/aws4_request`;
    const stringToSign = [
      'AWS4-HMAC-SHA256-PAYLOAD',
      amzDate,
      scope,
      previousSignature,
      EMPTY_SHA256,
      createHash('sha256').update(chunk).digest('hex'),
    ].join('\n');
    return this.signer.sign(stringToSign, {
      signingDate,
      signingRegion: this.options.region,
      signingService: this.options.service,
    });
  }
}

export { sameText as signaturesEqual };
