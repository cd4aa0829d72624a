import type { Tag } from '../domain/codedeploy-shapes.js';
import type { Page, PageRequest } from './pages.js';

/** An on-premises instance (InstanceInfo, with ISO times). */
export interface OnPremisesInstanceRecord {
  instanceName: string;
  iamUserArn?: string;
  iamSessionArn?: string;
  instanceArn: string;
  registerTime: string;
  /** Set by DeregisterOnPremisesInstance; the instance stays listed as Deregistered. */
  deregisterTime?: string;
  tags: Tag[];
}

export interface OnPremisesInstanceStore {
  /**
   * Registers the instance, replacing a deregistered one of the same name. Throws
   * InstanceNameAlreadyRegisteredException, IamUserArnAlreadyRegisteredException or
   * IamSessionArnAlreadyRegisteredException when the name or the IAM identity is in use.
   */
  registerInstance(record: OnPremisesInstanceRecord): Promise<void>;
  getInstance(instanceName: string): Promise<OnPremisesInstanceRecord | undefined>;
  /**
   * Instances in name order, the ones `accept` admits (registration status, tag filters); a page holds
   * up to `limit` admitted instances.
   */
  listInstances(
    page: PageRequest,
    accept?: (instance: OnPremisesInstanceRecord) => boolean,
  ): Promise<Page<OnPremisesInstanceRecord>>;
  /** Marks it deregistered and frees its IAM identity; undefined when it was never registered. */
  deregisterInstance(instanceName: string, at: Date): Promise<OnPremisesInstanceRecord | undefined>;
  /**
   * Replaces the tags of a registered instance if they still are `expectedTags`; false when they
   * changed in between (the caller re-reads and retries) or the instance is no longer registered.
   */
  replaceTags(instanceName: string, tags: Tag[], expectedTags: Tag[]): Promise<boolean>;
}
