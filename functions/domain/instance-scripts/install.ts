/**
 * Install: undo the previous deployment's files (`<dgId>-cleanup`), then plan and apply the copies,
 * directories and permissions of the current AppSpec with CodeDeploy's rules, recording what was
 * installed in a new cleanup file, and finally `<dgId>_last_successful_install` (reference §1.2.3,
 * §1.2.4, §2.2). Like the agent, the whole plan is made (and checked) before anything is copied, so
 * a DISALLOW conflict or a duplicate target fails the event with nothing installed.
 */
import type { FileExistsBehavior, ServerAppSpec } from '../appspec/model.js';
import { MODE_DIGITS_AWK, PLANNER_AWK, REVERSE_AWK } from './awk.js';
import { joinPath, normalizeAbsolute, normalizeInRevision } from './paths.js';
import { compilePermissions, PERMISSION_COMMANDS } from './permissions.js';
import { quoteProgram, sh, shellQuote } from './quote.js';

const FUNCTIONS = sh`
# Undoes the previous Install of the group: its cleanup file, last line first. An unterminated last
# line (an interrupted write) is dropped; directories that are not empty stay; files that scripts
# created were never recorded, so they stay too.
sd_cleanup_previous() {
  sd_cf=$SD_H$SD_CLEANUP_FILE
  if [ ! -f "$sd_cf" ]; then return 0; fi
  sd_soh=$(printf '\001')
  tr '\000' '\001' <"$sd_cf" >"$sd_tmp/cleanup"
  if [ -n "$(tail -c 1 -- "$sd_tmp/cleanup")" ]; then
    sed '$d' "$sd_tmp/cleanup" >"$sd_tmp/cleanup.complete"
  else
    cp -- "$sd_tmp/cleanup" "$sd_tmp/cleanup.complete"
  fi
  LC_ALL=C awk "$sd_reverse_awk" "$sd_tmp/cleanup.complete" >"$sd_tmp/cleanup.reversed"
  sd_checked_parent=
  sd_parent_inside=
  while IFS= read -r sd_l <&5; do
    if [ -z "$sd_l" ]; then continue; fi
    case $sd_l in
      "semanage$sd_soh"*)
        if sd_have semanage; then semanage fcontext -d "$SD_H$\{sd_l#"semanage$sd_soh"}" >/dev/null 2>&1; fi
        continue
        ;;
    esac
    sd_p=$SD_H$sd_l
    # Only inside the host root: a directory of the list may have become a link leading out since.
    sd_parent=$\{sd_l%/*}
    if [ "$sd_parent" != "$sd_checked_parent" ]; then
      sd_checked_parent=$sd_parent
      sd_parent_inside=1
      if ! sd_in_root "$SD_H$sd_parent"; then sd_parent_inside=; fi
    fi
    if [ -z "$sd_parent_inside" ]; then
      printf 'stepdeploy: %s was not removed: its directory leads outside the host root.\n' "$sd_l" >&2
      continue
    fi
    if [ -L "$sd_p" ]; then
      rm -f -- "$sd_p" || sd_fail "Unable to remove $sd_l"
    elif [ -d "$sd_p" ]; then
      rmdir -- "$sd_p" 2>/dev/null || :
    elif [ -e "$sd_p" ]; then
      rm -f -- "$sd_p" || sd_fail "Unable to remove $sd_l"
    fi
  done 5<"$sd_tmp/cleanup.reversed"
  rm -f -- "$sd_cf"
}

# Plan records for the missing ancestors of a path, outermost first.
sd_plan_ancestors() {
  sd_a=$\{1%/*}
  sd_list=
  while [ -n "$sd_a" ] && [ ! -e "$SD_H$sd_a" ]; do
    sd_list="M $sd_a
$sd_list"
    sd_a=$\{sd_a%/*}
  done
  if [ -n "$sd_list" ]; then printf '%s' "$sd_list"; fi
}

# A file (or symbolic link) to install at a target, under the file_exists_behavior.
sd_plan_copy() {
  if [ -e "$SD_H$2" ]; then
    case $SD_FILE_EXISTS in
      DISALLOW)
        printf 'X %s\n' "$2"
        return 1
        ;;
      RETAIN) return 0 ;;
    esac
  fi
  printf 'C %s\nS %s\n' "$2" "$\{1#"$SD_H"}"
}

# A planned directory must not lead outside the host root (through a link a revision installed): the
# walk fails there, before anything is copied.
sd_plan_inside() {
  if sd_in_root "$SD_H$1"; then return 0; fi
  printf 'F %s\n' "The deployment failed because the destination $1 leads through a symbolic link to $\{sd_real:-a path} outside the host root $SD_H; stepdeploy does not install through it. Remove the link, or change the destination in the files section of the AppSpec file, and then try again."
  return 1
}

# One files entry: source (in the revision, empty for its root), destination, and the target of a
# file source (destination/basename). A directory source copies its contents; a file source goes
# into the destination directory; missing ancestors are created.
sd_plan_entry() {
  if [ -n "$1" ]; then sd_src=$sd_archive/$1; else sd_src=$sd_archive; fi
  if [ -d "$sd_src" ] && [ ! -L "$sd_src" ]; then
    sd_plan_inside "$2" || return 1
    sd_plan_ancestors "$2"
    if [ ! -d "$SD_H$2" ]; then printf 'M %s\n' "$2"; fi
    if [ "$2" = / ]; then sd_base=; else sd_base=$2; fi
    find "$sd_src" -print >"$sd_tmp/walk" 2>/dev/null ||
      { printf 'F %s\n' "Unable to read the directory $1 of the revision."; return 1; }
    while IFS= read -r sd_e <&6; do
      if [ "$sd_e" = "$sd_src" ]; then continue; fi
      sd_t=$sd_base/$\{sd_e#"$sd_src"/}
      if [ -d "$sd_e" ] && [ ! -L "$sd_e" ]; then
        # An existing directory here may be a link (the files under it go where it leads).
        if [ -L "$SD_H$sd_t" ]; then sd_plan_inside "$sd_t" || return 1; fi
        if [ ! -d "$SD_H$sd_t" ]; then printf 'M %s\n' "$sd_t"; fi
      else
        sd_plan_copy "$sd_e" "$sd_t" || return 1
      fi
    done 6<"$sd_tmp/walk"
  else
    if [ ! -e "$sd_src" ] && [ ! -L "$sd_src" ]; then
      printf 'F %s\n' "The deployment failed because the source $1 named in the files section does not exist in the revision."
      return 1
    fi
    sd_plan_inside "$2" || return 1
    sd_plan_ancestors "$3"
    sd_plan_copy "$sd_src" "$3" || return 1
  fi
}

# A copy keeps mode and times (cp -p, like FileUtils.copy with preserve) and recreates symbolic links.
sd_copy() {
  if [ -L "$2" ]; then
    rm -f -- "$2" || return 1
  elif [ -d "$2" ]; then
    return 1
  fi
  cp -P -p -- "$1" "$2"
}

# Runs the planned instructions, recording every copied file and created directory.
sd_apply() {
  sd_require_in_root "$SD_H$SD_CLEANUP_FILE" "$SD_CLEANUP_FILE"
  exec 4>"$SD_H$SD_CLEANUP_FILE" || sd_fail "Unable to write $SD_CLEANUP_FILE"
  while IFS= read -r sd_line <&5; do
    case $sd_line in
      'mkdir '*)
        sd_p=$\{sd_line#mkdir }
        mkdir -- "$SD_H$sd_p" 2>/dev/null || sd_fail "Unable to create the directory $sd_p: a file already exists there or its parent is missing."
        printf '%s\n' "$sd_p" >&4
        ;;
      'copy '*)
        sd_p=$\{sd_line#copy }
        IFS= read -r sd_line <&5
        sd_s=$\{sd_line#from }
        printf '%s\n' "$sd_p" >&4
        sd_copy "$SD_H$sd_s" "$SD_H$sd_p" 2>/dev/null || sd_fail "Unable to copy $sd_s to $sd_p"
        ;;
      'perm '*)
        sd_p=$\{sd_line#perm }
        sd_perm_error=
        sd_apply_perm "$\{sd_p%% *}" "$\{sd_p#* }" || sd_fail "$sd_perm_error"
        ;;
    esac
  done 5<"$sd_tmp/instructions"
  exec 4>&-
}
`;

function effectiveFileExistsBehavior(
  appSpec: ServerAppSpec,
  override?: FileExistsBehavior,
): FileExistsBehavior {
  return appSpec.fileExistsBehavior ?? override ?? 'DISALLOW';
}

export function installScript(appSpec: ServerAppSpec, fileExistsOverride?: FileExistsBehavior): string {
  const behavior = effectiveFileExistsBehavior(appSpec, fileExistsOverride);
  const entries = appSpec.files.map((file, i) => {
    const source = normalizeInRevision(file.source, `The files[${String(i)}] source`);
    const destination = normalizeAbsolute(file.destination, `The files[${String(i)}] destination`);
    const basename = source.split('/').pop() ?? '';
    const fileTarget = joinPath(destination, basename);
    return sh`  sd_plan_entry ${shellQuote(source)} ${shellQuote(destination)} ${shellQuote(fileTarget)} || return 0`;
  });
  const permissions = compilePermissions(appSpec.permissions);
  const data =
    permissions.data.length === 0
      ? sh`: >"$sd_tmp/perms"`
      : sh`printf '%s\n' ${permissions.data.map((line) => shellQuote(line)).join(' \\\n  ')} >"$sd_tmp/perms"`;
  return sh`
SD_FILE_EXISTS=${shellQuote(behavior)}
sd_reverse_awk=${quoteProgram(REVERSE_AWK)}
sd_mode_awk=${quoteProgram(MODE_DIGITS_AWK)}
sd_planner_awk=${quoteProgram(PLANNER_AWK)}
${FUNCTIONS}${PERMISSION_COMMANDS}${permissions.apply}
# The walk stops at the first problem (an X or F record; "return 0" only ends the walk); the planner
# then reports the first problem in order, as the agent raises while generating its instructions.
sd_plan() {
${permissions.facts === '' ? '  :' : permissions.facts.replace(/^/gm, '  ')}
${entries.length === 0 ? '  :' : entries.join('\n')}
}

sd_init
sd_archive=$SD_H$SD_DIR/deployment-archive
if [ ! -d "$sd_archive" ]; then
  sd_fail "The revision of $SD_DEPLOYMENT_ID was not found at $SD_DIR/deployment-archive: DownloadBundle must succeed before Install."
fi
mkdir -p -- "$SD_H$SD_INSTRUCTIONS" || sd_fail "Error creating $SD_INSTRUCTIONS"
sd_cleanup_previous
${data}
sd_plan >"$sd_tmp/plan"
SD_PERMS=$sd_tmp/perms LC_ALL=C awk "$sd_planner_awk" "$sd_tmp/plan" >"$sd_tmp/instructions"
if [ $? -ne 0 ]; then
  sd_message=$(cat -- "$sd_tmp/instructions")
  sd_fail "$\{sd_message:-The install plan could not be made.}"
fi
sd_apply
sd_write_instruction "$SD_LAST_SUCCESSFUL_FILE" "$SD_DIR" "Could not write $SD_LAST_SUCCESSFUL_FILE"
sd_finish 0 '' 'Succeeded: '
`;
}
