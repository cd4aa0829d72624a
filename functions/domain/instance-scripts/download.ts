/**
 * DownloadBundle: archive retention, fetching the bundle to `bundle.tar`, checking and unpacking it
 * into `deployment-archive`, the single-top-directory strip, the hooks file and `_most_recent_install`
 * (reference §2.5).
 */
import { InvalidArgumentError } from '../errors.js';
import { ENTRY_CHECK_AWK, ETAG_AWK } from './awk.js';
import { assertSafeValue, quoteProgram, sh, shellQuote } from './quote.js';
import type { BundleSpec } from './types.js';

/** How many earlier deployment directories a group keeps (the agent's `:max_revisions:`). */
export const ARCHIVES_TO_RETAIN = 5;

type Source =
  { kind: 'url'; url: string } | { kind: 'file'; path: string } | { kind: 'directory'; path: string };

function bundleSource(bundle: BundleSpec): Source {
  const location = assertSafeValue(bundle.location, 'The bundle location');
  if (location === '') throw new InvalidArgumentError('The bundle location is empty.');
  if (/^https?:\/\//i.test(location)) {
    if (bundle.bundleType === 'directory') {
      throw new InvalidArgumentError('A directory bundle must be a local path, not a URL.');
    }
    return { kind: 'url', url: location };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location) && !/^file:\/\//i.test(location)) {
    throw new InvalidArgumentError(`Unsupported bundle location scheme: ${location.split(':')[0]}`);
  }
  const path = location.replace(/^file:\/\//i, '');
  return bundle.bundleType === 'directory' ? { kind: 'directory', path } : { kind: 'file', path };
}

/**
 * The bundle's location for messages. A presigned URL's query string is a credential, so it never
 * reaches diagnostics or logs.
 */
export function describeBundle(bundle: BundleSpec): string {
  if (bundle.s3) return `s3://${bundle.s3.bucket}/${bundle.s3.key}`;
  const source = bundleSource(bundle);
  if (source.kind !== 'url') return source.path;
  return source.url.replace(/[?#].*$/s, '');
}

function fetchFunction(bundle: BundleSpec): string {
  const source = bundleSource(bundle);
  const described = shellQuote(describeBundle(bundle), 'The bundle location');
  switch (source.kind) {
    case 'url': {
      const url = shellQuote(source.url, 'The bundle URL');
      const etag = bundle.s3?.eTag;
      const check =
        etag === undefined
          ? ''
          : sh`
  sd_expected=${shellQuote(etag, 'The bundle ETag')}
  sd_actual=$(LC_ALL=C awk ${quoteProgram(ETAG_AWK)} "$sd_tmp/headers")
  if [ "$(printf '%s' "$sd_expected" | tr -d '"')" != "$(printf '%s' "$sd_actual" | tr -d '"')" ]; then
    sd_fail "Expected deployment artifact bundle etag $sd_expected but was actually $sd_actual"
  fi`;
      return sh`
# An https (or http) URL, usually presigned: curl or wget, whichever the instance has. Only the
# status and exit code reach messages, since the tools' own messages may quote the signed URL.
sd_fetch() {
  : >"$sd_tmp/headers"
  if sd_have curl; then
    sd_status=$(curl -fsS -L --proto '=http,https' --proto-redir '=http,https' -D "$sd_tmp/headers" -w '%{http_code}' -o "$1" ${url} 2>/dev/null)
    sd_rc=$?
    if [ "$sd_rc" -ne 0 ]; then
      sd_fail "Could not download the bundle from "${described}": HTTP status $sd_status (curl exit code $sd_rc)."
    fi
  elif sd_have wget; then
    wget -nv -S -O "$1" ${url} 2>"$sd_tmp/headers"
    sd_rc=$?
    if [ "$sd_rc" -ne 0 ]; then
      sd_fail "Could not download the bundle from "${described}" (wget exit code $sd_rc)."
    fi
  else
    sd_fail 'Neither curl nor wget is installed on the instance, so the bundle cannot be downloaded.'
  fi${check}
}
`;
    }
    case 'file': {
      const path = shellQuote(source.path, 'The bundle path');
      return sh`
sd_fetch() {
  if [ ! -f ${path} ]; then
    sd_fail "The bundle "${described}" does not exist or is not a file."
  fi
  cp -- ${path} "$1" || sd_fail "Could not copy the bundle from "${described}"."
}
`;
    }
    case 'directory': {
      const path = shellQuote(source.path, 'The bundle path');
      // Packed into bundle.tar, so a directory goes through the same checks and unpacking as a tar.
      return sh`
sd_fetch() {
  if [ ! -d ${path} ]; then
    sd_fail "The bundle directory "${described}" does not exist."
  fi
  # Sparse files stay sparse (-S, GNU tar and bsdtar): their holes must not become disk blocks here,
  # in the unpacked revision and in the installed copy (cp keeps holes).
  tar -S -cf "$1" -C ${path} . 2>/dev/null || tar -cf "$1" -C ${path} . ||
    sd_fail "Could not pack the bundle directory "${described}"."
}
`;
    }
  }
}

function unpackFunctions(bundle: BundleSpec): string {
  const type = bundle.bundleType === 'directory' ? 'tar' : bundle.bundleType;
  const list =
    type === 'zip'
      ? sh`unzip -Z1 "$1" >"$sd_tmp/entries" 2>/dev/null`
      : type === 'tgz'
        ? sh`tar -tzf "$1" >"$sd_tmp/entries" 2>/dev/null`
        : sh`tar -tf "$1" >"$sd_tmp/entries" 2>/dev/null`;
  const extract =
    type === 'zip'
      ? sh`unzip -qo "$1" -d "$2" >/dev/null 2>&1
  sd_rc=$?
  case $sd_rc in
    0 | 1) ;;
    50) sd_unpack_failed 'The disk is (or was) full during extraction.' ;;
    *) sd_unpack_failed "Error extracting zip archive: $sd_rc" ;;
  esac`
      : sh`tar -${type === 'tgz' ? 'z' : ''}xpf "$1" -C "$2"
  sd_rc=$?
  if [ "$sd_rc" -ne 0 ]; then sd_unpack_failed "Error extracting tar archive: $sd_rc"; fi`;
  const needs =
    type === 'zip'
      ? sh`
  if ! sd_have unzip; then sd_fail 'unzip is not installed on the instance, so a zip bundle cannot be unpacked.'; fi`
      : '';
  return sh`
sd_unpack_failed() {
  rm -rf -- "$sd_archive"
  sd_fail "$1"
}

# Refuses, before unpacking, any member with an absolute name or a .. segment (the orchestrator checks
# too): nothing is unpacked, so nothing can be installed.
sd_check_entries() {${needs}
  ${list}
  sd_rc=$?
  # unzip exits 1 for warnings only (an empty archive, say).
  if [ "$sd_rc" -ne 0 ]${type === 'zip' ? ' && [ "$sd_rc" -ne 1 ]' : ''}; then
    sd_fail "Error extracting ${type === 'zip' ? 'zip' : 'tar'} archive: $sd_rc"
  fi
  sd_bad=$(SD_ZIP=${type === 'zip' ? '1' : '0'} LC_ALL=C awk ${quoteProgram(ENTRY_CHECK_AWK)} "$sd_tmp/entries")
  if [ -n "$sd_bad" ]; then
    sd_fail "The deployment failed because the bundle contains an unsafe entry: $sd_bad. Entries with an absolute path or a .. segment are refused; nothing was unpacked."
  fi
}

sd_extract() {
  ${extract}
}
`;
}

/**
 * The steps that do not depend on the bundle's type. The walk of the unpacked tree refuses names
 * with a newline (the scripts' files hold one path a line), special files, and symbolic links that
 * resolve outside the archive directory.
 */
const COMMON = sh`
# Keeps at most ${String(ARCHIVES_TO_RETAIN)} earlier deployment directories of the group, deleting the oldest by
# modification time, never the current one nor the last successful one.
sd_cleanup_old_archives() {
  sd_grp=$SD_H$SD_GROUP_DIR
  [ -d "$sd_grp" ] || return 0
  sd_last=
  if [ -f "$SD_H$SD_LAST_SUCCESSFUL_FILE" ]; then sd_last=$(cat -- "$SD_H$SD_LAST_SUCCESSFUL_FILE"); fi
  sd_dirs=$(CDPATH= cd -- "$sd_grp" && ls -1dtr -- */ 2>/dev/null)
  sd_count=0
  while IFS= read -r sd_d; do
    sd_d=$\{sd_d%/}
    if [ -n "$sd_d" ] && [ "$sd_d" != "$SD_DEPLOYMENT_ID" ]; then sd_count=$((sd_count + 1)); fi
  done <<SD_END_OF_LIST
$sd_dirs
SD_END_OF_LIST
  sd_extra=$((sd_count - ${String(ARCHIVES_TO_RETAIN)}))
  while [ "$sd_extra" -gt 0 ] && IFS= read -r sd_d; do
    sd_d=$\{sd_d%/}
    if [ -z "$sd_d" ] || [ "$sd_d" = "$SD_DEPLOYMENT_ID" ] || [ "$SD_GROUP_DIR/$sd_d" = "$sd_last" ]; then continue; fi
    rm -rf -- "$sd_grp/$sd_d"
    sd_extra=$((sd_extra - 1))
  done <<SD_END_OF_LIST
$sd_dirs
SD_END_OF_LIST
}

sd_check_tree() {
  sd_nl='
'
  find "$sd_archive" -name "*$sd_nl*" -print >"$sd_tmp/newlines" 2>/dev/null
  if [ -s "$sd_tmp/newlines" ]; then
    sd_unpack_failed 'The deployment failed because the bundle contains a file name with a newline, which stepdeploy does not install.'
  fi
  # A FIFO or device would block or misbehave when Install copies it.
  find "$sd_archive" ! -type f ! -type d ! -type l -print >"$sd_tmp/special" 2>/dev/null
  if [ -s "$sd_tmp/special" ]; then
    sd_special=$(head -n 1 "$sd_tmp/special")
    sd_unpack_failed "The deployment failed because the bundle contains a special file (a FIFO, socket or device): $\{sd_special#"$sd_archive"/}. Nothing was installed."
  fi
  sd_real_archive=$(CDPATH= cd -- "$sd_archive" && pwd -P) || sd_unpack_failed 'The unpacked bundle cannot be read.'
  find "$sd_archive" -type l -print >"$sd_tmp/links" 2>/dev/null
  while IFS= read -r sd_link; do
    sd_target=$(sd_resolve "$sd_link")
    case $sd_target in
      "$sd_real_archive" | "$sd_real_archive"/*) ;;
      *)
        sd_unpack_failed "The deployment failed because the bundle contains a symbolic link that points outside the revision: $\{sd_link#"$sd_archive"/} -> $(readlink -- "$sd_link"). Nothing was installed."
        ;;
    esac
  done <"$sd_tmp/links"
}

# Files keep the revision's permission bits, but not its setuid, setgid or sticky bits nor its owners
# (stricter than the agent, whose tar -xp as root keeps both): a revision must not plant a set-user-id
# binary or hand files to another user. The AppSpec's permissions section can still ask for them.
sd_normalize_metadata() {
  find "$sd_archive" ! -type l \( -perm -4000 -o -perm -2000 -o -perm -1000 \) -exec chmod u-s,g-s,o-t {} + 2>/dev/null ||
    sd_unpack_failed 'Could not clear the setuid, setgid and sticky bits of the unpacked bundle.'
  if [ "$(id -u 2>/dev/null)" = 0 ]; then
    chown -R -h 0:0 -- "$sd_archive" 2>/dev/null || sd_unpack_failed 'Could not give the unpacked bundle to root.'
  fi
}

# The agent strips the archive's single top-level directory when it holds a file named like appspec.
sd_strip_top_directory() {
  sd_n=0
  sd_only=
  for sd_e in "$sd_archive"/* "$sd_archive"/.[!.]* "$sd_archive"/..?*; do
    if [ -e "$sd_e" ] || [ -L "$sd_e" ]; then
      sd_n=$((sd_n + 1))
      sd_only=$sd_e
    fi
  done
  if [ "$sd_n" -ne 1 ] || [ ! -d "$sd_only" ] || [ -L "$sd_only" ]; then return 0; fi
  sd_found=
  for sd_e in "$sd_only"/* "$sd_only"/.[!.]* "$sd_only"/..?*; do
    if [ -f "$sd_e" ]; then
      case $\{sd_e##*/} in *[Aa][Pp][Pp][Ss][Pp][Ee][Cc]*) sd_found=1 ;; esac
    fi
  done
  if [ -z "$sd_found" ]; then return 0; fi
  rm -rf -- "$sd_archive.top"
  mv -- "$sd_only" "$sd_archive.top" && rmdir -- "$sd_archive" && mv -- "$sd_archive.top" "$sd_archive" ||
    sd_unpack_failed 'Could not strip the top-level directory of the bundle.'
}
`;

/** The whole DownloadBundle body; `hooksFile` is the generated hooks file, one line per element. */
export function downloadBundleScript(bundle: BundleSpec, hooksFile: string[]): string {
  const hooksLines = hooksFile.map((line) => shellQuote(line, 'A hooks file line')).join(' \\\n  ');
  return sh`${COMMON}${fetchFunction(bundle)}${unpackFunctions(bundle)}
sd_init
sd_bundle=$SD_H$SD_DIR/bundle.tar
sd_archive=$SD_H$SD_DIR/deployment-archive
rm -f -- "$SD_H$SD_DIR/stepdeploy-hooks.sh"
sd_cleanup_old_archives
rm -f -- "$sd_bundle"
sd_fetch "$sd_bundle"
rm -rf -- "$sd_archive" "$sd_archive.top"
sd_check_entries "$sd_bundle"
mkdir -p -- "$sd_archive" || sd_fail "Error creating $SD_DIR/deployment-archive"
sd_extract "$sd_bundle" "$sd_archive"
sd_check_tree
sd_normalize_metadata
sd_strip_top_directory
# The hooks of this revision, for every later event that runs from it (reference §2.2).
printf '%s\n' ${hooksLines} >"$SD_H$SD_DIR/stepdeploy-hooks.sh.tmp" &&
  mv -- "$SD_H$SD_DIR/stepdeploy-hooks.sh.tmp" "$SD_H$SD_DIR/stepdeploy-hooks.sh" ||
  sd_fail "Could not write $SD_DIR/stepdeploy-hooks.sh"
sd_write_instruction "$SD_MOST_RECENT_FILE" "$SD_DIR" "Could not write $SD_MOST_RECENT_FILE"
sd_finish 0 '' 'Succeeded: '
`;
}
