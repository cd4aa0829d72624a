/**
 * Forwarding of one request to one target, with ALB's semantics: bodies stream both ways, hop-by-hop
 * headers stop here, X-Forwarded-* are added, and a target that cannot be reached (refused, reset
 * before answering) gets the client a 502 at once. ALB never retries a request on another target,
 * so neither do we: a local run must show the errors a deployment would cause on AWS.
 */
import {
  request,
  type Agent,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import type { TargetLease } from './target-group.js';

/** RFC 9110 §7.6.1 plus the de-facto ones; they describe one connection, not the message. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Node's server already answered `100 Continue` to the client; the target must not be asked again. */
const REQUEST_ONLY_HOP = new Set(['expect']);

/** Drops the hop-by-hop headers, including any the Connection header names. */
export function endToEndHeaders(
  headers: IncomingHttpHeaders,
  extraDropped = new Set<string>(),
): OutgoingHttpHeaders {
  const named = (headers.connection ?? '')
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== '');
  const dropped = new Set([...HOP_BY_HOP, ...named, ...extraDropped]);
  const kept: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !dropped.has(name)) kept[name] = value;
  }
  return kept;
}

/** ALB appends the client address to X-Forwarded-For and sets the protocol and port it received on. */
export function forwardedHeaders(req: IncomingMessage, listenerPort: number): OutgoingHttpHeaders {
  const client = req.socket.remoteAddress ?? '';
  const previous = req.headers['x-forwarded-for'];
  return {
    'x-forwarded-for': previous ? `${previous}, ${client}` : client,
    'x-forwarded-proto': 'http',
    'x-forwarded-port': String(listenerPort),
  };
}

const REASONS: Record<number, string> = { 502: 'Bad Gateway', 503: 'Service Temporarily Unavailable' };

/** The load balancer's own error page, shaped like ALB's (which also says `Server: awselb/2.0`). */
export function answerError(res: ServerResponse, status: 502 | 503): void {
  const title = `${status} ${REASONS[status] ?? ''}`;
  const body = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`;
  res.writeHead(status, {
    server: 'awselb/2.0',
    'content-type': 'text/html',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

export interface ForwardOutcome {
  /** The status the client received; undefined when it went away first. */
  status?: number;
  generatedByLoadBalancer: boolean;
  targetConnectionError: boolean;
}

export interface ForwardOptions {
  req: IncomingMessage;
  res: ServerResponse;
  port: number;
  agent: Agent;
  listenerPort: number;
  lease: TargetLease;
  /** Called once, when the exchange with the client is over for whatever reason. */
  onEnd(outcome: ForwardOutcome): void;
}

export function forward({ req, res, port, agent, listenerPort, lease, onEnd }: ForwardOptions): void {
  let generatedByLoadBalancer = false;
  let targetConnectionError = false;
  let cutByDeregistration = false;

  const upstream = request({
    host: '127.0.0.1',
    port,
    method: req.method,
    path: req.url,
    headers: { ...endToEndHeaders(req.headers, REQUEST_ONLY_HOP), ...forwardedHeaders(req, listenerPort) },
    agent,
  });

  // The deregistration delay elapsed with this request still running: the connection is cut, as on ELB.
  lease.onAbort(() => {
    cutByDeregistration = true;
    upstream.destroy();
  });

  upstream.on('response', (upstreamRes) => {
    if (res.destroyed) {
      upstreamRes.destroy();
      return;
    }
    res.writeHead(
      upstreamRes.statusCode ?? 502,
      upstreamRes.statusMessage,
      endToEndHeaders(upstreamRes.headers),
    );
    upstreamRes.pipe(res);
    // A target dying mid-body: the client must see a broken response, not a short one that looks whole.
    upstreamRes.on('error', () => res.destroy());
    upstreamRes.on('close', () => {
      if (!upstreamRes.complete) res.destroy();
    });
  });

  upstream.on('error', () => {
    if (res.destroyed || res.writableEnded) return;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    generatedByLoadBalancer = true;
    targetConnectionError = !cutByDeregistration;
    answerError(res, 502);
  });

  req.on('error', () => upstream.destroy());
  res.once('close', () => {
    // The client left or the response broke: stop the target's work too.
    if (!res.writableFinished) upstream.destroy();
    lease.release();
    onEnd({
      status: res.headersSent ? res.statusCode : undefined,
      generatedByLoadBalancer,
      targetConnectionError,
    });
  });

  req.pipe(upstream);
}
