/**
 * Lists a revision bundle (tar, tgz, zip or a directory) and reads its AppSpec, without unpacking
 * anything onto disk: the listing feeds the domain's safety checks, which must run before any file
 * of an untrusted bundle lands anywhere. Shared by the S3 source (AWS) and the local source.
 *
 * A bundle on disk is streamed (a zip is read entry by entry), never read whole into memory, and the
 * listing stops at the first limit it exceeds: entries, unpacked size, compression ratio.
 */
import { createReadStream, type Dirent } from 'node:fs';
import { Readable } from 'node:stream';
import { lstat, readdir, readFile, readlink, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Parser, type ReadEntry } from 'tar';
import yauzl, { type Entry as ZipEntry, type ZipFile } from 'yauzl';
import {
  appSpecEntryPath,
  bundleLimitProblem,
  DEFAULT_BUNDLE_LIMITS,
  resolveBundleFile,
  type BundleLimits,
} from '../../domain/bundle-checks.js';
import { StepDeployError } from '../../domain/errors.js';
import type { BundleEntry, RevisionBundle } from '../../ports/revision-source.js';

/** The bundle cannot be listed: a corrupt archive, a wrong bundle type, an oversized member. */
export class InvalidBundleError extends StepDeployError {
  override name = 'InvalidBundleError' as const;
}

/** The bundle exceeds one of its limits (entries, unpacked size, compression ratio). */
export class BundleLimitExceededError extends StepDeployError {
  override name = 'BundleLimitExceededError' as const;
}

export type ArchiveType = 'tar' | 'tgz' | 'zip';
export type BundleType = ArchiveType | 'directory';

export type BundleSource =
  | { kind: 'buffer'; data: Buffer; bundleType: ArchiveType }
  | { kind: 'file'; path: string; bundleType: ArchiveType }
  | {
      /**
       * A tar or tgz read as it arrives (an S3 object's body), never held whole: `open` gives the
       * archive from its start, once per pass (a second pass only when the AppSpec is a link).
       */
      kind: 'stream';
      bundleType: 'tar' | 'tgz';
      /** The archive's size when known (the compression-ratio limit needs it). */
      size?: number;
      open(): Promise<Readable>;
    }
  | { kind: 'directory'; path: string };

/**
 * The largest archive read from S3: tars are streamed and zips are streamed to a temporary file, so
 * this bounds the download, not the memory (the unpacked size has its own limit).
 */
export const MAX_BUNDLE_BYTES = 2 * 1024 * 1024 * 1024;

/** An AppSpec is a small YAML file; a bigger one is a mistake (or an attack), not worth buffering. */
export const MAX_APPSPEC_BYTES = 1024 * 1024;

/** PATH_MAX on Linux: a zip stores a symbolic link's target as the member's content. */
const MAX_LINK_TARGET_BYTES = 4096;

/** A listing plus a way to read one regular-file member (by its stored path) afterwards. */
interface Listing {
  entries: BundleEntry[];
  read(path: string): Promise<Buffer>;
  close(): void;
}

/** Counts entries and unpacked bytes as the listing goes, and stops it at the first limit exceeded. */
class Tally {
  entries = 0;
  unpackedBytes = 0;

  constructor(
    private readonly limits: BundleLimits,
    private readonly archiveBytes?: number,
  ) {}

  add(size: number): void {
    this.entries += 1;
    this.unpackedBytes += Math.max(0, size);
    this.check();
  }

  check(): void {
    const problem = bundleLimitProblem(
      {
        entries: this.entries,
        unpackedBytes: this.unpackedBytes,
        ...(this.archiveBytes !== undefined ? { archiveBytes: this.archiveBytes } : {}),
      },
      this.limits,
    );
    if (problem !== undefined) throw new BundleLimitExceededError(problem);
  }
}

export async function readBundle(
  source: BundleSource,
  limits: BundleLimits = DEFAULT_BUNDLE_LIMITS,
): Promise<RevisionBundle> {
  const bundleType: BundleType = source.kind === 'directory' ? 'directory' : source.bundleType;
  const input: ArchiveInput | undefined =
    source.kind === 'buffer'
      ? { kind: 'buffer', data: source.data, size: source.data.length }
      : source.kind === 'file'
        ? { kind: 'file', path: source.path, size: (await stat(source.path)).size }
        : source.kind === 'stream'
          ? { kind: 'stream', open: source.open, ...(source.size !== undefined ? { size: source.size } : {}) }
          : undefined;
  const listing =
    source.kind === 'directory' || input === undefined
      ? await listDirectory((source as { path: string }).path, new Tally(limits))
      : source.bundleType === 'zip'
        ? await listZip(input, new Tally(limits, input.size))
        : await listTar(input, source.bundleType, new Tally(limits, input.size));
  try {
    const { entries } = listing;
    const appSpecPath = appSpecEntryPath(entries);
    if (appSpecPath === undefined) return { bundleType, entries };
    // A link named appspec.yml that leads nowhere (or outside) yields no text; the safety checks,
    // which run before the AppSpec is looked at, say why.
    const member = resolveBundleFile(entries, appSpecPath);
    if (member === undefined) return { bundleType, entries, appSpecPath };
    const text = (await listing.read(member.path)).toString('utf8');
    return { bundleType, entries, appSpecPath, appSpecText: text };
  } finally {
    listing.close();
  }
}

/**
 * The bundle type a local path names: a directory, or an archive by its extension (case-insensitive).
 * A path that does not exist yet is judged by its name alone.
 */
export async function bundleTypeOf(path: string): Promise<BundleType> {
  const info = await stat(path).catch((error: unknown) => {
    if (isErrnoException(error) && error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (info?.isDirectory()) return 'directory';
  const name = basename(path).toLowerCase();
  if (name.endsWith('.zip')) return 'zip';
  if (name.endsWith('.tar.gz') || name.endsWith('.tgz')) return 'tgz';
  if (name.endsWith('.tar')) return 'tar';
  throw new InvalidBundleError(
    `Cannot tell the bundle type of ${path}: name it .zip, .tar, .tar.gz or .tgz, or use a directory.`,
  );
}

// -- tar / tgz -------------------------------------------------------------------------------------

function tarEntryType(type: ReadEntry['type']): BundleEntry['type'] {
  switch (type) {
    case 'File':
    case 'OldFile':
    case 'ContiguousFile':
      return 'file';
    case 'Directory':
    case 'GNUDumpDir':
      return 'directory';
    case 'SymbolicLink':
      return 'symlink';
    case 'Link':
      return 'hardlink';
    default:
      // Devices, FIFOs, and the types node-tar skips (sparse files, tape headers, ...): refused as
      // 'other', since what the instance's tar makes of them is not predictable.
      return 'other';
  }
}

/** appspec.yml or appspec.yaml at the root or one directory down (where the top-directory strip looks). */
function isAppSpecCandidate(path: string): boolean {
  const segments = path.split('/').filter((segment) => segment !== '' && segment !== '.');
  const name = segments[segments.length - 1];
  return segments.length <= 2 && (name === 'appspec.yml' || name === 'appspec.yaml');
}

/** An archive to read: in memory (S3), or a file on disk read as a stream. */
type ArchiveInput =
  | { kind: 'buffer'; data: Buffer; size: number }
  | { kind: 'file'; path: string; size: number }
  | { kind: 'stream'; size?: number; open(): Promise<Readable> };

/**
 * The first `count` bytes of a stream, and a stream of the whole data again (those bytes put back in
 * front), without reading further than the chunk that holds them.
 */
async function peek(stream: Readable, count: number): Promise<{ head: Buffer; stream: Readable }> {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const seen: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < count) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = Buffer.from(next.value);
    seen.push(chunk);
    length += chunk.length;
  }
  const head = Buffer.concat(seen).subarray(0, count);
  async function* whole(): AsyncGenerator<Buffer> {
    yield* seen;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield Buffer.from(next.value);
    }
  }
  return { head, stream: Readable.from(whole(), { objectMode: false }) };
}

/** The first two bytes, to tell gzip from a plain tar as GNU tar does. */
async function leadingBytes(input: Exclude<ArchiveInput, { kind: 'stream' }>): Promise<Buffer> {
  if (input.kind === 'buffer') return input.data.subarray(0, 2);
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream(input.path, { start: 0, end: 1 })) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * One pass of the tar parser over the whole archive. Strict mode turns every warning (bad checksum,
 * truncated input, not a tar at all) into an error; gzip is detected from the data, like GNU tar.
 * node-tar's parser keeps the stored paths as they are (only extraction sanitizes them). `onEntry`
 * may throw (a limit exceeded): the pass stops there with that error.
 */
async function parseTar(
  input: ArchiveInput,
  onEntry: (entry: ReadEntry, ignored: boolean) => void,
  opened?: Readable,
): Promise<void> {
  const source = opened ?? (input.kind === 'stream' ? await input.open() : undefined);
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const stream = source ?? (input.kind === 'file' ? createReadStream(input.path) : undefined);
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      stream?.destroy();
      reject(error);
    };
    const guarded = (entry: ReadEntry, ignored: boolean) => {
      try {
        onEntry(entry, ignored);
      } catch (error) {
        parser.abort(error as Error);
        fail(error);
      }
    };
    const parser = new Parser({
      strict: true,
      // The ratio is judged on the whole bundle, with stepdeploy's own limit and message.
      maxDecompressionRatio: Number.MAX_SAFE_INTEGER,
      onReadEntry: (entry) => {
        guarded(entry, false);
        // The parser waits for each entry's body to be consumed; bodies nobody listens to are dropped.
        entry.resume();
      },
    });
    parser.on('ignoredEntry', (entry: ReadEntry) => {
      if (!entry.meta) guarded(entry, true);
    });
    parser.on('error', fail);
    parser.on('end', () => {
      if (!failed) resolve();
    });
    if (stream) {
      stream.on('error', fail);
      stream.pipe(parser);
    } else {
      parser.end((input as { data: Buffer }).data);
    }
  });
}

async function listTar(input: ArchiveInput, bundleType: 'tar' | 'tgz', tally: Tally): Promise<Listing> {
  // The instance runs `tar -zxpf` for tgz, which fails on an uncompressed archive; say so now.
  let first: Readable | undefined;
  let head: Buffer;
  if (input.kind === 'stream') {
    ({ head, stream: first } = await peek(await input.open(), 2));
  } else {
    head = await leadingBytes(input);
  }
  if (bundleType === 'tgz' && !(head[0] === 0x1f && head[1] === 0x8b)) {
    throw new InvalidBundleError('The bundle is declared tgz but is not gzip-compressed.');
  }
  const entries: BundleEntry[] = [];
  // The AppSpec is almost always a regular file at the root or one level down: keep those from the
  // first pass, so that the common case reads the archive once (a link to elsewhere takes a second).
  const candidates = new Map<string, Buffer | 'too large'>();
  try {
    await parseTar(
      input,
      (entry, ignored) => {
        const type = ignored ? 'other' : tarEntryType(entry.type);
        tally.add(type === 'file' ? entry.size : 0);
        entries.push({
          path: entry.path,
          type,
          ...(entry.linkpath !== undefined ? { linkTarget: entry.linkpath } : {}),
        });
        if (type === 'file' && isAppSpecCandidate(entry.path)) collect(entry, candidates);
      },
      first,
    );
  } catch (error) {
    if (error instanceof BundleLimitExceededError) throw error;
    throw unreadable(bundleType, error);
  }
  return {
    entries,
    close: () => undefined,
    read: async (path) => {
      const cached = candidates.get(path);
      if (cached !== undefined) return contentOf(path, cached);
      const found = new Map<string, Buffer | 'too large'>();
      try {
        await parseTar(input, (entry) => {
          if (entry.path === path && tarEntryType(entry.type) === 'file') collect(entry, found);
        });
      } catch (error) {
        throw unreadable(bundleType, error);
      }
      const content = found.get(path);
      if (content === undefined) throw new InvalidBundleError(`The bundle member ${path} cannot be read.`);
      return contentOf(path, content);
    },
  };
}

/** Buffers an entry's body (the last occurrence of a path wins, as when tar extracts). */
function collect(entry: ReadEntry, into: Map<string, Buffer | 'too large'>): void {
  if (entry.size > MAX_APPSPEC_BYTES) {
    into.set(entry.path, 'too large');
    return;
  }
  const chunks: Buffer[] = [];
  entry.on('data', (chunk: Buffer) => chunks.push(chunk));
  entry.on('end', () => into.set(entry.path, Buffer.concat(chunks)));
}

function contentOf(path: string, content: Buffer | 'too large'): Buffer {
  if (content === 'too large') {
    throw new InvalidBundleError(`The AppSpec file ${path} is larger than ${MAX_APPSPEC_BYTES} bytes.`);
  }
  return content;
}

// -- zip -------------------------------------------------------------------------------------------

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
/** MS-DOS directory attribute, in the low byte of the external attributes. */
const DOS_DIRECTORY = 0x10;

/**
 * The entry type from the external attributes: their high 16 bits hold the unix mode when the zip
 * was made on unix (how `zip -y` stores a symbolic link). The mode is honoured whatever the "made
 * by" host says, which can only make a link visible to the checks, never hide one.
 */
function zipEntryType(entry: ZipEntry, name: string): BundleEntry['type'] {
  const format = (entry.externalFileAttributes >>> 16) & S_IFMT;
  if (format === S_IFLNK) return 'symlink';
  if (format === S_IFDIR || name.endsWith('/') || name.endsWith('\\')) return 'directory';
  if (format === 0 && (entry.externalFileAttributes & DOS_DIRECTORY) !== 0) return 'directory';
  if (format === 0 || format === S_IFREG) return 'file';
  return 'other';
}

async function openZip(input: Exclude<ArchiveInput, { kind: 'stream' }>): Promise<ZipFile> {
  // decodeStrings: false, because yauzl refuses absolute and `..` names outright; the bundle checks
  // must see them to report them. Names are decoded below exactly as yauzl would, minus the refusal.
  const options = { decodeStrings: false, autoClose: false, validateEntrySizes: true };
  return input.kind === 'buffer'
    ? yauzl.fromBufferPromise(input.data, options)
    : yauzl.openPromise(input.path, options);
}

async function listZip(input: ArchiveInput, tally: Tally): Promise<Listing> {
  // A zip is read from its end (the central directory): it comes from memory or a file, never a stream.
  if (input.kind === 'stream') throw new InvalidBundleError('A zip bundle cannot be read as a stream.');
  let zip: ZipFile;
  try {
    zip = await openZip(input);
  } catch (error) {
    throw unreadable('zip', error);
  }
  const members = new Map<string, ZipEntry>();
  const entries: BundleEntry[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      // strictFileNames: keep backslashes as stored; the checks treat them as separators anyway.
      const name = yauzl.getFileNameLowLevel(
        entry.generalPurposeBitFlag,
        entry.fileNameRaw,
        entry.extraFields,
        true,
      );
      const type = zipEntryType(entry, name);
      // The declared sizes are what the limits judge; they are verified against the data below.
      tally.add(type === 'file' ? entry.uncompressedSize : 0);
      if (type === 'symlink') {
        const target = (await readZipMember(zip, entry, MAX_LINK_TARGET_BYTES, name)).toString('utf8');
        entries.push({ path: name, type, linkTarget: target });
      } else {
        entries.push({ path: name, type });
      }
      members.set(name, entry);
    }
    // A zip may declare small sizes and hold far more: every member is inflated once, counted and
    // dropped (yauzl fails a member whose data exceeds its declared size), so that the limits hold.
    for (const entry of members.values()) {
      if (zipEntryType(entry, '') === 'file' && entry.uncompressedSize > 0) await drainZipMember(zip, entry);
    }
  } catch (error) {
    zip.close();
    const ours = error instanceof InvalidBundleError || error instanceof BundleLimitExceededError;
    throw ours ? error : unreadable('zip', error);
  }
  return {
    entries,
    close: () => zip.close(),
    read: async (path) => {
      const entry = members.get(path);
      if (entry === undefined) throw new InvalidBundleError(`The bundle member ${path} cannot be read.`);
      try {
        return await readZipMember(zip, entry, MAX_APPSPEC_BYTES, path);
      } catch (error) {
        throw error instanceof InvalidBundleError ? error : unreadable('zip', error);
      }
    },
  };
}

async function drainZipMember(zip: ZipFile, entry: ZipEntry): Promise<void> {
  const stream = await zip.openReadStreamPromise(entry);
  // Each chunk is counted by yauzl against the declared size, and dropped.
  for await (const _chunk of stream);
}

async function readZipMember(zip: ZipFile, entry: ZipEntry, limit: number, path: string): Promise<Buffer> {
  if (entry.uncompressedSize > limit) {
    throw new InvalidBundleError(`The bundle member ${path} is larger than ${limit} bytes.`);
  }
  const stream = await zip.openReadStreamPromise(entry);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

// -- directory -------------------------------------------------------------------------------------

async function listDirectory(root: string, tally: Tally): Promise<Listing> {
  // The root itself may be a symbolic link (a `current` link to a release); everything below it is
  // listed with lstat semantics, so that links show up as links and are never followed.
  const info = await stat(root).catch((error: unknown) => {
    throw new InvalidBundleError(`The revision directory ${root} cannot be read: ${messageOf(error)}`, {
      cause: error,
    });
  });
  if (!info.isDirectory()) throw new InvalidBundleError(`The revision path ${root} is not a directory.`);
  const entries: BundleEntry[] = [];
  await walk(root, '', entries, tally);
  return {
    entries,
    close: () => undefined,
    read: async (path) => {
      const absolute = join(root, path);
      const member = await lstat(absolute);
      if (!member.isFile()) throw new InvalidBundleError(`The bundle member ${path} is not a regular file.`);
      if (member.size > MAX_APPSPEC_BYTES) {
        throw new InvalidBundleError(`The AppSpec file ${path} is larger than ${MAX_APPSPEC_BYTES} bytes.`);
      }
      return readFile(absolute);
    },
  };
}

async function walk(root: string, relative: string, into: BundleEntry[], tally: Tally): Promise<void> {
  let children: Dirent[];
  try {
    children = await readdir(join(root, relative), { withFileTypes: true });
  } catch (error) {
    throw new InvalidBundleError(
      `The revision directory ${join(root, relative)} cannot be read: ${messageOf(error)}`,
      {
        cause: error,
      },
    );
  }
  children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const child of children) {
    const path = relative === '' ? child.name : `${relative}/${child.name}`;
    // A file counts with its apparent size: a sparse file's holes are bytes once it is packed.
    tally.add(child.isFile() ? (await lstat(join(root, path))).size : 0);
    if (child.isSymbolicLink()) {
      into.push({ path, type: 'symlink', linkTarget: await readlink(join(root, path)) });
    } else if (child.isDirectory()) {
      into.push({ path, type: 'directory' });
      await walk(root, path, into, tally);
    } else if (child.isFile()) {
      into.push({ path, type: 'file' });
    } else {
      into.push({ path, type: 'other' });
    }
  }
}

// -- errors ----------------------------------------------------------------------------------------

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && 'code' in error;
}

function unreadable(bundleType: ArchiveType, error: unknown): InvalidBundleError {
  return new InvalidBundleError(
    `The ${bundleType} bundle is corrupt or not a ${bundleType} archive: ${messageOf(error)}`,
    {
      cause: error,
    },
  );
}
