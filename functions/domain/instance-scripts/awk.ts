/**
 * The awk programs the scripts run. They are constant text: data reaches them only through the
 * environment (`ENVIRON`), files and standard input, never through the program. Every call runs
 * with `LC_ALL=C`, so lengths are bytes (the agent's 2048-byte log tail) and any byte is a character.
 */

/**
 * Reads one output stream of a hook script and writes each line to scripts.log as
 * `YYYY-MM-DD HH:MM:SS [stdout]<line>` and, untimestamped, to the event's log (for the tail).
 * POSIX awk has no clock except `srand()`, which returns the previous seed: calling it twice gives
 * the current time in seconds, turned into local time with the offset `date +%z` printed at start.
 * Every SD_LOG_CHECK bytes it runs SD_TRIM_SH, which keeps scripts.log and the event's log under their caps.
 */
export const READER_AWK = String.raw`
BEGIN {
  tag = ENVIRON["SD_TAG"]; logf = ENVIRON["SD_LOGF"]; evf = ENVIRON["SD_EVENTS"]
  tz = ENVIRON["SD_TZ"]; off = 0
  if (tz ~ /^[-+][0-9][0-9][0-9][0-9]$/) {
    off = substr(tz, 2, 2) * 3600 + substr(tz, 4, 2) * 60
    if (substr(tz, 1, 1) == "-") off = -off
  }
  last = -1
  every = ENVIRON["SD_LOG_CHECK"] + 0; written = 0
}
function stamp(    t, days, secs, z, era, doe, yoe, y, doy, mp, d, m) {
  srand(); t = srand() + off
  if (t == last) return cached
  last = t
  days = int(t / 86400); secs = t - days * 86400
  z = days + 719468; era = int(z / 146097); doe = z - era * 146097
  yoe = int((doe - int(doe / 1460) + int(doe / 36524) - int(doe / 146096)) / 365)
  y = yoe + era * 400; doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
  mp = int((5 * doy + 2) / 153); d = doy - int((153 * mp + 2) / 5) + 1
  m = mp < 10 ? mp + 3 : mp - 9
  if (m <= 2) y++
  cached = sprintf("%04d-%02d-%02d %02d:%02d:%02d", y, m, d, int(secs / 3600), int(secs % 3600 / 60), secs % 60)
  return cached
}
{
  line = tag $0
  print (stamp() " " line) >> logf; fflush(logf)
  print line >> evf; fflush(evf)
  # Now and then the logs are trimmed to their caps (the command is constant text; data is in ENVIRON).
  written += length(line) + 21
  if (every > 0 && written >= every) { written = 0; system(ENVIRON["SD_TRIM_SH"]) }
}
END { if (ENVIRON["SD_EOF"] != "") printf "" > ENVIRON["SD_EOF"] }
`;

/**
 * Prints the agent's diagnostics JSON from SD_J_CODE, SD_J_SCRIPT, SD_J_MSG and the event's log
 * lines on input. The log is the agent's tail: the newest whole lines that fit in 2048 bytes
 * (newline included); a line longer than that empties it.
 */
export const JSON_AWK = String.raw`
function esc(s,    out, i, n, c) {
  out = ""; n = length(s)
  for (i = 1; i <= n; i++) {
    c = substr(s, i, 1)
    if (c == "\\") out = out "\\\\"
    else if (c == "\"") out = out "\\\""
    else if (c in ctl) out = out ctl[c]
    else out = out c
  }
  return out
}
BEGIN {
  for (i = 1; i < 32; i++) ctl[sprintf("%c", i)] = sprintf("\\u%04x", i)
  ctl["\n"] = "\\n"; ctl["\t"] = "\\t"; ctl["\r"] = "\\r"
  head = 1; count = 0; size = 0
}
{
  entry = $0 "\n"
  q[++count] = entry; size += length(entry)
  while (size > 2048 && head <= count) { size -= length(q[head]); delete q[head]; head++ }
}
END {
  tl = ""
  for (i = head; i <= count; i++) tl = tl q[i]
  printf "{\"error_code\":%d,\"script_name\":\"%s\",\"message\":\"%s\",\"log\":\"%s\"}\n", ENVIRON["SD_J_CODE"], esc(ENVIRON["SD_J_SCRIPT"]), esc(ENVIRON["SD_J_MSG"]), esc(tl)
}
`;

/**
 * Checks an archive listing (one member name a line) before anything is unpacked: prints the first
 * absolute name or name with a `..` segment and exits 1. Zip names may use `\` as a separator.
 */
export const ENTRY_CHECK_AWK = String.raw`
BEGIN { zip = ENVIRON["SD_ZIP"] == "1" }
{
  name = $0
  if (zip) gsub(/\\/, "/", name)
  if (substr(name, 1, 1) == "/") { print $0; exit 1 }
  n = split(name, seg, "/")
  for (i = 1; i <= n; i++) if (seg[i] == "..") { print $0; exit 1 }
}
`;

/** Reverses the lines of a file (the cleanup file is undone last line first). */
export const REVERSE_AWK = String.raw`
{ line[NR] = $0 }
END { for (i = NR; i >= 1; i--) print line[i] }
`;

/** `ls -ld` of one path -> its owner, group and other permission digits (`755`). */
export const MODE_DIGITS_AWK = String.raw`
{
  p = substr($1, 2, 9); digits = ""
  for (i = 0; i < 3; i++) {
    v = 0
    if (substr(p, i * 3 + 1, 1) == "r") v += 4
    if (substr(p, i * 3 + 2, 1) == "w") v += 2
    c = substr(p, i * 3 + 3, 1)
    if (c == "x" || c == "s" || c == "t") v += 1
    digits = digits v
  }
  print digits
  exit
}
`;

/** The last ETag header in an HTTP response header dump (curl -D or wget -S). */
export const ETAG_AWK = String.raw`
tolower($0) ~ /^[ \t]*etag:/ { v = $0; sub(/^[^:]*:[ \t]*/, "", v); sub(/[ \t\r]+$/, "", v); e = v }
END { print e }
`;

/**
 * The Install planner: the agent's CommandBuilder. Input, in walk order: `M <dir>` (a directory to
 * create), `C <target>` then `S <source>` (a file to copy), `X <target>` (a file that exists under
 * DISALLOW), `F <message>` (another walk failure) and `D <i>` (permission i's object is an existing
 * directory). SD_PERMS names the permission data file: `obj|pat|exc|msgpat|msgexc <i> <value>` and
 * `file|directory|defacl <i>` lines. Output: the instructions (`mkdir <dir>`, `copy <target>` +
 * `from <source>`, `perm <i> <path>`), or the agent's error message and exit status 3.
 */
export const PLANNER_AWK = String.raw`
function fail(message) {
  if (!failed) print message
  failed = 1
  exit 3
}
function glob(s, g,    n, parts, i, first, last, pos, seg) {
  if (index(s, "/")) return 0
  n = split(g, parts, /[*]/)
  if (n <= 1) return s == g
  first = parts[1]; last = parts[n]
  if (length(s) < length(first) + length(last)) return 0
  if (substr(s, 1, length(first)) != first) return 0
  if (last != "" && substr(s, length(s) - length(last) + 1) != last) return 0
  s = substr(s, length(first) + 1, length(s) - length(first) - length(last))
  for (i = 2; i < n; i++) {
    seg = parts[i]
    if (seg == "") continue
    pos = index(s, seg)
    if (pos == 0) return 0
    s = substr(s, pos + length(seg))
  }
  return 1
}
function matches(name, p,    base, rel, e) {
  base = obj[p]
  if (base != "/") base = base "/"
  if (substr(name, 1, length(base)) != base) return 0
  rel = substr(name, length(base) + 1)
  if (rel == "") return 0
  if (pat[p] != "**" && !glob(rel, pat[p])) return 0
  for (e = 1; e <= ne[p]; e++) if (glob(rel, exc[p, e])) return 0
  return 1
}
function setperm(path, p) {
  if (path in permitted) fail("The deployment failed because the permissions setting for (" path ") is specified more than once in the application specification file. Update the files section of the AppSpec file, and then try again.")
  permitted[path] = 1
  out[++no] = "perm " p " " path
}
BEGIN {
  acl = "The deployment failed because the -d parameter has been specified to apply an acl setting to a file. This parameter is supported for directories only. Update the AppSpec file, and then try again."
  pf = ENVIRON["SD_PERMS"]; np = 0
  while ((getline line < pf) > 0) {
    sp = index(line, " "); k = substr(line, 1, sp - 1); rest = substr(line, sp + 1)
    sp = index(rest, " ")
    if (sp == 0) { i = rest + 0; v = "" } else { i = substr(rest, 1, sp - 1) + 0; v = substr(rest, sp + 1) }
    if (i + 1 > np) np = i + 1
    if (k == "obj") obj[i] = v
    else if (k == "pat") pat[i] = v
    else if (k == "exc") exc[i, ++ne[i]] = v
    else if (k == "file") tf[i] = 1
    else if (k == "directory") td[i] = 1
    else if (k == "defacl") defacl[i] = 1
    else if (k == "msgpat") msgpat[i] = v
    else if (k == "msgexc") msgexc[i] = v
  }
  close(pf)
}
substr($0, 1, 2) == "D " { isdir[substr($0, 3) + 0] = 1; next }
substr($0, 1, 2) == "M " {
  d = substr($0, 3)
  if (d in csrc) fail("The deployment failed because the application specification file includes an mkdir command more than once for the same destination path (" d ") from (" csrc[d] "). Update the files section of the AppSpec file, and then try again.")
  if (!(d in mset)) { mset[d] = 1; mk[++nm] = d; out[++no] = "mkdir " d }
  next
}
substr($0, 1, 2) == "C " { pending = substr($0, 3); next }
substr($0, 1, 2) == "S " {
  s = substr($0, 3); d = pending
  if (d in csrc) fail("The deployment failed because the application specification file specifies two source files named " s " and " csrc[d] " for the same destination (" d "). Remove one of the source file paths from the AppSpec file, and then try again.")
  if (d in mset) fail("The deployment failed because the application specification file calls for installing the file " s ", but a file with that name already exists at the location (" d "). Update your AppSpec file or directory structure, and then try again.")
  csrc[d] = s; ck[++nc] = d; out[++no] = "copy " d; out[++no] = "from " s
  next
}
substr($0, 1, 2) == "X " { fail("The deployment failed because a specified file already exists at this location: " substr($0, 3)) }
substr($0, 1, 2) == "F " { fail(substr($0, 3)) }
END {
  if (failed) exit 3
  for (p = 0; p < np; p++) {
    o = obj[p]
    if (o in csrc) {
      if (!tf[p]) continue
      if (pat[p] != "**") fail(msgpat[p])
      if (ne[p] > 0) fail(msgexc[p])
      if (defacl[p]) fail(acl)
      setperm(o, p)
    } else if ((o in mset) || isdir[p]) {
      if (tf[p]) for (j = 1; j <= nc; j++) if (matches(ck[j], p)) { if (defacl[p]) fail(acl); setperm(ck[j], p) }
      if (td[p]) for (j = 1; j <= nm; j++) if (matches(mk[j], p)) setperm(mk[j], p)
    }
    if (failed) exit 3
  }
  for (k = 1; k <= no; k++) print out[k]
}
`;

/**
 * Run by the readers every SD_LOG_CHECK bytes: a file over its cap keeps its newest half, without its
 * first (cut) line, rewritten in place, so that the readers' append-mode files stay the same file. The
 * copy it makes is at most half the cap, never the size of the log. Data comes from the environment:
 * SD_LOGF, SD_LOG_MAX (scripts.log) and SD_EVENTS (the event's own log, which only feeds the tail).
 */
export const TRIM_SH = String.raw`
sd_trim() {
  sd_size=$(wc -c <"$1" 2>/dev/null) || return 0
  if [ "$sd_size" -le "$2" ]; then return 0; fi
  tail -c "$3" "$1" | sed 1d >"$1.kept" || { rm -f "$1.kept"; return 0; }
  : >"$1"
  if [ -n "$4" ]; then printf '%s\n' "$4" >>"$1"; fi
  cat "$1.kept" >>"$1"
  rm -f "$1.kept"
}
sd_trim "$SD_LOGF" "$SD_LOG_MAX" $((SD_LOG_MAX / 2)) "$(date '+%Y-%m-%d %H:%M:%S') [stepdeploy] scripts.log was over its cap of $SD_LOG_MAX bytes: older lines were removed."
sd_trim "$SD_EVENTS" 65536 16384 ''
`;
