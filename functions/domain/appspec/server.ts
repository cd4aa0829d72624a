/**
 * The Server (EC2/On-Premises) AppSpec validator: the CodeDeploy agent's parse-time checks with its
 * messages verbatim (reference §1.1, §1.2; application_specification.rb and friends), plus warnings
 * for what the agent silently ignores. The agent stops at the first error; we report every error we
 * can find, in the agent's order: empty check, version, os, hooks, files, permissions,
 * file_exists_behavior.
 */
import type { AppSpecIssue } from './issues.js';
import { SERVER_SCRIPTABLE_EVENTS } from '../lifecycle.js';
import type { FileExistsBehavior, ServerAppSpec, ServerFileSpec, ServerHookScript } from './model.js';
import {
  ACCOUNT_NAME_RULE,
  isAccountName,
  isLineSafe,
  LINE_BREAK_OR_NUL_PROBLEM,
  pathInRevision,
} from './script-values.js';
import { validatePermissions } from './server-permissions.js';
import {
  asList,
  asPsychLoads,
  Collector,
  describe,
  didYouMean,
  isMapping,
  rubyToI,
  warnUnknownKeys,
  type Mapping,
  type Path,
} from './server-support.js';
import type { AppSpecSource } from './source.js';

export interface ServerValidationOptions {
  /**
   * The platform of the agent that will read the AppSpec. The agent accepts only its own platform's
   * `os`. stepdeploy's hosts run the Linux script, so the default is 'linux' and `os: windows` is an
   * error with the agent's unsupported-OS message, exactly as the Linux agent reports it.
   */
  agentOs?: 'linux' | 'windows';
}

export interface ServerValidationResult {
  errors: AppSpecIssue[];
  warnings: AppSpecIssue[];
  /** Present only when there are no errors. */
  appSpec?: ServerAppSpec;
}

/** Events that take scripts, in the order of an in-place deployment with a load balancer. */
const SCRIPTABLE_EVENTS: readonly string[] = SERVER_SCRIPTABLE_EVENTS;
/** Events CodeDeploy runs itself, with where a script for them belongs instead. */
const NOT_SCRIPTABLE_EVENTS: Readonly<Record<string, string>> = {
  Start: 'ApplicationStop or BeforeInstall',
  DownloadBundle: 'BeforeInstall',
  Install: 'BeforeInstall or AfterInstall',
  BlockTraffic: 'BeforeBlockTraffic or AfterBlockTraffic',
  AllowTraffic: 'BeforeAllowTraffic or AfterAllowTraffic',
  End: 'ValidateService',
};
const FILE_EXISTS_BEHAVIORS: readonly FileExistsBehavior[] = ['DISALLOW', 'OVERWRITE', 'RETAIN'];
const MAX_EVENT_SECONDS = 3600;

const TOP_LEVEL_KEYS = ['version', 'os', 'files', 'permissions', 'hooks', 'file_exists_behavior'];
const SCRIPT_KEYS = ['location', 'timeout', 'runas', 'sudo'];
const FILE_KEYS = ['source', 'destination'];
const TOP_LEVEL_HINTS: Readonly<Record<string, string>> = {
  Resources: "'Resources' belongs to Lambda and ECS AppSpec files; an EC2/On-Premises AppSpec has none.",
  ...Object.fromEntries(
    [...SCRIPTABLE_EVENTS, ...Object.keys(NOT_SCRIPTABLE_EVENTS)].map((event) => [
      event,
      "Lifecycle event scripts belong under 'hooks'.",
    ]),
  ),
};
const PERMISSIONS_HINT = "Owners, groups and modes are set in the top-level 'permissions' section.";
const FILE_HINTS: Readonly<Record<string, string>> = {
  overwrite:
    "What happens to existing files is set for the whole AppSpec by the top-level 'file_exists_behavior' (DISALLOW, OVERWRITE or RETAIN).",
  owner: PERMISSIONS_HINT,
  group: PERMISSIONS_HINT,
  mode: PERMISSIONS_HINT,
  acls: PERMISSIONS_HINT,
  permissions: PERMISSIONS_HINT,
};

const EMPTY =
  "The deployment failed because the application specification file was empty. Make sure your AppSpec file defines at minimum the 'version' and 'os' properties.";
const NO_LOCATION =
  'The deployment failed because the application specification file specifies a script with no location value. Specify the location in the hooks section of the AppSpec file, and then try again.';
const INVALID_TIMEOUT =
  'The deployment failed because an invalid timeout value was provided for a script in the application specification file. Make corrections in the hooks section of the AppSpec file, and then try again.';
const NO_SOURCE =
  'The deployment failed because the application specification file specifies a destination file, but no source file. Update the files section of the AppSpec file, and then try again.';

export function validateServerAppSpec(
  source: AppSpecSource,
  options: ServerValidationOptions = {},
): ServerValidationResult {
  if (source.errors.length > 0) return { errors: [...source.errors], warnings: [] };
  const c = new Collector(source);
  const doc = asPsychLoads(source.value, source);
  // YAML.load gives nil (or false) for an empty, blank or comment-only file.
  if (doc === null || doc === undefined || doc === false) {
    c.error(EMPTY, []);
    return { errors: c.errors, warnings: c.warnings };
  }
  let top: Mapping = {};
  if (isMapping(doc)) {
    top = doc;
    warnUnknownKeys(c, top, [], TOP_LEVEL_KEYS, 'the AppSpec file', TOP_LEVEL_HINTS);
  } else {
    // The agent looks `version` up in whatever it got, finds nothing and reports the version.
    c.error(
      `The deployment failed because the application specification file is ${describe(doc)}, not a mapping of AppSpec properties. Make sure your AppSpec file defines at minimum the 'version' and 'os' properties.`,
      [],
    );
  }

  // `[0.0].include?(version)`: the number 0.0 (or 0, since 0 == 0.0); the string "0.0" is not.
  const version = top.version;
  if (version !== 0) {
    c.error(
      `The deployment failed because an invalid version value (${c.display(version, ['version'])}) was entered in the application specification file. Make sure your AppSpec file specifies "0.0" as the version, and then try again.`,
      ['version'],
    );
  }
  const agentOs = options.agentOs ?? 'linux';
  if (top.os !== agentOs) {
    c.error(
      `The deployment failed because the application specification file specifies an unsupported operating system (${c.display(top.os, ['os'])}). Specify either "linux" or "windows" in the os section of the AppSpec file, and then try again.`,
      ['os'],
    );
  }
  const hooks = validateHooks(c, top.hooks, top.os);
  const files = validateFiles(c, top.files, top.os);
  const permissions = validatePermissions(c, top.permissions, top.os);
  const behavior = top.file_exists_behavior;
  const known = FILE_EXISTS_BEHAVIORS.find((b) => b === behavior);
  if (behavior !== null && behavior !== undefined && known === undefined) {
    c.error(
      `The deployment failed because an invalid file_exists_behavior value (${c.display(behavior, ['file_exists_behavior'])}) was entered in the application specification file. Make sure your AppSpec file specifies one of DISALLOW,OVERWRITE,RETAIN as the file_exists_behavior, and then try again.`,
      ['file_exists_behavior'],
    );
  }

  if (c.errors.length > 0) return { errors: c.errors, warnings: c.warnings };
  const appSpec: ServerAppSpec = {
    platform: 'server',
    version: 0,
    os: agentOs,
    files,
    ...(known !== undefined ? { fileExistsBehavior: known } : {}),
    permissions,
    hooks,
  };
  return { errors: c.errors, warnings: c.warnings, appSpec };
}

function validateHooks(c: Collector, value: unknown, os: unknown): Record<string, ServerHookScript[]> {
  if (value === null || value === undefined || value === false) return {};
  if (!isMapping(value)) {
    c.shape(value, ['hooks'], 'a mapping of lifecycle event names to lists of scripts');
    return {};
  }
  const events: Array<[string, ServerHookScript[]]> = [];
  for (const [event, scripts] of Object.entries(value)) {
    const path = ['hooks', event];
    if (scripts === null || scripts === undefined) continue; // `SomeEvent:` with no scripts is ignored
    checkEventName(c, event, path);
    if (!Array.isArray(scripts)) {
      c.shape(scripts, path, 'a list of scripts, each with a location');
      continue;
    }
    const parsed = scripts.map((script: unknown, index) => validateScript(c, script, [...path, index], os));
    const explicit = parsed.flatMap((script) => (script?.explicitTimeout ? [script.timeout] : []));
    const total = explicit.reduce((sum, timeout) => sum + timeout, 0);
    if (explicit.length > 1 && total > MAX_EVENT_SECONDS) {
      c.warn(
        'HOOK_TIMEOUT_SUM_EXCEEDS_3600',
        `The timeouts of the ${event} scripts add up to ${total} seconds, more than the ${MAX_EVENT_SECONDS} seconds (one hour) a lifecycle event may take.`,
        path,
      );
    }
    events.push([event, parsed.flatMap((script) => (script ? [script.script] : []))]);
  }
  return Object.fromEntries(events);
}

function checkEventName(c: Collector, event: string, path: Path): void {
  if (SCRIPTABLE_EVENTS.includes(event)) return;
  const instead = Object.hasOwn(NOT_SCRIPTABLE_EVENTS, event) ? NOT_SCRIPTABLE_EVENTS[event] : undefined;
  if (instead !== undefined) {
    c.warn(
      'NOT_SCRIPTABLE_LIFECYCLE_EVENT',
      `${event} is a lifecycle event that CodeDeploy runs itself and it takes no scripts, so these scripts never run. Use ${instead} instead.`,
      path,
    );
    return;
  }
  const suggestion = didYouMean(event, [...SCRIPTABLE_EVENTS, ...Object.keys(NOT_SCRIPTABLE_EVENTS)]);
  c.warn(
    'UNKNOWN_LIFECYCLE_EVENT',
    `${event} is not a lifecycle event of an EC2/On-Premises deployment, so its scripts never run. ${
      suggestion !== undefined
        ? `Did you mean ${suggestion}?`
        : `Lifecycle events that take scripts: ${SCRIPTABLE_EVENTS.join(', ')}.`
    }`,
    path,
  );
}

interface ParsedScript {
  script: ServerHookScript;
  timeout: number;
  explicitTimeout: boolean;
}

function validateScript(c: Collector, value: unknown, path: Path, os: unknown): ParsedScript | undefined {
  if (!isMapping(value)) {
    c.shape(value, path, 'a mapping with a location');
    return undefined;
  }
  warnUnknownKeys(c, value, path, SCRIPT_KEYS, 'a hook script');
  const before = c.errors.length;
  // `location.to_s.strip` must not be empty.
  const location = scalarText(c, value.location, [...path, 'location'])?.trim();
  if (location === '' || value.location === null || value.location === undefined) {
    c.error(NO_LOCATION, [...path, 'location']);
  }
  if (location) checkScriptLocation(c, location, [...path, 'location']);
  const runas = scalarText(c, value.runas, [...path, 'runas'])?.trim() || undefined;
  if (runas !== undefined && !isAccountName(runas)) {
    c.error(
      `The runas user ${JSON.stringify(runas)} is not a user name stepdeploy accepts: it must be ${ACCOUNT_NAME_RULE}. Correct the hooks section of the AppSpec file, and then try again.`,
      [...path, 'runas'],
    );
  }
  if (runas !== undefined && os === 'windows') {
    c.warn(
      'RUNAS_ON_WINDOWS',
      `runas (${runas}) applies only to Linux instances: on Windows Server the agent ignores it.`,
      [...path, 'runas'],
    );
  }
  // `timeout || 3600`, then `to_i`, which must be positive. The agent sets no upper bound.
  const explicitTimeout = value.timeout !== null && value.timeout !== undefined && value.timeout !== false;
  const timeout = explicitTimeout ? rubyToI(value.timeout) : MAX_EVENT_SECONDS;
  if (timeout === undefined || timeout <= 0) {
    c.error(INVALID_TIMEOUT, [...path, 'timeout']);
  } else if (timeout > MAX_EVENT_SECONDS) {
    c.warn(
      'HOOK_TIMEOUT_EXCEEDS_3600',
      `The timeout ${timeout} is more than ${MAX_EVENT_SECONDS} seconds (one hour), the most a lifecycle event may take.`,
      [...path, 'timeout'],
    );
  }
  if (c.errors.length > before || location === undefined || timeout === undefined) return undefined;
  const sudo = value.sudo !== null && value.sudo !== undefined && value.sudo !== false; // Ruby truthiness
  return {
    script: { location, timeout, ...(runas !== undefined ? { runas } : {}), sudo },
    timeout,
    explicitTimeout,
  };
}

/** A scalar as Ruby's `to_s`; undefined for nil; an error for lists and mappings. */
function scalarText(c: Collector, value: unknown, path: Path): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value) || isMapping(value)) {
    c.shape(value, path, 'a string');
    return undefined;
  }
  return c.display(value, path);
}

function validateFiles(c: Collector, value: unknown, os: unknown): ServerFileSpec[] {
  const list = asList(value);
  if (list === undefined) {
    c.shape(value, ['files'], 'a list of entries with source and destination');
    return [];
  }
  const files: ServerFileSpec[] = [];
  const seen = new Map<string, number>();
  list.forEach((entry, index) => {
    const path = ['files', index];
    if (!isMapping(entry)) {
      c.shape(entry, path, 'a mapping with source and destination');
      return;
    }
    warnUnknownKeys(c, entry, path, FILE_KEYS, 'a files entry', FILE_HINTS);
    // FileInfo: nil is missing; like the Rust agent, so is an empty string.
    const source = pathText(c, entry.source, [...path, 'source']);
    const destination = pathText(c, entry.destination, [...path, 'destination']);
    if (source === '') c.error(NO_SOURCE, [...path, 'source']);
    if (destination === '') {
      c.error(
        `The deployment failed because the application specification file specifies only a source file (${c.display(entry.source, [...path, 'source'])}). Add the name of the destination file to the files section of the AppSpec file, and then try again.`,
        [...path, 'destination'],
      );
    }
    if (source) checkSource(c, source, [...path, 'source']);
    if (destination) checkDestination(c, destination, [...path, 'destination'], os);
    if (source && !isLineSafe(source)) c.error(unsafePath('source', source, 'files'), [...path, 'source']);
    if (destination && !isLineSafe(destination)) {
      c.error(unsafePath('destination', destination, 'files'), [...path, 'destination']);
    }
    if (source && isLineSafe(source) && pathInRevision(source) === undefined) {
      c.error(
        `The source ${source} climbs out of the revision with '..': stepdeploy installs only files of the revision. Correct the files section of the AppSpec file, and then try again.`,
        [...path, 'source'],
      );
    }
    if (!source || !destination) return;
    const key = `${normalise(source, os)}\0${normalise(destination, os)}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      c.warn(
        'DUPLICATE_FILES_ENTRY',
        `This entry copies ${source} to ${destination}, as files[${earlier}] already does: every file it copies is scheduled twice, which fails the Install event ("specifies two source files named ... for the same destination").`,
        path,
      );
    } else {
      seen.set(key, index);
    }
    files.push({ source, destination });
  });
  return files;
}

/** A source or destination path: '' when missing (nil or empty), undefined after a type error. */
function pathText(c: Collector, value: unknown, path: Path): string | undefined {
  if (value === null || value === undefined || value === '') return '';
  if (typeof value === 'string') return value;
  c.shape(value, path, 'a path string');
  return undefined;
}

function unsafePath(what: string, value: string, section: string): string {
  return `The ${what} ${JSON.stringify(value)} ${LINE_BREAK_OR_NUL_PROBLEM}. Rename it, correct the ${section} section of the AppSpec file, and then try again.`;
}

/**
 * A hook script inside the revision. The agent joins the location to the archive directory and runs
 * whatever it names; stepdeploy runs only scripts of the revision (stricter: no `..` out of it).
 */
function checkScriptLocation(c: Collector, location: string, path: Path): void {
  if (!isLineSafe(location)) {
    c.error(unsafePath('script location', location, 'hooks'), path);
    return;
  }
  const inRevision = pathInRevision(location);
  if (inRevision === undefined) {
    c.error(
      `The script location ${location} climbs out of the revision with '..': stepdeploy runs only scripts of the revision. Correct the hooks section of the AppSpec file, and then try again.`,
      path,
    );
  } else if (inRevision === '') {
    c.error(
      `The script location ${location} names the revision's root directory, not a script. Correct the hooks section of the AppSpec file, and then try again.`,
      path,
    );
  }
}

function checkSource(c: Collector, source: string, path: Path): void {
  if (!/[*?[\]{}]/.test(source)) return;
  const directory = /^(.*?)[\\/]+\*$/.exec(source)?.[1];
  const instead =
    directory !== undefined && !/[*?[\]{}]/.test(directory)
      ? ` To copy the contents of a directory, name the directory: source: ${directory || '/'}.`
      : '';
  c.warn(
    'GLOB_IN_SOURCE',
    `The source ${source} contains glob characters, but the agent does not expand globs: it copies a file or directory with exactly this name, and the Install event fails if the bundle has none.${instead}`,
    path,
  );
}

function checkDestination(c: Collector, destination: string, path: Path, os: unknown): void {
  const absolute =
    os === 'windows' ? /^([A-Za-z]:[\\/]|[\\/])/.test(destination) : destination.startsWith('/');
  if (absolute) return;
  c.warn(
    'RELATIVE_DESTINATION',
    `The destination ${destination} is not an absolute path. CodeDeploy requires an absolute destination directory; the agent does not check it, so the files land relative to the agent's working directory.`,
    path,
  );
}

/** Like File.expand_path: separators collapsed, `.` and `..` resolved, no trailing separator. */
function normalise(path: string, os: unknown): string {
  const segments: string[] = [];
  for (const segment of path.split(os === 'windows' ? /[\\/]+/ : /\/+/)) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(os === 'windows' ? segment.toLowerCase() : segment);
  }
  return segments.join('/');
}
