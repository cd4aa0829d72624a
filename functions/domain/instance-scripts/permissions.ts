/**
 * The `permissions` section, compiled at build time into (1) data lines for the Install planner
 * (awk), which matches them against the paths this deployment copies or creates (reference §1.2.4),
 * (2) the "is the object an existing directory" tests, and (3) one sh branch per entry with the
 * commands the agent emits per path: chmod, setfacl, semanage, chown (in that order).
 */
import { InvalidArgumentError } from '../errors.js';
import { readAce, type Ace } from '../appspec/acl-entry.js';
import type { ServerPermissionSpec } from '../appspec/model.js';
import { isSelinuxWord } from '../appspec/script-values.js';
import { accountName, normalizeAbsolute } from './paths.js';
import { UnsafeScriptValueError } from './errors.js';
import { assertSafeValue, sh, shellQuote } from './quote.js';

export type { Ace };

/** An ACL entry the validator accepted, checked again for what it may put on a command line. */
export function parseAce(text: string): Ace {
  assertSafeValue(text, 'An acl entry');
  const reading = readAce(text);
  if (!('ace' in reading)) {
    throw new InvalidArgumentError(
      `Invalid acl entry (${text}): the AppSpec must be validated before scripts are built.`,
    );
  }
  // The whole ACL is one setfacl argument: a comma or odd character in a name would add entries.
  if (reading.ace.name !== '') accountName(reading.ace.name, 'An acl entry name');
  return reading.ace;
}

export function aceText(ace: Ace): string {
  return `${ace.isDefault ? 'default:' : ''}${ace.type}:${ace.name}:${ace.perms}`;
}

/**
 * What `ChangeAclCommand#get_full_acl` adds at run time from the path's mode: the flags say which
 * base entries are already given. N/M: named entries / a mask; D: any default entry; U/G/O: the
 * default user/group/other base entries; n/m: default named entries / a default mask.
 */
export function aclFlags(aces: Ace[]): { flags: string; defaultGroupPerms: string } {
  const has = (test: (ace: Ace) => boolean) => aces.some(test);
  const named = (ace: Ace) => (ace.type === 'user' || ace.type === 'group') && ace.name !== '';
  const flags = [
    has((a) => !a.isDefault && named(a)) ? 'N' : '',
    has((a) => !a.isDefault && a.type === 'mask') ? 'M' : '',
    has((a) => a.isDefault) ? 'D' : '',
    has((a) => a.isDefault && a.type === 'user' && a.name === '') ? 'U' : '',
    has((a) => a.isDefault && a.type === 'group' && a.name === '') ? 'G' : '',
    has((a) => a.isDefault && a.type === 'other') ? 'O' : '',
    has((a) => a.isDefault && named(a)) ? 'n' : '',
    has((a) => a.isDefault && a.type === 'mask') ? 'm' : '',
  ].join('');
  const defaultGroup = aces.find((a) => a.isDefault && a.type === 'group' && a.name === '');
  return { flags, defaultGroupPerms: defaultGroup?.perms ?? '' };
}

/** Ruby's `Array#inspect` of strings, as the agent's except message prints it. */
function rubyInspect(list: string[]): string {
  return `[${list.map((item) => JSON.stringify(item)).join(', ')}]`;
}

function selinuxWord(value: string, what: string): string {
  assertSafeValue(value, what);
  if (!isSelinuxWord(value)) {
    throw new UnsafeScriptValueError(
      `${what} ${JSON.stringify(value)} is not an SELinux name stepdeploy accepts.`,
    );
  }
  return value;
}

export interface CompiledPermissions {
  /** Lines of the planner's permission data file. */
  data: string[];
  /** sh printing `D <i>` for each object that is an existing directory (before anything is installed). */
  facts: string;
  /** The `sd_apply_perm <i> <path>` function. */
  apply: string;
}

export function compilePermissions(permissions: ServerPermissionSpec[]): CompiledPermissions {
  const data: string[] = [];
  const facts: string[] = [];
  const branches: string[] = [];
  permissions.forEach((permission, i) => {
    const what = `permissions[${String(i)}]`;
    const object = normalizeAbsolute(permission.object, `The ${what} object`);
    const pattern = assertSafeValue(permission.pattern, `The ${what} pattern`);
    const except = permission.except.map((glob) => assertSafeValue(glob, `An ${what} except glob`));
    const aces = (permission.acls ?? []).map(parseAce);
    data.push(`obj ${String(i)} ${object}`, `pat ${String(i)} ${pattern}`);
    except.forEach((glob) => data.push(`exc ${String(i)} ${glob}`));
    permission.type.forEach((type) => data.push(`${type} ${String(i)}`));
    if (aces.some((ace) => ace.isDefault)) data.push(`defacl ${String(i)}`);
    data.push(
      `msgpat ${String(i)} The deployment failed because the application specification file includes an object (${permission.object}) with an invalid pattern (${pattern}), such as a pattern for a file applied to a directory. Correct the permissions section of the AppSpec file, and then try again.`,
      `msgexc ${String(i)} The deployment failed because the except parameter for a pattern in the permissions section (${rubyInspect(except)}) for the object named ${permission.object} contains an invalid format. Update the AppSpec file, and then try again.`,
    );
    facts.push(sh`if [ -d "$SD_H"${shellQuote(object)} ]; then printf 'D %s\n' ${String(i)}; fi`);

    const commands: string[] = [];
    if (permission.mode !== undefined) {
      if (!/^[0-7]{3,4}$/.test(permission.mode)) {
        throw new UnsafeScriptValueError(
          `The ${what} mode ${JSON.stringify(permission.mode)} is not 3 or 4 octal digits.`,
        );
      }
      commands.push(sh`sd_chmod "$sd_pp" "$2" ${shellQuote(permission.mode)} || return 1`);
    }
    if (aces.length > 0) {
      const { flags, defaultGroupPerms } = aclFlags(aces);
      const list = aces.map(aceText).join(',');
      commands.push(
        sh`sd_setfacl "$sd_pp" "$2" ${shellQuote(list)} ${shellQuote(flags)} ${shellQuote(defaultGroupPerms)} || return 1`,
      );
    }
    if (permission.context !== undefined) {
      const { name, type, range } = permission.context;
      commands.push(
        sh`sd_semanage "$sd_pp" "$2" ${shellQuote(name === undefined ? '' : selinuxWord(name, `The ${what} SELinux user`))} ${shellQuote(selinuxWord(type, `The ${what} SELinux type`))} ${shellQuote(range === undefined ? '' : selinuxWord(range, `The ${what} SELinux range`))} || return 1`,
      );
    }
    if (permission.owner !== undefined || permission.group !== undefined) {
      const owner = permission.owner === undefined ? '' : accountName(permission.owner, `The ${what} owner`);
      const group = permission.group === undefined ? '' : accountName(permission.group, `The ${what} group`);
      commands.push(sh`sd_chown "$sd_pp" "$2" ${shellQuote(owner)} ${shellQuote(group)} || return 1`);
    }
    branches.push(`    ${String(i)})\n${commands.map((c) => `      ${c}\n`).join('')}      ;;`);
  });
  const apply =
    branches.length === 0
      ? sh`
sd_apply_perm() {
  return 0
}
`
      : sh`
sd_apply_perm() {
  sd_pp=$SD_H$2
  case $1 in
${branches.join('\n')}
  esac
  return 0
}
`;
  return { data, facts: facts.join('\n'), apply };
}

/**
 * The per-path commands. A symbolic link that the deployment copied is left alone by chmod, setfacl
 * and semanage, which would act on whatever it points to, and chown changes the link itself (-h).
 */
export const PERMISSION_COMMANDS = sh`
sd_chmod() {
  if [ -L "$1" ]; then return 0; fi
  chmod -- "$3" "$1" 2>/dev/null || { sd_perm_error="Unable to change the mode of $2 to $3"; return 1; }
}

sd_setfacl() {
  if [ -L "$1" ]; then return 0; fi
  if ! sd_have setfacl; then
    printf 'stepdeploy: setfacl is not installed, so the acls for %s were skipped.\n' "$2" >&2
    return 0
  fi
  sd_m=$(ls -ld -- "$1" | LC_ALL=C awk "$sd_mode_awk")
  sd_u=$\{sd_m%??}
  sd_g=$\{sd_m#?}
  sd_g=$\{sd_g%?}
  sd_o=$\{sd_m#??}
  sd_acl="$3,user::$sd_u,group::$sd_g,other::$sd_o"
  case $4 in *N*) case $4 in *M*) ;; *) sd_acl="$sd_acl,mask::$sd_g" ;; esac ;; esac
  case $4 in
    *D*)
      case $4 in *U*) ;; *) sd_acl="$sd_acl,default:user::$sd_u" ;; esac
      case $4 in *G*) ;; *) sd_acl="$sd_acl,default:group::$sd_g" ;; esac
      case $4 in *O*) ;; *) sd_acl="$sd_acl,default:other::$sd_o" ;; esac
      case $4 in *n*) case $4 in *m*) ;; *) sd_acl="$sd_acl,default:mask::$\{5:-$sd_g}" ;; esac ;; esac
      ;;
  esac
  setfacl --set="$sd_acl" -- "$1" 2>/dev/null ||
    { sd_perm_error="Unable to set acl correctly: setfacl --set $sd_acl $2"; return 1; }
}

sd_semanage() {
  if [ -L "$1" ]; then return 0; fi
  if ! sd_have semanage; then
    printf 'stepdeploy: semanage is not installed, so the SELinux context for %s was skipped.\n' "$2" >&2
    return 0
  fi
  sd_real=$(sd_resolve "$1")
  set -- "$1" "$2" "$3" "$4" "$5" "$sd_real"
  if [ -n "$3" ] && [ -n "$5" ]; then
    semanage fcontext -a -s "$3" -t "$4" -r "$5" "$6" >/dev/null 2>&1
  elif [ -n "$3" ]; then
    semanage fcontext -a -s "$3" -t "$4" "$6" >/dev/null 2>&1
  elif [ -n "$5" ]; then
    semanage fcontext -a -t "$4" -r "$5" "$6" >/dev/null 2>&1
  else
    semanage fcontext -a -t "$4" "$6" >/dev/null 2>&1
  fi || { sd_perm_error="Unable to set context: semanage fcontext -a -t $4 $2"; return 1; }
  restorecon -v "$6" >/dev/null 2>&1 || { sd_perm_error="Unable to apply context: restorecon -v $2"; return 1; }
  printf 'semanage\000%s\n' "$\{6#"$SD_H"}" >&4
}

sd_chown() {
  if [ -n "$3" ] && [ -n "$4" ]; then
    chown -h -- "$3:$4" "$1" 2>/dev/null
  elif [ -n "$3" ]; then
    chown -h -- "$3" "$1" 2>/dev/null
  else
    chgrp -h -- "$4" "$1" 2>/dev/null
  fi || { sd_perm_error="Unable to change the owner of $2 to $3:$4"; return 1; }
}
`;
