/**
 * The validation thread: validates what it is sent, one request at a time, so that a huge AppSpec or
 * a state machine's definition never holds up the event loop that serves the API (started by
 * ValidationThread).
 */
import { parentPort } from 'node:worker_threads';
import { validateAppSpec } from '../../functions/domain/appspec/index.js';
import { definitionErrors } from '../engine/definition-validation.js';
import type { ValidationRequest, ValidationResponse } from './validation-thread.js';

const port = parentPort;
if (!port) throw new Error('validation-worker.ts runs in a worker thread started by ValidationThread.');

port.on('message', (request: ValidationRequest) => {
  const { id } = request;
  let response: ValidationResponse;
  try {
    response =
      request.kind === 'appspec'
        ? { id, verdict: validateAppSpec(request.text, request.options) }
        : { id, definitionErrors: request.definitions.map(definitionErrors) };
  } catch (error) {
    response = { id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(response);
});
