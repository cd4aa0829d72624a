import type { RevisionLocation } from './records.js';

import type { BundleEntry } from '../domain/bundle-checks.js';
import { InvalidRevisionError } from '../domain/deployment-errors.js';

export type { BundleEntry };

export interface RevisionBundle {
  bundleType: 'tar' | 'tgz' | 'zip' | 'directory';
  entries: BundleEntry[];
  /** The text of appspec.yml (or appspec.yaml) at the revision root; undefined when absent. */
  appSpecText?: string;
  /** The path of the AppSpec inside the bundle (after a single top directory, if the agent strips it). */
  appSpecPath?: string;
  /**
   * S3: the object version and ETag that were read. Prepare pins the revision to them, so instances
   * download exactly the bundle that was checked, even if the key is overwritten meanwhile.
   */
  s3Object?: { version?: string; eTag?: string };
}

/** Reads revisions (S3 bundles in AWS; directories and archives on the embedded runtime). */
export interface RevisionSourcePort {
  /** Lists the bundle's entries and reads its AppSpec, without unpacking anything onto disk. */
  readRevision(revision: RevisionLocation): Promise<RevisionBundle>;
  /** Where instances fetch the bundle from: a presigned https URL (S3) or a local path. */
  bundleLocation(
    revision: RevisionLocation,
  ): Promise<{ location: string; bundleType: 'tar' | 'tgz' | 'zip' | 'directory' }>;
  /** A Lambda or ECS revision stored as the AppSpec file itself (S3 bundleType YAML or JSON): its text. */
  readAppSpecFile(revision: RevisionLocation): Promise<string>;
}

/**
 * One revision source for every revision type a runtime reads, each served by its own (S3, GitHub):
 * a type with none is InvalidRevisionError, naming the types there are.
 */
export function routeRevisions(
  sources: Partial<Record<RevisionLocation['revisionType'], RevisionSourcePort>>,
): RevisionSourcePort {
  const sourceOf = (revision: RevisionLocation): RevisionSourcePort => {
    const source = sources[revision.revisionType];
    if (!source) {
      throw new InvalidRevisionError(
        `${revision.revisionType} revisions are not read here; revisions are read from ${Object.keys(sources).join(', ')}.`,
      );
    }
    return source;
  };
  return {
    readRevision: (revision) => sourceOf(revision).readRevision(revision),
    bundleLocation: (revision) => sourceOf(revision).bundleLocation(revision),
    readAppSpecFile: (revision) => sourceOf(revision).readAppSpecFile(revision),
  };
}
