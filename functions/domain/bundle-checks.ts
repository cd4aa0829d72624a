/**
 * Safety checks and AppSpec lookup over a revision bundle's listing, before anything is unpacked.
 * Pure: it sees only the entries (path, type, link target) that an adapter listed.
 *
 * The instance script checks the unpacked tree again (defence in depth); these checks let Prepare
 * refuse an unsafe revision before any instance is touched.
 */

/**
 * One entry of a bundle listing. Same shape as `BundleEntry` in ports/revision-source.ts: the domain
 * may not import ports, and TypeScript's structural typing makes the two interchangeable.
 */
export interface BundleEntry {
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';
  linkTarget?: string;
}

/** The agent's lookup order at the bundle root (reference §1.1: appspec.yaml, then appspec.yml). */
export const APPSPEC_FILE_NAMES = ['appspec.yaml', 'appspec.yml'] as const;

/** Linux gives up resolving a path after 40 symbolic links (MAXSYMLINKS); so do we. */
const MAX_LINK_HOPS = 40;

/**
 * Both separators count: unzip turns the backslashes of a bundle zipped on Windows into directories,
 * so `..\evil` is as dangerous as `../evil`. Treating them alike only ever refuses more.
 */
const SEPARATORS = /[\\/]/;

function rawSegments(path: string): string[] {
  return path.split(SEPARATORS);
}

/** Path segments without empty and `.` segments: `./app//x/` -> [app, x]. */
function segmentsOf(path: string): string[] {
  return rawSegments(path).filter((segment) => segment !== '' && segment !== '.');
}

/** A leading `/`, a Windows drive (`C:`, `C:\`) or a backslash / UNC root (`\x`, `\\server`). */
function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || path.startsWith('\\') || /^[A-Za-z]:/.test(path);
}

function keyOf(segments: readonly string[]): string {
  return segments.join('/');
}

function quoted(value: string): string {
  return JSON.stringify(value);
}

/** The bundle as the extracted tree will look: tar and zip let a later entry replace an earlier one. */
interface Tree {
  entries: Map<string, BundleEntry>;
  /** After the agent's single-top-directory strip, the directory that becomes the root ([] if none). */
  root: string[];
}

function treeOf(entries: readonly BundleEntry[]): Tree {
  const byKey = new Map<string, BundleEntry>();
  for (const entry of entries) {
    const segments = segmentsOf(entry.path);
    if (segments.length > 0) byKey.set(keyOf(segments), entry);
  }
  return { entries: byKey, root: strippedTopDirectory(entries, byKey) };
}

/**
 * The agent's rule (reference §2.5, AGENT:command_executor.rb `unpack_bundle`): if the archive root
 * holds exactly one entry, that entry is a directory, and the directory holds an entry whose name
 * matches /appspec/i, the directory becomes the root. Like the instance script, a symbolic link is
 * not taken for the top directory, and only a non-directory entry counts as the AppSpec-like name.
 */
function strippedTopDirectory(entries: readonly BundleEntry[], byKey: Map<string, BundleEntry>): string[] {
  const rootNames = new Set<string>();
  for (const entry of entries) {
    const first = segmentsOf(entry.path)[0];
    if (first !== undefined) rootNames.add(first);
  }
  if (rootNames.size !== 1) return [];
  const [top] = [...rootNames] as [string];
  const own = byKey.get(top);
  if (own !== undefined && own.type !== 'directory') return [];
  const holdsAppSpecName = [...byKey.entries()].some(([key, entry]) => {
    const segments = key.split('/');
    return segments.length === 2 && entry.type !== 'directory' && /appspec/i.test(segments[1] ?? '');
  });
  return holdsAppSpecName ? [top] : [];
}

type Resolution = { kind: 'inside'; segments: string[] } | { kind: 'outside' } | { kind: 'loop' };

/**
 * Resolves `rest` from `start` the way the kernel would in the unpacked tree: segment by segment,
 * replacing each symbolic link met on the way by its target. Leaving the (possibly stripped) root at
 * any point is `outside`, even if a later `..` would come back: on the instance the path really does
 * pass through the directory above.
 */
function resolve(tree: Tree, start: readonly string[], rest: readonly string[]): Resolution {
  const floor = tree.root.length;
  const stack = [...start];
  const pending = [...rest];
  let hops = 0;
  while (pending.length > 0) {
    const segment = pending.shift() as string;
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (stack.length <= floor) return { kind: 'outside' };
      stack.pop();
      continue;
    }
    stack.push(segment);
    const entry = tree.entries.get(keyOf(stack));
    if (entry?.type !== 'symlink') continue;
    hops += 1;
    if (hops > MAX_LINK_HOPS) return { kind: 'loop' };
    const target = entry.linkTarget ?? '';
    if (isAbsolutePath(target)) return { kind: 'outside' };
    stack.pop();
    pending.unshift(...rawSegments(target));
  }
  if (tree.root.some((segment, index) => stack[index] !== segment)) return { kind: 'outside' };
  return { kind: 'inside', segments: stack };
}

function unsafeReason(tree: Tree, entry: BundleEntry): string | undefined {
  const name = quoted(entry.path);
  if (isAbsolutePath(entry.path)) return `${name}: the path is absolute`;
  if (rawSegments(entry.path).includes('..')) return `${name}: the path has a ".." segment`;
  if (entry.type === 'other') return `${name}: a device, FIFO or other special file`;
  const segments = segmentsOf(entry.path);
  // An entry written through a symbolic link directory lands wherever that link points.
  if (segments.length > 1 && resolve(tree, [], segments.slice(0, -1)).kind === 'outside') {
    return `${name}: its directory is a symbolic link that leads outside the bundle`;
  }
  if (entry.type === 'symlink' || entry.type === 'hardlink') return unsafeLink(tree, entry, segments);
  return undefined;
}

function unsafeLink(tree: Tree, entry: BundleEntry, segments: string[]): string | undefined {
  const kind = entry.type === 'symlink' ? 'symbolic link' : 'hard link';
  const target = entry.linkTarget ?? '';
  const described = `${quoted(entry.path)} -> ${quoted(target)}`;
  if (target === '') return `${described}: a ${kind} without a target`;
  if (isAbsolutePath(target)) return `${described}: a ${kind} to an absolute path`;
  // A symbolic link's target is relative to the link's directory; a tar hard link names another
  // member of the archive, so its target is relative to the archive root.
  const resolution =
    entry.type === 'symlink'
      ? resolve(tree, [], [...segments.slice(0, -1), ...rawSegments(target)])
      : resolve(tree, [], rawSegments(target));
  if (resolution.kind === 'outside') return `${described}: a ${kind} that resolves outside the bundle`;
  return undefined;
}

/**
 * One message per unsafe entry: an absolute path (`/x`, `C:\x`, `\\server\x`), a `..` segment, a
 * device or FIFO, or a link (symbolic or hard) that is absolute or resolves outside the bundle root
 * (after the single-top-directory strip, since that directory is the root on the instance).
 * A symbolic link loop is not reported: it cannot reach outside, the kernel refuses to follow it.
 */
export function checkBundleEntries(entries: readonly BundleEntry[]): string[] {
  const tree = treeOf(entries);
  return entries.flatMap((entry) => {
    const reason = unsafeReason(tree, entry);
    return reason === undefined ? [] : [reason];
  });
}

/** The directory the agent strips (the single top directory holding an AppSpec-like name), if any. */
export function topDirectoryToStrip(entries: readonly BundleEntry[]): string | undefined {
  return treeOf(entries).root[0];
}

/**
 * The stored path of the AppSpec entry: `appspec.yaml`, else `appspec.yml`, at the root after the
 * single-top-directory strip; undefined when there is none. Names are case-sensitive, as on the
 * instance's file system.
 */
export function appSpecEntryPath(entries: readonly BundleEntry[]): string | undefined {
  const tree = treeOf(entries);
  for (const name of APPSPEC_FILE_NAMES) {
    const entry = tree.entries.get(keyOf([...tree.root, name]));
    if (entry !== undefined && entry.type !== 'directory' && entry.type !== 'other') return entry.path;
  }
  return undefined;
}

/**
 * The regular-file entry that `path` leads to, following symbolic links (relative to their
 * directory) and hard links (relative to the archive root) inside the bundle; undefined if the path
 * leaves the bundle, loops, or ends anywhere but at a regular file. Readers use it to read the
 * AppSpec's bytes from the member that actually holds them.
 */
export function resolveBundleFile(entries: readonly BundleEntry[], path: string): BundleEntry | undefined {
  const tree = treeOf(entries);
  let segments = segmentsOf(path);
  for (let hops = 0; hops <= MAX_LINK_HOPS; hops += 1) {
    const resolution = resolve(tree, [], segments);
    if (resolution.kind !== 'inside') return undefined;
    const entry = tree.entries.get(keyOf(resolution.segments));
    if (entry?.type === 'file') return entry;
    if (entry?.type !== 'hardlink' || entry.linkTarget === undefined || isAbsolutePath(entry.linkTarget)) {
      return undefined;
    }
    segments = rawSegments(entry.linkTarget);
  }
  return undefined;
}

/**
 * How big a bundle may be once unpacked, and how many entries it may hold: checked while it is
 * listed, before any host is touched. The compression ratio (unpacked bytes / archive bytes) catches
 * a zip or gzip bomb, which unpacks a few megabytes into gigabytes on every host.
 */
export interface BundleLimits {
  maxUnpackedBytes: number;
  maxEntries: number;
  maxCompressionRatio: number;
}

export const DEFAULT_BUNDLE_LIMITS: BundleLimits = {
  maxUnpackedBytes: 2 * 1024 ** 3,
  maxEntries: 50_000,
  maxCompressionRatio: 100,
};

/**
 * Below this unpacked size the ratio is not judged: a small bundle of repetitive text compresses far
 * better than 100:1 and is no threat to a disk.
 */
export const COMPRESSION_RATIO_FLOOR_BYTES = 16 * 1024 ** 2;

export interface BundleTotals {
  entries: number;
  unpackedBytes: number;
  /** The archive's own size (tar, tgz, zip); absent for a directory. */
  archiveBytes?: number;
}

/** `2 GiB`, `512 MiB`, `300 KiB`, `12 bytes`. */
export function formatBytes(bytes: number): string {
  const units: Array<[string, number]> = [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ];
  for (const [unit, size] of units) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} bytes`;
}

/** The first limit the totals so far exceed, as a message naming it and how to raise it. */
export function bundleLimitProblem(totals: BundleTotals, limits: BundleLimits): string | undefined {
  if (totals.entries > limits.maxEntries) {
    return `The bundle holds more than ${limits.maxEntries} entries (files, directories and links), the limit on a bundle's entry count; nothing was unpacked. Raise the limit (stepdeploy deploy --max-bundle-entries) if the revision really needs that many.`;
  }
  if (totals.unpackedBytes > limits.maxUnpackedBytes) {
    return `The bundle unpacks to more than ${formatBytes(limits.maxUnpackedBytes)}, the limit on a bundle's unpacked size; nothing was unpacked. Raise the limit (stepdeploy deploy --max-bundle-size) if the revision really is that big.`;
  }
  const archive = totals.archiveBytes;
  if (archive !== undefined && totals.unpackedBytes > COMPRESSION_RATIO_FLOOR_BYTES) {
    const ratio = totals.unpackedBytes / Math.max(archive, 1);
    if (ratio > limits.maxCompressionRatio) {
      return `The bundle unpacks ${formatBytes(archive)} into more than ${formatBytes(totals.unpackedBytes)}, a compression ratio over ${Math.floor(ratio)}:1, beyond the limit of ${limits.maxCompressionRatio}:1 (a zip bomb looks like this); nothing was unpacked. Raise the limit (stepdeploy deploy --max-compression-ratio) if the revision is genuine.`;
    }
  }
  return undefined;
}
