/**
 * Validation on a worker thread, for the embedded runtime: Prepare's AppSpecs and each flow's state
 * machine definitions before its first deployment. Both cost CPU (a 1 MiB AppSpec, tens of thousands
 * of keys; asl-validator, 0.2–0.4 s a flow), and on the server's main thread that time would stall
 * every API request and load balancer meanwhile. The thread starts on first use and never keeps the
 * process alive by itself.
 */
import type { Worker } from 'node:worker_threads';
import type { AppSpecVerdict, Platform } from '../../functions/domain/appspec/index.js';
import type { AppSpecValidator } from '../../functions/steps/deps.js';
import type { JsonObject } from '../engine/json.js';
import type { DefinitionValidator } from '../engine/engine.js';
import { startWorker } from './worker-entry.js';

export type ValidationRequest =
  | { id: number; kind: 'appspec'; text: string; options?: { platform?: Platform } }
  | { id: number; kind: 'definitions'; definitions: JsonObject[] };

export type ValidationResponse =
  | { id: number; verdict: AppSpecVerdict }
  | { id: number; definitionErrors: string[] }
  | { id: number; error: string };

type Answer = AppSpecVerdict | string[];

export class ValidationThread implements AppSpecValidator {
  private worker?: Worker;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (answer: Answer) => void; reject: (error: Error) => void }
  >();

  validate(text: string, options?: { platform?: Platform }): Promise<AppSpecVerdict> {
    return this.ask({ kind: 'appspec', text, ...(options ? { options } : {}) }) as Promise<AppSpecVerdict>;
  }

  /** asl-validator's verdict on each definition: '' when valid, else its errors, one per line. */
  readonly validateDefinitions: DefinitionValidator = (definitions) =>
    this.ask({ kind: 'definitions', definitions }) as Promise<string[]>;

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.fail(new Error('The validation thread was closed.'));
    await worker?.terminate();
  }

  private ask(request: DistributiveOmit<ValidationRequest, 'id'>): Promise<Answer> {
    const worker = this.started();
    const id = this.nextId++;
    return new Promise<Answer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Alive while a caller waits for an answer, and no longer.
      worker.ref();
      worker.postMessage({ ...request, id } as ValidationRequest);
    });
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker(import.meta.url, './validation-worker');
    worker.unref();
    worker.on('message', (response: ValidationResponse) => {
      const waiting = this.pending.get(response.id);
      if (!waiting) return;
      this.pending.delete(response.id);
      if (this.pending.size === 0) worker.unref();
      if ('verdict' in response) waiting.resolve(response.verdict);
      else if ('definitionErrors' in response) waiting.resolve(response.definitionErrors);
      else waiting.reject(new Error(response.error));
    });
    const ended = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      this.fail(error);
    };
    worker.on('error', ended);
    worker.on('exit', (code) => ended(new Error(`The validation thread ended (exit code ${code}).`)));
    this.worker = worker;
    return worker;
  }

  private fail(error: Error): void {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
