/**
 * Shared plumbing for the Server (EC2/On-Premises) AppSpec validator: where issues are collected,
 * and how the Ruby agent turns YAML values into text (`#{}`, `inspect`, `to_i`), so that messages
 * show values exactly as the agent would.
 */
import { formatPath, INVALID_REVISION, type AppSpecIssue, type PathSegment } from './issues.js';
import type { AppSpecSource } from './source.js';

export type Path = readonly PathSegment[];

export class Collector {
  readonly errors: AppSpecIssue[] = [];
  readonly warnings: AppSpecIssue[] = [];

  constructor(readonly source: AppSpecSource) {}

  error(message: string, path: Path): void {
    this.errors.push(this.source.issue(INVALID_REVISION, message, path));
  }

  warn(code: string, message: string, path: Path): void {
    this.warnings.push(this.source.issue(code, message, path));
  }

  /** Ruby's `"#{value}"` of the value at `path`. */
  display(value: unknown, path: Path): string {
    return rubyToS(value, (sub) => this.source.scalar?.([...path, ...sub]));
  }

  /**
   * A value of a type the agent cannot handle (it fails with an internal NoMethodError/TypeError
   * rather than a message of its own): an error in our words.
   */
  shape(value: unknown, path: Path, expected: string): void {
    const section = typeof path[0] === 'string' ? path[0] : 'top level';
    this.error(
      `The deployment failed because ${formatPath(path) || 'the document'} in the application specification file is ${describe(value)}, but it must be ${expected}. Update the ${section} section of the AppSpec file, and then try again.`,
      path,
    );
  }
}

export type Mapping = Record<string, unknown>;

/**
 * Where the `yaml` package's YAML 1.1 schema and Ruby's Psych disagree on a plain scalar, gives the
 * value Psych gives: `.` (a NaN here), `1e3` and `1.5e3` (numbers here) are strings to Psych, and so
 * is `0789` (789 here), which is neither octal nor decimal. Returns a copy; the source value is not
 * changed.
 */
export function asPsychLoads(value: unknown, source: AppSpecSource, path: Path = []): unknown {
  if (Array.isArray(value)) return value.map((item: unknown, i) => asPsychLoads(item, source, [...path, i]));
  if (isMapping(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, asPsychLoads(item, source, [...path, key])]),
    );
  }
  if (typeof value !== 'number') return value;
  const scalar = source.scalar?.(path);
  if (!scalar || scalar.quoted) return value;
  const text = scalar.text.trim();
  // Psych's float needs a '.' and a signed exponent (YAML 1.1): `1e3` and `1.5e3` stay strings.
  const psychFloat = /^[-+]?([0-9][0-9_,]*)?\.[0-9]*([eE][-+][0-9]+)?$/;
  const psychString =
    /^[-+]?\.$/.test(text) ||
    (/^[-+]?[0-9._]*[eE]/.test(text) && !psychFloat.test(text)) ||
    /^[-+]?0[0-9_]*[89][0-9_]*$/.test(text);
  return psychString ? text : value;
}

export function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** `value || []` followed by `.each`: nil/false mean "none", an empty mapping iterates nothing. */
export function asList(value: unknown): unknown[] | undefined {
  if (value === null || value === undefined || value === false) return [];
  if (Array.isArray(value)) return value;
  if (isMapping(value) && Object.keys(value).length === 0) return [];
  return undefined;
}

export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (isMapping(value)) return 'a mapping';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return 'a value of an unsupported type';
}

type Scalar = { text: string; quoted: boolean } | undefined;
/** The scalar as written at a path relative to the value being shown. */
export type ScalarAt = (path: Path) => Scalar;

/** Ruby's `to_s` (what `"#{value}"` prints), using the scalar's source text to tell 1.0 from 1. */
export function rubyToS(value: unknown, scalarAt?: ScalarAt): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    const scalar = scalarAt?.([]);
    const writtenAsFloat = scalar !== undefined && !scalar.quoted && isFloatText(scalar.text);
    return writtenAsFloat || !Number.isInteger(value) ? rubyFloat(value) : String(value);
  }
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return scalarAt?.([])?.text ?? value.toISOString();
  if (Array.isArray(value) || isMapping(value)) return rubyInspect(value, scalarAt);
  return String(value);
}

/**
 * Ruby's `inspect`, with the `{"k"=>v}` hash style of Ruby before 3.4 (the agent runs on the
 * distribution's Ruby: 2.x/3.x on Amazon Linux 2 and 2023).
 */
export function rubyInspect(value: unknown, scalarAt?: ScalarAt): string {
  const at = (segment: PathSegment): ScalarAt | undefined =>
    scalarAt && ((sub) => scalarAt([segment, ...sub]));
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') return inspectString(value);
  if (Array.isArray(value))
    return `[${value.map((item: unknown, i) => rubyInspect(item, at(i))).join(', ')}]`;
  if (isMapping(value)) {
    const pairs = Object.entries(value).map(
      ([key, item]) => `${inspectString(key)}=>${rubyInspect(item, at(key))}`,
    );
    return `{${pairs.join(', ')}}`;
  }
  return rubyToS(value, scalarAt);
}

function inspectString(text: string): string {
  return JSON.stringify(text).replace(/#(?=[{$@])/g, '\\#');
}

function isFloatText(text: string): boolean {
  const t = text.trim().toLowerCase();
  if (/^[-+]?0x/.test(t)) return false;
  return t.includes('.') || /^[-+]?[0-9_]+e[-+]?[0-9]+$/.test(t);
}

/** Ruby's `Float#to_s`: `1.0`, `1.5`, `1.0e+16`, `1.0e-05`. */
export function rubyFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [mantissa = '', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    const [whole = '', fraction = '0'] = mantissa.split('.');
    const sign = exponent < 0 ? '-' : '+';
    return `${whole}.${fraction}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  const fixed = String(value);
  return fixed.includes('.') ? fixed : `${fixed}.0`;
}

/**
 * Ruby's `to_i` on what YAML can give: integers as they are, floats truncated, strings by their
 * leading integer (`"30s"` -> 30, `"foo"` -> 0), nil -> 0. Undefined where Ruby has no `to_i`
 * (true/false, lists, mappings) or raises (NaN, Infinity).
 */
export function rubyToI(value: unknown): number | undefined {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) + 0 : undefined;
  if (typeof value === 'string') {
    const match = /^[ \t\n\v\f\r]*([-+]?[0-9]+(?:_[0-9]+)*)/.exec(value);
    return match?.[1] === undefined ? 0 : Number(match[1].replace(/_/g, '')) + 0;
  }
  return undefined;
}

/** The closest candidate by edit distance (case-insensitive), if it is close enough to be a typo. */
export function didYouMean(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (best === undefined || distance < best.distance) best = { candidate, distance };
  }
  if (best === undefined) return undefined;
  const limit = Math.min(3, Math.max(1, Math.floor(best.candidate.length / 4)));
  return best.distance <= limit ? best.candidate : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Warns about keys the agent never reads (it only looks keys up), with a hint where we have one. */
export function warnUnknownKeys(
  collector: Collector,
  map: Mapping,
  path: Path,
  known: readonly string[],
  where: string,
  hints: Readonly<Record<string, string>> = {},
): void {
  for (const key of Object.keys(map)) {
    if (known.includes(key)) continue;
    const suggestion = didYouMean(key, known);
    const caseOnly = suggestion?.toLowerCase() === key.toLowerCase() ? ' Keys are case-sensitive.' : '';
    const hint =
      (Object.hasOwn(hints, key) ? hints[key] : undefined) ??
      (suggestion !== undefined ? `Did you mean '${suggestion}'?${caseOnly}` : '');
    collector.warn(
      'UNKNOWN_KEY',
      `Unknown key '${key}' in ${where}: the CodeDeploy agent ignores it.${hint === '' ? '' : ` ${hint}`}`,
      [...path, key],
    );
  }
}
