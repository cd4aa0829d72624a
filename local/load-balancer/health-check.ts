/**
 * One ALB-style HTTP health check: GET the path on a fresh connection, 200-399 passes. Every probe
 * opens its own connection and closes it afterwards (ALB does the same), so a keep-alive socket never
 * hides a backend that stopped accepting connections.
 */
import { request } from 'node:http';

/** ELBv2's reason codes for a failed check, as DescribeTargetHealth reports them. */
export type HealthCheckFailureReason =
  'Target.ResponseCodeMismatch' | 'Target.Timeout' | 'Target.FailedHealthChecks';

export type ProbeResult = { ok: true } | { ok: false; reason: HealthCheckFailureReason };

export interface ProbeOptions {
  port: number;
  path: string;
  timeoutMs: number;
  /** Aborting settles the probe as failed at once; used when the target is deregistered or the LB stops. */
  signal: AbortSignal;
}

export function probe({ port, path, timeoutMs, signal }: ProbeOptions): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(result);
    };
    const req = request({
      host: '127.0.0.1',
      port,
      path,
      method: 'GET',
      agent: false,
      headers: { 'user-agent': 'ELB-HealthChecker/2.0', connection: 'close' },
    });
    const timer = setTimeout(() => finish({ ok: false, reason: 'Target.Timeout' }), timeoutMs);
    const onAbort = (): void => finish({ ok: false, reason: 'Target.FailedHealthChecks' });
    signal.addEventListener('abort', onAbort);
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      // The body is irrelevant; the verdict is the status line, so settle without reading it.
      res.resume();
      finish(
        status >= 200 && status < 400 ? { ok: true } : { ok: false, reason: 'Target.ResponseCodeMismatch' },
      );
    });
    req.on('error', () => finish({ ok: false, reason: 'Target.FailedHealthChecks' }));
    if (signal.aborted) onAbort();
    else req.end();
  });
}
