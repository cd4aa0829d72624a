/**
 * GitHub revisions (`revisionType: GitHub`, `{repository: "account/repo", commitId}`), read from the
 * commit's tarball as GitHub serves it (codeload.github.com/<account>/<repo>/tar.gz/<commit>), and
 * downloaded by instances from the same URL. Public repositories only: CodeDeploy's GitHub
 * connection (an OAuth token per account) has no stepdeploy counterpart yet. Used in AWS only; on one
 * machine CreateDeployment refuses GitHub revisions.
 * [unverified: reaching github.com from the Prepare function and from instances needs an account whose
 * functions and instances have internet access.]
 */
import { InvalidRevisionError } from '../../domain/deployment-errors.js';
import { DEFAULT_BUNDLE_LIMITS, type BundleLimits } from '../../domain/bundle-checks.js';
import type { RevisionBundle, RevisionSourcePort } from '../../ports/revision-source.js';
import type { RevisionLocation } from '../../ports/records.js';
import { InvalidBundleError, MAX_BUNDLE_BYTES, readBundle } from './read-bundle.js';

export interface GitHubRevisionSourceOptions {
  /** Where tarballs are served (tests serve their own). Default https://codeload.github.com. */
  baseUrl?: string;
  limits?: Partial<BundleLimits>;
  /** The largest tarball read into memory. Default 512 MiB. */
  maxBundleBytes?: number;
}

export class GitHubRevisionSource implements RevisionSourcePort {
  private readonly baseUrl: string;

  constructor(private readonly options: GitHubRevisionSourceOptions = {}) {
    this.baseUrl = (options.baseUrl ?? 'https://codeload.github.com').replace(/\/$/, '');
  }

  /** The commit's tarball URL; each part is URL-encoded, so a repository name cannot reach elsewhere. */
  tarballUrl(revision: RevisionLocation): string {
    const location = revision.gitHubLocation;
    if (revision.revisionType !== 'GitHub' || !location) {
      throw new InvalidRevisionError(
        `A GitHub revision source reads GitHub revisions, not ${revision.revisionType}.`,
      );
    }
    const [account, repository, ...rest] = location.repository.split('/');
    if (!account || !repository || rest.length > 0 || !location.commitId) {
      throw new InvalidRevisionError(
        `The GitHub revision ${location.repository}@${location.commitId} must name account/repository and a commit id.`,
      );
    }
    const part = encodeURIComponent;
    return `${this.baseUrl}/${part(account)}/${part(repository)}/tar.gz/${part(location.commitId)}`;
  }

  async readRevision(revision: RevisionLocation): Promise<RevisionBundle> {
    const url = this.tarballUrl(revision);
    const response = await fetch(url, { redirect: 'follow' });
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new InvalidRevisionError(
        `The GitHub revision ${url} could not be read: HTTP ${response.status} (stepdeploy reads public repositories only).`,
      );
    }
    const limit = this.options.maxBundleBytes ?? MAX_BUNDLE_BYTES;
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      total += chunk.length;
      if (total > limit)
        throw new InvalidBundleError(`The GitHub revision ${url} is larger than ${limit} bytes.`);
      chunks.push(Buffer.from(chunk));
    }
    return readBundle(
      { kind: 'buffer', data: Buffer.concat(chunks), bundleType: 'tgz' },
      { ...DEFAULT_BUNDLE_LIMITS, ...this.options.limits },
    );
  }

  async bundleLocation(revision: RevisionLocation): Promise<{ location: string; bundleType: 'tgz' }> {
    return { location: this.tarballUrl(revision), bundleType: 'tgz' };
  }

  async readAppSpecFile(): Promise<string> {
    throw new InvalidRevisionError(
      'A GitHub revision is an EC2/On-premises bundle, not a Lambda or ECS AppSpec file.',
    );
  }
}
