import type { ComputePlatform, Tag } from '../domain/codedeploy-shapes.js';
import type { Page, PageRequest } from './pages.js';

/** A CodeDeploy application (ApplicationInfo, with an ISO createTime as the records keep times). */
export interface ApplicationRecord {
  applicationId: string;
  applicationName: string;
  computePlatform: ComputePlatform;
  createTime: string;
  /** Resource tags given at creation. */
  tags?: Tag[];
}

/**
 * Applications. Deleting or renaming one also moves or deletes its deployment groups and revisions:
 * that cascade is the API's (functions/api/applications.ts), the store changes one item at a time.
 */
export interface ApplicationStore {
  /** Throws ApplicationAlreadyExistsException when the name is taken. */
  createApplication(record: ApplicationRecord): Promise<void>;
  getApplication(applicationName: string): Promise<ApplicationRecord | undefined>;
  /** Application names in name order. */
  listApplications(page: PageRequest): Promise<Page<string>>;
  countApplications(): Promise<number>;
  /** Removes the application item only; a no-op when it does not exist. */
  deleteApplication(applicationName: string): Promise<void>;
}
