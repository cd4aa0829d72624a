/**
 * Quoting for the generated POSIX sh. Every value that comes from an AppSpec, a bundle location or a
 * deployment goes through `shellQuote`; nothing else turns data into script text.
 */
import { isLineSafe } from '../appspec/script-values.js';
import { UnsafeScriptValueError } from './errors.js';

/** Throws when a value cannot travel through the scripts' line-oriented files and shell words. */
export function assertSafeValue(value: string, what: string): string {
  if (!isLineSafe(value)) {
    throw new UnsafeScriptValueError(
      `${what} contains a newline, carriage return or NUL character, which an instance script cannot carry safely: ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/**
 * One shell word with exactly the value's characters: single quotes, with each `'` written as
 * `'\''`. Inside single quotes the shell expands nothing, so `$(...)`, backquotes and globs stay text.
 */
export function shellQuote(value: string, what = 'A script value'): string {
  assertSafeValue(value, what);
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * Quotes constant program text written in this module (awk programs), which may span lines. Never
 * use it for data: data goes through `shellQuote`.
 */
export function quoteProgram(program: string): string {
  return `'${program.replaceAll("'", `'\\''`)}'`;
}

/**
 * The tag for sh fragments: raw text (backslashes stay as written), with `$\{` standing for the
 * shell's `${` so that it cannot be mistaken for a template interpolation. Interpolated values must
 * already be shell words (from `shellQuote`) or other fragments.
 */
export function sh(strings: TemplateStringsArray, ...values: string[]): string {
  const raw = strings.raw.map((part) => part.replaceAll('$\\{', '${'));
  return String.raw({ raw }, ...values);
}
