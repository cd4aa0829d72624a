import { request } from 'node:http';

/** Counts of requests sent through the load balancer. */
export interface LoadCounts {
  served: number;
  failed: number;
}

/**
 * Sends GET requests to a URL from a few concurrent loops until stopped: a served request is a 2xx,
 * anything else (a 5xx, a reset, a refused connection) is a failure. Bounded by `stop()`, and by the
 * demo's own end; it only ever targets 127.0.0.1.
 */
export class LoadGenerator {
  private running = false;
  private loops: Array<Promise<void>> = [];
  private readonly totals: LoadCounts = { served: 0, failed: 0 };
  /** Served requests by the version that answered (its `x-version` header; the ECS example sends it). */
  private readonly versions = new Map<string, number>();

  constructor(
    private readonly url: string,
    private readonly options: { concurrency: number; pauseMs?: number } = { concurrency: 2 },
  ) {
    if (!/^http:\/\/127\.0\.0\.1:\d+/.test(url)) throw new Error('the load generator only targets 127.0.0.1');
  }

  start(): void {
    this.running = true;
    this.loops = Array.from({ length: this.options.concurrency }, () => this.loop());
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  counts(): LoadCounts {
    return { ...this.totals };
  }

  /** Served requests so far, by the version that answered them. */
  servedByVersion(): Record<string, number> {
    return Object.fromEntries(this.versions);
  }

  /** The body of one request, to show what the load balancer serves now. */
  async sample(): Promise<string> {
    const result = await get(this.url);
    return result.ok ? result.body.trim() : `error (${result.status})`;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const result = await get(this.url);
      if (result.ok) {
        this.totals.served++;
        if (result.version) this.versions.set(result.version, (this.versions.get(result.version) ?? 0) + 1);
      } else this.totals.failed++;
      await new Promise((resolve) => setTimeout(resolve, this.options.pauseMs ?? 10));
    }
  }
}

function get(url: string): Promise<{ ok: boolean; status: number; body: string; version?: string }> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', agent: false, timeout: 5000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        const version = response.headers['x-version'];
        resolve({
          ok: status >= 200 && status < 300,
          status,
          body,
          ...(typeof version === 'string' ? { version } : {}),
        });
      });
      response.on('error', () => resolve({ ok: false, status: 0, body: '' }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ ok: false, status: 0, body: '' }));
    req.end();
  });
}
