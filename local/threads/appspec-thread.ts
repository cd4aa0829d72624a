/**
 * AppSpec validation on a worker thread, for the embedded runtime's Prepare steps: validating a
 * document costs CPU in proportion to its size (a 1 MiB AppSpec, tens of thousands of keys), and on
 * the server's main thread that time would stall every API request meanwhile. The thread starts on
 * first use and never keeps the process alive by itself.
 */
import type { Worker } from 'node:worker_threads';
import type { AppSpecVerdict, Platform } from '../../functions/domain/appspec/index.js';
import type { AppSpecValidator } from '../../functions/steps/deps.js';
import { startWorker } from './worker-entry.js';

export interface AppSpecRequest {
  id: number;
  text: string;
  options?: { platform?: Platform };
}

export type AppSpecResponse = { id: number; verdict: AppSpecVerdict } | { id: number; error: string };

export class AppSpecThread implements AppSpecValidator {
  private worker?: Worker;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (verdict: AppSpecVerdict) => void; reject: (error: Error) => void }
  >();

  validate(text: string, options?: { platform?: Platform }): Promise<AppSpecVerdict> {
    const worker = this.started();
    const id = this.nextId++;
    return new Promise<AppSpecVerdict>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Alive while a caller waits for an answer, and no longer.
      worker.ref();
      worker.postMessage({ id, text, ...(options ? { options } : {}) } satisfies AppSpecRequest);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.fail(new Error('The AppSpec validator was closed.'));
    await worker?.terminate();
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker(import.meta.url, './appspec-worker');
    worker.unref();
    worker.on('message', (response: AppSpecResponse) => {
      const waiting = this.pending.get(response.id);
      if (!waiting) return;
      this.pending.delete(response.id);
      if (this.pending.size === 0) worker.unref();
      if ('verdict' in response) waiting.resolve(response.verdict);
      else waiting.reject(new Error(response.error));
    });
    const ended = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      this.fail(error);
    };
    worker.on('error', ended);
    worker.on('exit', (code) =>
      ended(new Error(`The AppSpec validator's thread ended (exit code ${code}).`)),
    );
    this.worker = worker;
    return worker;
  }

  private fail(error: Error): void {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }
}
