/**
 * What happens to the machine behind an on-premises instance when it is registered or deregistered.
 * In AWS nothing: the operator installs the agent. On one machine (`stepdeploy server`), registering
 * creates a local host whose root is `<state-dir>/hosts/<instance-name>/root`.
 */
export interface OnPremisesHostProvisioner {
  instanceRegistered(instanceName: string): Promise<void>;
  instanceDeregistered(instanceName: string): Promise<void>;
}
