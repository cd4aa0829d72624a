import { fileURLToPath } from 'node:url';
import type { EmbeddedEngine, EngineEvent } from '../../../local/engine/index.js';

/** Absolute path of a fixture state machine. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

/** Collects every event the engine emits. */
export function recordEvents(engine: EmbeddedEngine): EngineEvent[] {
  const events: EngineEvent[] = [];
  engine.subscribe((event) => events.push(event));
  return events;
}

/** Reads a string field of a handler payload, failing the test clearly if it is missing. */
export function field(payload: unknown, name: string): string {
  const value =
    typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>)[name] : undefined;
  if (typeof value !== 'string')
    throw new Error(`payload has no string field ${name}: ${JSON.stringify(payload)}`);
  return value;
}

/** An error with a name, as step code throws them for ASL Retry/Catch. */
export function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Real-time pause, for simulated background work. */
export function realDelay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
