/**
 * asl-validator's check of a state machine definition, as `new StateMachine()` runs it: pure CPU
 * (0.1–0.2 s for a flow's definition), so the server runs it on its validation thread.
 */
import { createRequire } from 'node:module';
import { cloneJson, type JsonObject } from './json.js';

interface AslValidationResult {
  isValid: boolean;
  errorsText: (separator?: string) => string;
}
type AslValidator = (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => AslValidationResult;
// asl-validator is CommonJS without type declarations; load it through require and type it here.
const aslValidator = createRequire(import.meta.url)('asl-validator') as AslValidator;

/** '' for a valid definition, else its errors, one per line after ` - `. */
export function definitionErrors(definition: JsonObject): string {
  // asl-validator mutates its input (it adds QueryLanguage to every state): validate a clone.
  const validation = aslValidator(cloneJson(definition), { checkPaths: true, checkArn: true });
  return validation.isValid ? '' : validation.errorsText('\n - ');
}
