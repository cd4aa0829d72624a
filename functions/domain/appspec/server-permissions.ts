/**
 * The `permissions` section of a Server AppSpec, validated as the Linux agent parses it
 * (application_specification.rb `parse_permissions`, linux_permission_info.rb, mode_info.rb,
 * ace_info.rb, context_info.rb, range_info.rb; reference §1.2.4). Install-time checks (a pattern or
 * except list on an object that turns out to be a file, default ACEs on files) need the bundle and
 * are not made here.
 */
import type { SelinuxContext, ServerPermissionSpec } from './model.js';
import { readAce } from './acl-entry.js';
import {
  ACCOUNT_NAME_RULE,
  isAccountName,
  isLineSafe,
  isSelinuxWord,
  LINE_BREAK_OR_NUL_PROBLEM,
  SELINUX_WORD_RULE,
} from './script-values.js';
import {
  asList,
  isMapping,
  rubyInspect,
  warnUnknownKeys,
  type Collector,
  type Mapping,
  type Path,
} from './server-support.js';

export const PERMISSIONS_ON_WINDOWS =
  'The deployment failed because the application specification file specifiles file permissions, but the deployment is targeting one or more Windows Server instances. Permissions are supported only for Amazon Linux, Ubuntu Server, and Red Hat Enterprise Linux (RHEL) instances. Update the permissions section of the AppSpec file, and then try again.';
const NO_OBJECT =
  'The deployment failed because a permission listed in the application specification file has no object value. Update the permissions section of the AppSpec file, and then try again.';

const PERMISSION_KEYS = ['object', 'pattern', 'except', 'owner', 'group', 'mode', 'acls', 'context', 'type'];
const CONTEXT_KEYS = ['name', 'type', 'range'];
const CONTEXT_HINTS = {
  user: "The agent reads the SELinux user from 'name'; the documentation's 'user' key is ignored.",
  role: 'The agent does not support SELinux roles.',
};
const TYPES = ['file', 'directory'] as const;
type ObjectType = (typeof TYPES)[number];

/** `os` is the AppSpec's own value: the Windows rule follows what the file says it targets. */
export function validatePermissions(c: Collector, value: unknown, os: unknown): ServerPermissionSpec[] {
  const list = asList(value);
  if (list === undefined) {
    c.shape(value, ['permissions'], 'a list of permission entries');
    return [];
  }
  if (os === 'windows' && list.length > 0) c.error(PERMISSIONS_ON_WINDOWS, ['permissions']);
  const permissions: ServerPermissionSpec[] = [];
  list.forEach((entry, index) => {
    const path = ['permissions', index];
    if (!isMapping(entry)) {
      c.shape(entry, path, 'a mapping with an object key');
      return;
    }
    warnUnknownKeys(c, entry, path, PERMISSION_KEYS, 'a permissions entry');
    if (entry.object === null || entry.object === undefined) c.error(NO_OBJECT, [...path, 'object']);
    // On Windows the agent stops at the Windows error and never reads the other fields.
    const permission = os === 'windows' ? undefined : linuxPermission(c, entry, path);
    if (permission) permissions.push(permission);
  });
  return permissions;
}

function linuxPermission(c: Collector, entry: Mapping, path: Path): ServerPermissionSpec | undefined {
  const before = c.errors.length;
  // `object.to_s.strip`, then LinuxPermissionInfo rejects an empty object (nil is reported above).
  const object = text(c, entry.object, [...path, 'object'])?.trim();
  if (object === '') c.error(NO_OBJECT, [...path, 'object']);
  const pattern =
    entry.pattern === null || entry.pattern === undefined || entry.pattern === '**'
      ? '**'
      : text(c, entry.pattern, [...path, 'pattern']);
  const except = stringList(c, entry.except, [...path, 'except'], 'a list of glob strings');
  // Globs other than `**` are matched against the names of the object's immediate children only.
  if (pattern !== undefined && pattern !== '**' && pattern.includes('/')) {
    c.warn(
      'PATTERN_NEVER_MATCHES',
      `The pattern ${pattern} contains '/', but a pattern other than ** is matched against the names of the object's immediate children only, so it never matches anything.`,
      [...path, 'pattern'],
    );
  }
  except?.forEach((glob, i) => {
    if (!glob.includes('/')) return;
    c.warn(
      'EXCEPT_NEVER_MATCHES',
      `The except entry ${glob} contains '/', but except globs are matched against the names of the object's immediate children only, so it never matches anything.`,
      [...path, 'except', i],
    );
  });
  const type = typeList(c, entry.type, [...path, 'type']);
  const owner = accountName(c, text(c, entry.owner, [...path, 'owner']), [...path, 'owner'], 'owner');
  const group = accountName(c, text(c, entry.group, [...path, 'group']), [...path, 'group'], 'group');
  if (object !== undefined) lineSafe(c, object, [...path, 'object'], 'object');
  if (pattern !== undefined) lineSafe(c, pattern, [...path, 'pattern'], 'pattern');
  except?.forEach((glob, i) => lineSafe(c, glob, [...path, 'except', i], 'except glob'));
  const mode =
    entry.mode === null || entry.mode === undefined ? undefined : checkMode(c, entry.mode, [...path, 'mode']);
  const acls = checkAcls(c, entry.acls, [...path, 'acls']);
  const context = checkContext(c, entry.context, [...path, 'context']);
  if (c.errors.length > before || object === undefined || pattern === undefined) return undefined;
  return {
    object,
    pattern,
    except: except ?? [],
    ...(owner !== undefined ? { owner } : {}),
    ...(group !== undefined ? { group } : {}),
    ...(mode !== undefined ? { mode } : {}),
    ...(acls !== undefined ? { acls } : {}),
    ...(context !== undefined ? { context } : {}),
    type: type ?? [...TYPES],
  };
}

const CORRECT_PERMISSIONS = 'Correct the permissions section of the AppSpec file, and then try again.';

/** A value for the instance scripts' files and shell words: stricter than the agent, which takes any. */
function lineSafe(c: Collector, value: string, path: Path, what: string): boolean {
  if (isLineSafe(value)) return true;
  c.error(
    `The permissions ${what} ${JSON.stringify(value)} ${LINE_BREAK_OR_NUL_PROBLEM}. ${CORRECT_PERMISSIONS}`,
    path,
  );
  return false;
}

/**
 * An owner or group for chown. The agent takes any string and fails at Install when the instance has
 * no such user; stepdeploy refuses at once what cannot be a name (`root;touch x`, `$(id)`).
 */
function accountName(c: Collector, value: string | undefined, path: Path, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (isAccountName(value)) return value;
  c.error(
    `The permissions ${what} ${JSON.stringify(value)} is not a name stepdeploy accepts: it must be ${ACCOUNT_NAME_RULE}. ${CORRECT_PERMISSIONS}`,
    path,
  );
  return undefined;
}

/** A scalar as the agent's string; undefined for nil, an error for lists and mappings. */
function text(c: Collector, value: unknown, path: Path): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value) || isMapping(value)) {
    c.shape(value, path, 'a string');
    return undefined;
  }
  return c.display(value, path);
}

function stringList(c: Collector, value: unknown, path: Path, expected: string): string[] | undefined {
  const list = asList(value);
  if (list === undefined) {
    c.shape(value, path, expected);
    return undefined;
  }
  return list.flatMap((item, i) => {
    if (typeof item === 'string') return [item];
    c.shape(item, [...path, i], 'a string');
    return [];
  });
}

function typeList(c: Collector, value: unknown, path: Path): ObjectType[] | undefined {
  if (value === null || value === undefined || value === false) return undefined;
  if (!Array.isArray(value)) {
    c.shape(value, path, 'a list of object types (file, directory)');
    return undefined;
  }
  return value.flatMap((item: unknown, i) => {
    if (item === 'file' || item === 'directory') return [item];
    c.error(
      `The deployment failed because the application specification filespecifies a permission for an object type not supported for permissions (${c.display(item, [...path, i])}). Update the permissions section of the AppSpec file, and then try again.`,
      [...path, i],
    );
    return [];
  });
}

/** ModeInfo: `to_s`, left-padded with 0 to three characters, at most four octal digits. */
function checkMode(c: Collector, value: unknown, path: Path): string | undefined {
  const mode = c.display(value, path).padStart(3, '0');
  const scalar = c.source.scalar?.(path);
  const written = scalar && !scalar.quoted ? scalar.text.trim() : '';
  // `0644` is the octal 420: say so whenever the digits the agent sees differ from the digits written.
  if (
    typeof value === 'number' &&
    /^0[0-7]+$/.test(written) &&
    written.replace(/^0+/, '').padStart(3, '0') !== mode
  ) {
    const outcome = /^[0-7]{3,4}$/.test(mode)
      ? `, i.e. mode ${mode.padStart(4, '0')} instead of ${written.padStart(4, '0')}`
      : ', which is not a valid mode';
    c.warn(
      'MODE_PARSED_AS_OCTAL',
      `The mode ${written} is written unquoted with a leading 0, so YAML 1.1 reads it as an octal number and the agent receives ${mode}${outcome}. Quote it ("${written}") or drop the leading 0 (${written.replace(/^0+(?=.)/, '')}).`,
      path,
    );
  }
  if (mode.length > 4) {
    c.error(
      `The deployment failed because the length of a permissions mode (${mode}) in the application specification file is invalid. Permissions modes must be between one and four characters long. Update the permissions section of the AppSpec file, and then try again.`,
      path,
    );
    return undefined;
  }
  const bad = [...mode].find((char) => char < '0' || char > '7');
  if (bad !== undefined) {
    c.error(
      `The deployment failed because the permissions mode (${mode}) in the application specification file contains an invalid character (${bad}). Update the permissions section of the AppSpec file, and then try again.`,
      path,
    );
    return undefined;
  }
  return mode;
}

function checkAcls(c: Collector, value: unknown, path: Path): string[] | undefined {
  if (value === null || value === undefined) return undefined;
  if (!Array.isArray(value)) {
    c.shape(value, path, 'a list of ACL entries');
    return undefined;
  }
  return value.map((item: unknown, i) => {
    const ace = c.display(item, [...path, i]);
    const problem = typeof item === 'string' ? (aceError(ace) ?? aceNameError(ace)) : invalidAce(ace);
    if (problem !== undefined) c.error(problem, [...path, i]);
    return ace;
  });
}

/**
 * The whole ACL is one setfacl argument, so a name with `,`, `;` or a space would add entries or
 * break the command: stricter than the agent, a name must be a user or group name.
 */
function aceNameError(ace: string): string | undefined {
  const reading = readAce(ace);
  if (!('ace' in reading) || reading.ace.name === '' || isAccountName(reading.ace.name)) return undefined;
  return `The acl entry ${JSON.stringify(ace)} names ${JSON.stringify(reading.ace.name)}, which is not a name stepdeploy accepts: it must be ${ACCOUNT_NAME_RULE}. ${CORRECT_PERMISSIONS}`;
}

function invalidAce(ace: string): string {
  return `The deployment failed because of a problem with the acls permission settings in the application specification file. Invalid acl entry (${ace}).`;
}

/** The agent's message for an ACL entry it refuses, or undefined for a good one. */
function aceError(ace: string): string | undefined {
  const reading = readAce(ace);
  if ('ace' in reading) return undefined;
  switch (reading.problem) {
    case 'invalid':
      return invalidAce(ace);
    case 'base-entry':
      return `The deployment failed because of a problem with the acls permission settings in the application specification file. Use mode to set the base acl entry (${ace}). Update the permissions section of the AppSpec file, and then try again.`;
    case 'bad-perm-char':
      return `The deployment failed because the access control list (ACL) named ${ace} in the application specification file contains an invalid character (${reading.char}). Correct the ACL in the hooks section of the AppSpec file, and then try again.`;
  }
}

function checkContext(c: Collector, value: unknown, path: Path): SelinuxContext | undefined {
  if (value === null || value === undefined) return undefined;
  const invalid = () =>
    c.error(
      `The deployment failed because the application specification file specifies an invalid context type (${rubyInspect(value, (sub) => c.source.scalar?.([...path, ...sub]))}). Update the permissions section of the AppSpec file, and then try again.`,
      path,
    );
  if (!isMapping(value)) {
    invalid();
    return undefined;
  }
  warnUnknownKeys(c, value, path, CONTEXT_KEYS, 'a permissions context', CONTEXT_HINTS);
  if (value.type === null || value.type === undefined) invalid();
  const name = text(c, value.name, [...path, 'name']);
  const type = text(c, value.type, [...path, 'type']);
  let range: string | undefined;
  if (value.range !== null && value.range !== undefined) {
    range = c.display(value.range, [...path, 'range']);
    const problem = rangeError(range);
    if (problem !== undefined) c.error(problem, [...path, 'range']);
  }
  // A range the agent accepts (checked above) is made of SELinux word characters already.
  for (const [key, word] of [
    ['name', name],
    ['type', type],
  ] as const) {
    if (word === undefined || isSelinuxWord(word)) continue;
    c.error(
      `The SELinux context ${key} ${JSON.stringify(word)} is not one stepdeploy can pass to semanage: it must be ${SELINUX_WORD_RULE}. ${CORRECT_PERMISSIONS}`,
      [...path, key],
    );
  }
  if (type === undefined) return undefined;
  return { ...(name !== undefined ? { name } : {}), type, ...(range !== undefined ? { range } : {}) };
}

class RangeProblem extends Error {}

/** RangeInfo: `s<n>[-s<m>][:c<a>[.c<b>][,...]]`; the agent's message for the first problem found. */
function rangeError(range: string): string | undefined {
  try {
    const parts = ensureParts(range, ':');
    const sensitivities = ensureParts(parts[0] ?? '', '-');
    const low = sensitivity(sensitivities[0]);
    if (sensitivities.length === 2 && sensitivity(sensitivities[1]) < low) {
      return `The deployment failed because of a problem with the SELinux range specified (${range}) for the context parameter in the permissions section of the application specification file. Make corrections in the permissions section of the AppSpec file, and then try again.`;
    }
    if (parts.length === 2) categories(parts[1] ?? '');
    return undefined;
  } catch (problem) {
    if (problem instanceof RangeProblem) return problem.message;
    throw problem;
  }
}

/** Ruby `input.split(sep, 2)` that must give 1 part (no separator) or 2 (one), none empty. */
function ensureParts(input: string, separator: string): string[] {
  const at = input.indexOf(separator);
  const parts = input === '' ? [] : at < 0 ? [input] : [input.slice(0, at), input.slice(at + 1)];
  if (parts.length !== (at < 0 ? 1 : 2) || parts.includes('')) {
    throw new RangeProblem(`invalid range part ${input}`);
  }
  return parts;
}

function level(part: string | undefined, prefix: 's' | 'c'): number | undefined {
  if (part === undefined || part.length < 2 || !part.startsWith(prefix)) return undefined;
  const digits = part.replace(prefix, '');
  return /^[0-9]+$/.test(digits) ? Number(digits) : undefined;
}

function sensitivity(part: string | undefined): number {
  const value = level(part, 's');
  if (value === undefined) throw new RangeProblem(`invalid sensitivity ${part ?? ''}`);
  return value;
}

function category(part: string): number {
  const value = level(part, 'c');
  if (value === undefined || value > 1023) throw new RangeProblem(`invalid category ${part}`);
  return value;
}

function categories(text: string): void {
  const parts = text.split(',');
  while (parts.at(-1) === '') parts.pop(); // Ruby's split drops trailing empty fields
  const numbers: number[] = [];
  for (const part of parts) {
    if (!part.includes('.')) {
      numbers.push(category(part));
      continue;
    }
    const [lowText = '', highText = ''] = ensureParts(part, '.');
    const low = category(lowText);
    const high = category(highText);
    if (high < low) throw new RangeProblem(`invalid category range ${lowText}.${highText}`);
    for (let n = low; n <= high; n++) numbers.push(n);
  }
  numbers.sort((a, b) => a - b);
  if (numbers.some((n, i) => i > 0 && n === numbers[i - 1])) throw new RangeProblem('duplicate categories');
}
