/**
 * Reading the diagnostics line an event script prints: the agent's JSON
 * `{"error_code":int,"script_name":str,"message":str,"log":str}` (reference §2.4), mapped to the
 * API's `Diagnostics` fields.
 */
import type { LifecycleErrorCode } from '../status.js';

export interface LifecycleDiagnostics {
  errorCode: LifecycleErrorCode;
  scriptName: string;
  message: string;
  logTail: string;
}

/**
 * Agent ScriptError codes -> `LifecycleErrorCode`. 6 (outputs left open) and 7 (failed after an agent
 * restart) are not in the API enum; they become UnknownError (reference §2.4 [inferred]).
 */
const AGENT_CODES: Record<number, LifecycleErrorCode> = {
  0: 'Success',
  1: 'ScriptMissing',
  2: 'ScriptNotExecutable',
  3: 'ScriptTimedOut',
  4: 'ScriptFailed',
  5: 'UnknownError',
  6: 'UnknownError',
  7: 'UnknownError',
};

/** The agent's tail size, used for the unreadable-output case too. */
export const LOG_TAIL_BYTES = 2048;

function lastBytes(text: string, bytes: number): string {
  const encoded = new TextEncoder().encode(text);
  if (encoded.length <= bytes) return text;
  // Decoding from a cut in the middle of a character only loses that character.
  return new TextDecoder().decode(encoded.subarray(encoded.length - bytes)).replace(/^\uFFFD/, '');
}

function unreadable(stdout: string, reason: string): LifecycleDiagnostics {
  return {
    errorCode: 'UnknownError',
    scriptName: '',
    message: `The lifecycle event script did not report its result: ${reason}`,
    logTail: lastBytes(stdout, LOG_TAIL_BYTES),
  };
}

/** Reads the last non-empty line of a script's standard output. */
export function parseDiagnostics(stdout: string): LifecycleDiagnostics {
  const line = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .pop();
  if (line === undefined) return unreadable(stdout, 'its output has no diagnostics line.');
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return unreadable(stdout, 'its last output line is not JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return unreadable(stdout, 'its last output line is not a diagnostics object.');
  }
  const record = value as Record<string, unknown>;
  const code = record.error_code;
  const errorCode = typeof code === 'number' && Number.isInteger(code) ? AGENT_CODES[code] : undefined;
  if (errorCode === undefined)
    return unreadable(stdout, `its error_code ${JSON.stringify(code)} is not an agent code.`);
  const text = (key: string) => (typeof record[key] === 'string' ? (record[key] as string) : '');
  return { errorCode, scriptName: text('script_name'), message: text('message'), logTail: text('log') };
}
