import type { ApplicationRevisionStore } from './application-revisions.js';
import type { ApplicationStore } from './applications.js';
import type { DeploymentConfigStore } from './deployment-configs.js';
import type { DeploymentGroupConfigStore } from './deployment-group-configs.js';
import type { OnPremisesInstanceStore } from './on-premises-instances.js';

/**
 * The control plane's stores (applications, deployment groups, deployment configs, revisions,
 * on-premises instances): what the CodeDeploy-compatible API manages besides deployments. A port of
 * the API's function only; no step of a flow uses it.
 */
export interface ControlPlaneStores {
  applications: ApplicationStore;
  deploymentGroups: DeploymentGroupConfigStore;
  deploymentConfigs: DeploymentConfigStore;
  revisions: ApplicationRevisionStore;
  onPremisesInstances: OnPremisesInstanceStore;
}
