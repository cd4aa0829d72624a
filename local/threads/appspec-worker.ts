/**
 * The AppSpec validator's thread: validates what it is sent, one document at a time, so that a huge
 * AppSpec never holds up the event loop that serves the API (started by AppSpecThread).
 */
import { parentPort } from 'node:worker_threads';
import { validateAppSpec } from '../../functions/domain/appspec/index.js';
import type { AppSpecRequest, AppSpecResponse } from './appspec-thread.js';

const port = parentPort;
if (!port) throw new Error('appspec-worker.ts runs in a worker thread started by AppSpecThread.');

port.on('message', ({ id, text, options }: AppSpecRequest) => {
  let response: AppSpecResponse;
  try {
    response = { id, verdict: validateAppSpec(text, options) };
  } catch (error) {
    response = { id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(response);
});
