/**
 * Path arithmetic done at build time, so that the scripts only ever see normalised paths. Paths are
 * the instance's view (what the AppSpec says); the scripts prefix them with the host root at run time.
 */
import { isAccountName } from '../appspec/script-values.js';
import { UnsafeScriptValueError } from './errors.js';
import { assertSafeValue } from './quote.js';

function segments(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '' && segment !== '.');
}

/**
 * Ruby's `File.expand_path` against `/`: the agent runs from `/`, so a relative destination lands
 * under it; `..` stops at the root; duplicate and trailing slashes go.
 */
export function normalizeAbsolute(path: string, what: string): string {
  assertSafeValue(path, what);
  const out: string[] = [];
  for (const segment of segments(path)) {
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return `/${out.join('/')}`;
}

/**
 * A path inside the revision (a `files` source or a hook `location`): a leading `/` means the
 * revision root, as `File.join(archive_dir, path)` does. Returns '' for the root itself. A path that
 * climbs out of the revision is refused: the agent would follow it, stepdeploy does not.
 */
export function normalizeInRevision(path: string, what: string): string {
  assertSafeValue(path, what);
  const out: string[] = [];
  for (const segment of segments(path)) {
    if (segment !== '..') out.push(segment);
    else if (out.pop() === undefined) {
      throw new UnsafeScriptValueError(`${what} ${JSON.stringify(path)} points outside the revision.`);
    }
  }
  return out.join('/');
}

/** Joins an absolute directory and relative parts without doubling the root's slash. */
export function joinPath(directory: string, ...parts: string[]): string {
  const tail = parts.filter((part) => part !== '').join('/');
  if (tail === '') return directory;
  return directory === '/' ? `/${tail}` : `${directory}/${tail}`;
}

/** A deployment or deployment group id used as one directory name under the deployment root. */
export function pathComponent(value: string, what: string): string {
  assertSafeValue(value, what);
  if (value === '' || value === '.' || value === '..' || value.includes('/')) {
    throw new UnsafeScriptValueError(`${what} ${JSON.stringify(value)} cannot be used as a directory name.`);
  }
  return value;
}

/** A user or group name (or numeric id) handed to su, chown or chgrp: never an option. */
export function accountName(value: string, what: string): string {
  assertSafeValue(value, what);
  if (!isAccountName(value)) {
    throw new UnsafeScriptValueError(
      `${what} ${JSON.stringify(value)} is not a user or group name the instance scripts accept.`,
    );
  }
  return value;
}
