/**
 * Revisions on the machine that runs the embedded runtime: a directory, or a .zip/.tar/.tar.gz/.tgz
 * file. The local hosts run the same DownloadBundle script as EC2 instances, fetching the bundle
 * from this absolute path instead of a presigned URL.
 */
import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidRevisionError, ResourceNotFoundError } from '../../domain/deployment-errors.js';
import type { RevisionBundle, RevisionSourcePort } from '../../ports/revision-source.js';
import type { RevisionLocation } from '../../ports/records.js';
import { DEFAULT_BUNDLE_LIMITS, type BundleLimits } from '../../domain/bundle-checks.js';
import { InvalidBundleError, readBundle, type BundleType } from '../bundle/read-bundle.js';

export interface LocalRevisionSourceOptions {
  /** Relative revision paths are resolved against this directory (default: the process's cwd). */
  baseDirectory?: string;
  /** The bundle limits checked while a revision is read (default DEFAULT_BUNDLE_LIMITS). */
  limits?: Partial<BundleLimits>;
}

/** The AppSpec file names a revision directory may hold, in the order they are looked for. */
export const APPSPEC_NAMES = ['appspec.yaml', 'appspec.yml', 'appspec.json'] as const;

interface LocatedRevision {
  path: string;
  bundleType: BundleType;
}

export class LocalRevisionSource implements RevisionSourcePort {
  constructor(private readonly options: LocalRevisionSourceOptions = {}) {}

  async readRevision(revision: RevisionLocation): Promise<RevisionBundle> {
    const { path, bundleType } = await this.locate(revision);
    const limits = { ...DEFAULT_BUNDLE_LIMITS, ...this.options.limits };
    if (bundleType === 'directory') return readBundle({ kind: 'directory', path }, limits);
    // Streamed from disk: a bundle is never read whole into memory.
    return readBundle({ kind: 'file', path, bundleType }, limits);
  }

  async readAppSpecFile(revision: RevisionLocation): Promise<string> {
    const path = revision.localLocation?.path;
    if (revision.revisionType !== 'Local' || !path) {
      throw new InvalidRevisionError(
        'The embedded runtime reads an AppSpec file from a Local revision path.',
      );
    }
    const file = resolve(this.options.baseDirectory ?? process.cwd(), path);
    if (!(await statOf(file)).isDirectory()) return readFile(file, 'utf8');
    // A directory holding the AppSpec (an ECS revision on this machine): the names CodeDeploy reads.
    for (const name of APPSPEC_NAMES) {
      const candidate = join(file, name);
      if ((await statOf(candidate).catch(() => undefined))?.isFile()) return readFile(candidate, 'utf8');
    }
    throw new InvalidRevisionError(`The revision ${file} holds no ${APPSPEC_NAMES.join(', ')}.`);
  }

  async bundleLocation(revision: RevisionLocation): Promise<{ location: string; bundleType: BundleType }> {
    const { path, bundleType } = await this.locate(revision);
    return { location: path, bundleType };
  }

  /** The absolute path, checked to exist and to be what its bundle type says. */
  private async locate(revision: RevisionLocation): Promise<LocatedRevision> {
    const local = revision.localLocation;
    if (revision.revisionType !== 'Local' || local === undefined) {
      throw new InvalidRevisionError(
        `The embedded runtime reads Local revisions (a directory or a .zip, .tar, .tar.gz or .tgz file), not ${revision.revisionType}.`,
      );
    }
    const path = resolve(this.options.baseDirectory ?? process.cwd(), local.path);
    const info = await statOf(path);
    const { bundleType } = local;
    if (info.isDirectory() !== (bundleType === 'directory')) {
      throw new InvalidRevisionError(
        `The revision ${path} is ${info.isDirectory() ? 'a directory' : 'a file'}, but its bundle type is ${bundleType}.`,
      );
    }
    if (!info.isDirectory() && !info.isFile()) {
      throw new InvalidRevisionError(`The revision ${path} is neither a directory nor a regular file.`);
    }
    return { path, bundleType };
  }
}

async function statOf(path: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? error.code : undefined;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ResourceNotFoundError(`The revision ${path} does not exist.`, path, { cause: error });
    }
    throw new InvalidBundleError(`The revision ${path} cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
