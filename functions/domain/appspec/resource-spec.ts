/**
 * Shared parts of the Lambda and ECS AppSpec validators: the top-level shape, `version`, the single
 * `Resources` entry and the `Hooks` list of function names. Keys match case-insensitively (reference
 * §1.3: the docs write them both lowercase and PascalCase); paths use the key as spelled in the file.
 */
import { INVALID_REVISION, type AppSpecIssue, type PathSegment } from './issues.js';
import type { FunctionHook } from './model.js';
import type { AppSpecSource } from './source.js';

export type PlainObject = Record<string, unknown>;
export type Path = readonly PathSegment[];

/** A key found in a map: the spelling used in the file and its value. */
export interface Field {
  key: string;
  value: unknown;
}

/** Stable codes of the warnings (what CodeDeploy ignores, or cannot be checked before deploying). */
export const Warning = {
  UNKNOWN_KEY: 'UNKNOWN_KEY',
  DUPLICATE_KEY: 'DUPLICATE_KEY',
  NONSTANDARD_KEY_CASE: 'NONSTANDARD_KEY_CASE',
  PLACEHOLDER_VALUE: 'PLACEHOLDER_VALUE',
  HOOK_NOT_A_FUNCTION_NAME: 'HOOK_NOT_A_FUNCTION_NAME',
  NULL_VALUE: 'NULL_VALUE',
  CONTAINER_PORT_ZERO: 'CONTAINER_PORT_ZERO',
  INVALID_TASK_DEFINITION: 'INVALID_TASK_DEFINITION',
  INVALID_CONTAINER_NAME: 'INVALID_CONTAINER_NAME',
} as const;

export interface Findings {
  readonly errors: AppSpecIssue[];
  readonly warnings: AppSpecIssue[];
  error(message: string, path: Path): void;
  warn(code: string, message: string, path: Path): void;
  /** The scalar at `path` as written (`1.0`, `010`), when the source can tell. */
  written(path: Path): string | undefined;
}

export function createFindings(source: AppSpecSource): Findings {
  const errors: AppSpecIssue[] = [];
  const warnings: AppSpecIssue[] = [];
  return {
    errors,
    warnings,
    error: (message, path) => errors.push(source.issue(INVALID_REVISION, message, path)),
    warn: (code, message, path) => warnings.push(source.issue(code, message, path)),
    written: (path) => source.scalar?.(path)?.text,
  };
}

export function isPlainObject(value: unknown): value is PlainObject {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The key `name` in `object`: the exact spelling first, then any spelling that differs only in case. */
export function findKey(object: PlainObject, name: string): Field | undefined {
  const lower = name.toLowerCase();
  const key = Object.hasOwn(object, name) ? name : Object.keys(object).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : { key, value: object[key] };
}

/** `base` extended with the key as spelled in the file, or with its documented spelling when absent. */
export function keyPath(base: Path, field: Field | undefined, name: string): PathSegment[] {
  return [...base, field?.key ?? name];
}

const EC2_SECTIONS = new Set(['os', 'files', 'permissions', 'file_exists_behavior']);

/**
 * Looks up each of `known` in `object` and warns about every other key: unknown keys (CodeDeploy ignores
 * them), a second spelling of a known key, and spellings that are neither the documented PascalCase nor
 * all lowercase. `where` completes "Unknown key X ... is ignored", e.g. `in LoadBalancerInfo`.
 */
export function readKeys<K extends string>(
  f: Findings,
  object: PlainObject,
  known: readonly K[],
  path: Path,
  where: string,
): Partial<Record<K, Field>> {
  const found: Partial<Record<K, Field>> = {};
  const used = new Set<string>();
  for (const name of known) {
    const field = findKey(object, name);
    if (!field) continue;
    found[name] = field;
    used.add(field.key);
    if (field.key === name || field.key === name.toLowerCase()) continue;
    const message = `Key "${field.key}" is read as "${name}" (keys match case-insensitively); write "${name}" as documented.`;
    f.warn(Warning.NONSTANDARD_KEY_CASE, message, [...path, field.key]);
  }
  for (const key of Object.keys(object)) {
    if (used.has(key)) continue;
    const twin = known.find((name) => name.toLowerCase() === key.toLowerCase());
    const ec2 = path.length === 0 && EC2_SECTIONS.has(key.toLowerCase());
    const hint = ec2 ? `${key} is an EC2/On-Premises AppSpec section` : `known keys: ${known.join(', ')}`;
    if (twin === undefined)
      f.warn(Warning.UNKNOWN_KEY, `Unknown key "${key}" ${where} is ignored; ${hint}.`, [...path, key]);
    else {
      const message = `Key "${key}" repeats "${found[twin]?.key ?? twin}" in another case and is ignored; keep one.`;
      f.warn(Warning.DUPLICATE_KEY, message, [...path, key]);
    }
  }
  return found;
}

/** `a string ("x")`, `the number 5`, `a list`, ... for messages. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (null)';
  if (typeof value === 'string')
    return value.trim() === '' ? 'an empty string' : `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `${value} (YAML 1.1 reads unquoted yes/no/on/off as booleans)`;
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'a map';
  if (value instanceof Date) return `the date ${value.toISOString().slice(0, 10)}`;
  return `a ${typeof value === 'object' ? 'YAML collection' : typeof value}`;
}

/**
 * A text value: strings as they are, finite numbers as their text (JSON-style deserialisers coerce
 * them); `undefined` for anything else. Empty means missing.
 */
export function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** The field a path ends at, for messages: `TaskDefinition`, `Subnets[0]`. */
export function fieldName(path: Path): string {
  const last = path.at(-1);
  return typeof last === 'number' ? `${String(path.at(-2) ?? '')}[${last}]` : String(last ?? '');
}

/**
 * A required non-empty text value. Missing, null or blank -> `emptyMessage`; a map, list or boolean ->
 * "must be a string".
 */
export function requiredText(f: Findings, field: Field | undefined, path: Path, emptyMessage: string) {
  const value = field?.value;
  const text = textOf(value);
  if (value === undefined || value === null || text?.trim() === '') f.error(emptyMessage, path);
  else if (text === undefined)
    f.error(`${fieldName(path)} must be a string; found ${describe(value)}.`, path);
  else return text;
  return undefined;
}

const PLACEHOLDER_PATTERNS: readonly RegExp[] = [
  /<[^<>\s][^<>]*>/, // <TASK_DEFINITION>
  /\$\{[^}]*\}/, // ${CONTAINER_NAME}
  /\{\{[^}]*\}\}/, // {{ mustache }} / {{ jinja }}
  /&&[^&\s]+&&/, // &&TASK_DEF&&
  /%[A-Za-z_][A-Za-z0-9_]*%/, // %currentVer%
  /^\[[^\]]+\]$/, // [YOUR_TASK_DEFINITION_ARN]
  /placeholder/i,
  /(^|[^a-z0-9])your([^a-z0-9]|$)/i, // YOUR_Subnet, your-lambda-function-name
  /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/, // TASK_DEFINITION_ARN, LAMBDA_FUNCTION_NAME
];

/** True for values that look like an unfilled template placeholder. */
export function looksLikePlaceholder(text: string): boolean {
  const value = text.trim();
  if (PLACEHOLDER_PATTERNS.some((pattern) => pattern.test(value))) return true;
  // `ARN`, `task-definition-ARN`: the word ARN in something that is not an ARN.
  return /(^|[-_\s])arn([-_\s]|$)/i.test(value) && !value.includes(':');
}

/** Warns when `text` looks like a placeholder; returns whether it did. */
export function warnPlaceholder(f: Findings, text: string, path: Path): boolean {
  if (!looksLikePlaceholder(text)) return false;
  f.warn(
    Warning.PLACEHOLDER_VALUE,
    `${fieldName(path)} ${JSON.stringify(text)} looks like an unfilled template placeholder: replace it before deploying, as CodeDeploy uses the value as written.`,
    path,
  );
  return true;
}

const EMPTY_FILE =
  "The deployment failed because the application specification file was empty. Make sure your AppSpec file defines at minimum the 'version' and 'Resources' properties.";
const WRAPPER =
  'This is not an AppSpec file but a create-deployment input: the AppSpec is the text under revision.appSpecContent.content.';

/** The top level: a map. Undefined (with an error) for an empty file, another shape, or a create-deployment input. */
export function readRoot(f: Findings, value: unknown): PlainObject | undefined {
  const wrapper = (map: PlainObject) =>
    findKey(map, 'Resources') === undefined && ['revision', 'appSpecContent'].some((k) => findKey(map, k));
  if (isPlainObject(value) && !wrapper(value)) return value;
  if (isPlainObject(value)) f.error(WRAPPER, []);
  else if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    f.error(EMPTY_FILE, []);
  } else {
    const found = describe(value);
    f.error(
      `The AppSpec file must be a map with the keys version, Resources and (optionally) Hooks; found ${found}.`,
      [],
    );
  }
  return undefined;
}

/**
 * `version`: the number 0.0 (or 0). The Lambda/ECS docs say "specify version with a string" and JSON
 * users quote it, so the string "0.0" is accepted too (the EC2 agent alone compares numbers).
 */
export function checkVersion(f: Findings, field: Field | undefined): number | undefined {
  const value = field?.value;
  if (value === 0 || value === '0.0') return 0;
  const text = value === null || typeof value === 'object' ? '' : String(value);
  const what = field ? `an invalid version value (${f.written([field.key]) ?? text})` : 'no version value';
  f.error(
    `The deployment failed because ${what} was entered in the application specification file. Make sure your AppSpec file specifies "0.0" as the version, and then try again.`,
    [field?.key ?? 'version'],
  );
  return undefined;
}

/** What the single resource of a platform's AppSpec looks like. */
export interface ResourceKind {
  platform: 'Lambda' | 'ECS';
  type: 'AWS::Lambda::Function' | 'AWS::ECS::Service';
  example: string; // the documented logical name, for messages
  events: readonly string[]; // the events `Hooks` may name, in lifecycle order
}

export interface Resource {
  name: string; // the logical name, e.g. `myLambdaFunction`
  properties?: PlainObject; // when it is a map
  propertiesPath: PathSegment[];
}

const OTHER_TYPES: Record<string, string> = {
  'AWS::Lambda::Function': 'a Lambda AppSpec',
  'AWS::ECS::Service': 'an ECS AppSpec',
};

/**
 * `Resources`: a list of exactly one single-key map, `- <logicalName>: {Type, Properties}`. Reports every
 * problem it finds; returns the resource when its shape allows reading on.
 */
export function readSingleResource(
  f: Findings,
  field: Field | undefined,
  kind: ResourceKind,
): Resource | undefined {
  const path = keyPath([], field, 'Resources');
  const sample = `"- ${kind.example}:" with Type: ${kind.type} and Properties under it`;
  const value = field?.value;
  if (value === undefined || value === null || !Array.isArray(value) || value.length === 0) {
    const found =
      value === undefined || value === null
        ? ''
        : `; found ${Array.isArray(value) ? 'an empty list' : describe(value)}`;
    f.error(
      `Resources is required: a list with exactly one ${kind.platform} resource, ${sample}${found}.`,
      path,
    );
    return undefined;
  }
  if (value.length > 1) {
    const names = value.map((item) => (isPlainObject(item) ? Object.keys(item).join('/') : describe(item)));
    f.error(
      `The target list of both types of deployments must have exactly one item: Resources lists ${value.length} resources (${names.join(', ')}). Only 1 ${kind.platform} resource is supported in a deployment; deploy each one separately.`,
      [...path, 1],
    );
    return undefined;
  }
  const itemPath = [...path, 0];
  const item: unknown = value[0];
  const keys = isPlainObject(item) ? Object.keys(item) : [];
  if (!isPlainObject(item) || keys.length !== 1) {
    const misplaced = keys.filter((k) => ['type', 'properties'].includes(k.toLowerCase()));
    const owner = keys.find((k) => !misplaced.includes(k));
    if (misplaced.length > 0 && owner !== undefined && keys.length - misplaced.length === 1) {
      f.error(
        `${misplaced.join(' and ')} must be indented under the resource's logical name "${owner}", not beside it.`,
        [...itemPath, misplaced[0] ?? 'Type'],
      );
    } else {
      const found = isPlainObject(item) ? `${keys.length} keys` : describe(item);
      f.error(
        `Resources[0] must be a map with one key, the resource's logical name: ${sample}; found ${found}.`,
        itemPath,
      );
    }
    return undefined;
  }
  const name = keys[0] ?? '';
  const resourcePath = [...itemPath, name];
  if (name.trim() === '')
    f.error("The resource's logical name must not be empty (e.g. " + `${kind.example}).`, resourcePath);
  const body = item[name];
  if (!isPlainObject(body)) {
    f.error(
      `${name} must be a map with Type: ${kind.type} and Properties; found ${describe(body)}.`,
      resourcePath,
    );
    return undefined;
  }
  const found = readKeys(f, body, ['Type', 'Properties'], resourcePath, `in resource ${name}`);
  const typePath = keyPath(resourcePath, found.Type, 'Type');
  const type = found.Type?.value;
  if (found.Type === undefined) f.error(`Type is required: set Type: ${kind.type}.`, typePath);
  else if (type !== kind.type) {
    const other = typeof type === 'string' ? OTHER_TYPES[type] : undefined;
    const hint = other ? ` (that makes this ${other}: check the deployment group's compute platform)` : '';
    f.error(`Type must be ${kind.type}; found ${describe(type)}${hint}.`, typePath);
  }
  const propertiesPath = keyPath(resourcePath, found.Properties, 'Properties');
  const properties = found.Properties?.value;
  if (isPlainObject(properties)) return { name, properties, propertiesPath };
  const what = properties === undefined ? 'is required' : `must be a map; found ${describe(properties)}`;
  f.error(
    `Properties ${what}: list the ${kind.platform} resource's properties under ${name}.Properties.`,
    propertiesPath,
  );
  return { name, propertiesPath };
}

const isEc2Script = (value: unknown) =>
  isPlainObject(value) && ['location', 'timeout', 'runas'].some((key) => findKey(value, key) !== undefined);
const isEc2ScriptList = (value: unknown) =>
  isEc2Script(value) || (Array.isArray(value) && value.some(isEc2Script));

/** `Hooks`: optional list of single-key maps `- <Event>: <Lambda function name>`; null means none. */
export function readFunctionHooks(f: Findings, field: Field | undefined, kind: ResourceKind): FunctionHook[] {
  if (field === undefined || field.value === null) return [];
  const path = [field.key];
  const example = `"- ${kind.events.at(-1) ?? ''}: MyHookFunction"`;
  const notScripts = `${kind.platform} hooks are Lambda function names that CodeDeploy invokes, not EC2-style scripts with location, timeout and runas`;
  const value = field.value;
  if (!Array.isArray(value)) {
    const why =
      isPlainObject(value) && Object.values(value).some(isEc2ScriptList)
        ? notScripts
        : `found ${describe(value)}`;
    f.error(`Hooks must be a list of single-key maps such as ${example}: ${why}.`, path);
    return [];
  }
  const hooks: FunctionHook[] = [];
  const seen = new Map<string, number>();
  value.forEach((item: unknown, index) => {
    const keys = isPlainObject(item) ? Object.keys(item) : [];
    const key = keys[0];
    if (!isPlainObject(item) || keys.length !== 1 || key === undefined) {
      const found = isPlainObject(item) ? `${keys.length} keys` : describe(item);
      f.error(`Each hook must be its own list item with one key, such as ${example}; found ${found}.`, [
        ...path,
        index,
      ]);
      return;
    }
    const hookPath = [...path, index, key];
    const event = kind.events.find((name) => name.toLowerCase() === key.toLowerCase());
    if (event === undefined) {
      const events = kind.events.join(', ');
      f.error(
        `The hooks must be one of the ${kind.platform} supported hooks: ${events}; found "${key}".`,
        hookPath,
      );
      return;
    }
    if (key !== event) {
      f.warn(
        Warning.NONSTANDARD_KEY_CASE,
        `Hook "${key}" is read as "${event}"; write "${event}" as documented.`,
        hookPath,
      );
    }
    const hookValue = item[key];
    if (isEc2ScriptList(hookValue)) {
      f.error(`${event} must be the name of a Lambda function: ${notScripts}.`, hookPath);
      return;
    }
    const empty = `Value cannot be empty for hook: ${event}. Give the name of the Lambda function to invoke.`;
    const functionName = requiredText(f, { key, value: hookValue }, hookPath, empty);
    const prior = seen.get(event);
    if (prior !== undefined) {
      f.error(
        `${event} is listed twice (also ${field.key}[${prior}]); each hook runs once per deployment, so list it once.`,
        hookPath,
      );
      return;
    }
    seen.set(event, index);
    if (functionName === undefined) return;
    if (!warnPlaceholder(f, functionName, hookPath) && /[/\\]|\.sh$/i.test(functionName)) {
      f.warn(
        Warning.HOOK_NOT_A_FUNCTION_NAME,
        `${event} "${functionName}" looks like a script path, not a Lambda function name: ${notScripts}.`,
        hookPath,
      );
    }
    hooks.push({ event, functionName });
  });
  return hooks;
}
