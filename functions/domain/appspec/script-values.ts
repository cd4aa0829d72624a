/**
 * The rules for AppSpec values that reach an instance script: one place, used by the validator (so a
 * bad value fails the deployment as INVALID_REVISION before any host is touched, naming its field)
 * and by the script builder (which refuses what slipped through, never quoting it into a command).
 *
 * CodeDeploy takes `owner`, `group`, `runas` and ACL names as free strings and only fails when the
 * instance cannot find the user; stepdeploy hands them to chown, su and setfacl in generated shell,
 * so it accepts only what a user or group name can be, and says so when the AppSpec is read.
 */

const LINE_BREAKS_OR_NUL = /[\n\r\0]/;

/** Whether a value can travel in the scripts' line-oriented files and shell words (no newline, CR, NUL). */
export function isLineSafe(value: string): boolean {
  return !LINE_BREAKS_OR_NUL.test(value);
}

/** Why a value cannot travel in a script, for messages. */
export const LINE_BREAK_OR_NUL_PROBLEM =
  "contains a newline, carriage return or NUL character, which stepdeploy's instance scripts cannot carry";

/**
 * A user or group name or numeric id as useradd/groupadd accept them (a Samba machine account may end
 * in `$`), which can never be read as a command-line option or as more than one name.
 */
const ACCOUNT_NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.@-]*\$?$/;
const MAX_ACCOUNT_NAME_LENGTH = 256;

export function isAccountName(value: string): boolean {
  return value.length <= MAX_ACCOUNT_NAME_LENGTH && ACCOUNT_NAME.test(value);
}

export const ACCOUNT_NAME_RULE =
  "a user or group name or numeric id: letters, digits, '.', '_', '-' and '@', not starting with '-' (a final '$' is allowed), at most 256 characters";

/** An SELinux user, type or range word as semanage takes it. */
const SELINUX_WORD = /^[A-Za-z0-9_][A-Za-z0-9_.:,-]*$/;

export function isSelinuxWord(value: string): boolean {
  return SELINUX_WORD.test(value);
}

export const SELINUX_WORD_RULE =
  "letters, digits, '_', '.', ':', ',' and '-', not starting with '.', ':', ',' or '-'";

/**
 * A path inside the revision (a `files` source or a hook location) resolved against its root the
 * way the agent joins it: undefined when a `..` climbs above the root.
 */
export function pathInRevision(path: string): string | undefined {
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment !== '..') out.push(segment);
    else if (out.pop() === undefined) return undefined;
  }
  return out.join('/');
}
