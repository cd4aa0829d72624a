import type { RevisionLocation } from '../domain/codedeploy-shapes.js';

/** A revision of an application (GenericRevisionInfo, with ISO times). */
export interface ApplicationRevisionRecord {
  applicationName: string;
  revision: RevisionLocation;
  description?: string;
  registerTime?: string;
  firstUsedTime?: string;
  lastUsedTime?: string;
  /** Deployment groups it was deployed to. */
  deploymentGroups?: string[];
}

/**
 * Revisions an application knows: registered with RegisterApplicationRevision, or implicitly by a
 * deployment (`recordRevisionUse`). A revision is identified by its location (for S3: bucket, key,
 * bundle type, version and ETag; for content revisions: the content).
 */
export interface ApplicationRevisionStore {
  /** Registers (or re-registers, replacing the description when one is given). */
  registerRevision(
    applicationName: string,
    revision: RevisionLocation,
    description: string | undefined,
    at: Date,
  ): Promise<void>;
  /** Records a deployment of the revision to `deploymentGroupName`; registers it if needed. */
  recordRevisionUse(
    applicationName: string,
    revision: RevisionLocation,
    deploymentGroupName: string,
    at: Date,
  ): Promise<void>;
  getRevision(
    applicationName: string,
    revision: RevisionLocation,
  ): Promise<ApplicationRevisionRecord | undefined>;
  /** Every revision of the application (ListApplicationRevisions sorts and filters them). */
  listRevisions(applicationName: string): Promise<ApplicationRevisionRecord[]>;
  /** Writes a whole record (an application's revisions moving with a rename). */
  putRevision(record: ApplicationRevisionRecord): Promise<void>;
  deleteRevision(applicationName: string, revision: RevisionLocation): Promise<void>;
}
