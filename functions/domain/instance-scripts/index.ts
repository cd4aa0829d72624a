/**
 * The instance script builder: for each lifecycle event the CodeDeploy agent runs on an instance, one
 * POSIX sh script that does what the agent does and prints the agent's diagnostics JSON as its only
 * line of standard output. Pure: it returns text and reads nothing.
 *
 * The transport may set STEPDEPLOY_HOST_ROOT (local hosts): a directory prefixed to every absolute
 * path of the AppSpec and to the deployment root. Everything else in the environment passes through
 * to hook scripts.
 */
import { InvalidArgumentError } from '../errors.js';
import { revisionForEvent } from '../lifecycle.js';
import type { ServerAppSpec } from '../appspec/model.js';
import type { DeploymentCreator } from '../status.js';
import { DEPLOYMENT_CREATOR_VALUES } from '../status.js';
import { downloadBundleScript } from './download.js';
import { hookEventScript, hooksFile } from './hooks.js';
import { installScript } from './install.js';
import { joinPath, normalizeAbsolute, pathComponent } from './paths.js';
import { preamble, type ScriptContext } from './preamble.js';
import { UnsafeScriptValueError } from './errors.js';
import { assertSafeValue } from './quote.js';
import { INSTANCE_EVENTS, type InstanceEvent, type LifecycleEventScriptInput } from './types.js';

export { parseDiagnostics, type LifecycleDiagnostics } from './diagnostics.js';
export { UnsafeScriptValueError } from './errors.js';
export { shellQuote } from './quote.js';
export type { BundleSpec, DeploymentInfo, InstanceEvent, LifecycleEventScriptInput } from './types.js';
export { INSTANCE_EVENTS } from './types.js';

export const DEFAULT_DEPLOYMENT_ROOT = '/opt/codedeploy-agent/deployment-root';

/** Events whose failures `ignoreApplicationStopFailures` makes non-fatal. */
const IGNORABLE_EVENTS: readonly InstanceEvent[] = [
  'ApplicationStop',
  'BeforeBlockTraffic',
  'AfterBlockTraffic',
];

function context(input: LifecycleEventScriptInput): ScriptContext {
  const { deployment } = input;
  const deploymentId = pathComponent(deployment.deploymentId, 'The deployment id');
  const deploymentGroupId = pathComponent(deployment.deploymentGroupId, 'The deployment group id');
  const root = normalizeAbsolute(input.deploymentRoot ?? DEFAULT_DEPLOYMENT_ROOT, 'The deployment root');
  const instructionsDir = joinPath(root, 'deployment-instructions');
  return {
    event: input.event,
    deploymentId,
    deploymentGroupId,
    root,
    groupDir: joinPath(root, deploymentGroupId),
    deploymentDir: joinPath(root, deploymentGroupId, deploymentId),
    instructionsDir,
    cleanupFile: joinPath(instructionsDir, `${deploymentGroupId}-cleanup`),
    lastSuccessfulFile: joinPath(instructionsDir, `${deploymentGroupId}_last_successful_install`),
    mostRecentFile: joinPath(instructionsDir, `${deploymentGroupId}_most_recent_install`),
  };
}

function creatorOf(creator: string): DeploymentCreator | undefined {
  return (DEPLOYMENT_CREATOR_VALUES as readonly string[]).includes(creator)
    ? (creator as DeploymentCreator)
    : undefined;
}

/**
 * The script for one lifecycle event on one instance. Throws `UnsafeScriptValueError` when a value
 * cannot be carried safely (a newline, carriage return or NUL; an id that is not a directory name; a
 * user name that could be an option; a path that climbs out of the revision) and
 * `InvalidArgumentError` for input the validated AppSpec contract excludes.
 */
export function buildLifecycleEventScript(input: LifecycleEventScriptInput): string {
  if (!(INSTANCE_EVENTS as readonly string[]).includes(input.event)) {
    throw new InvalidArgumentError(
      `${String(input.event)} is not a lifecycle event that runs on an instance.`,
    );
  }
  if (input.appSpec.os !== 'linux') {
    throw new InvalidArgumentError('Instance scripts are POSIX sh: the AppSpec must target os: linux.');
  }
  const ctx = context(input);
  const { deployment } = input;
  for (const [what, value] of Object.entries(deployment)) assertSafeValue(value, `The deployment's ${what}`);
  const head = preamble(ctx);
  switch (input.event) {
    case 'DownloadBundle':
      return head + downloadBundleScript(input.bundle, hooksFile(input.appSpec));
    case 'Install':
      // Validates the hooks too, so that a bad AppSpec fails the same way at every event.
      hooksFile(input.appSpec);
      return head + installScript(input.appSpec, input.fileExistsBehavior);
    default: {
      hooksFile(input.appSpec);
      const creator = creatorOf(deployment.creator);
      const revision = revisionForEvent(input.event, {
        deploymentType: deployment.deploymentType,
        ...(creator !== undefined ? { creator } : {}),
      });
      return (
        head +
        hookEventScript({
          event: input.event,
          revision,
          deployment,
          bundle: input.bundle,
          ignoreFailures:
            input.ignoreApplicationStopFailures === true && IGNORABLE_EVENTS.includes(input.event),
          ...(input.scriptsLogMaxBytes !== undefined ? { scriptsLogMaxBytes: input.scriptsLogMaxBytes } : {}),
        })
      );
    }
  }
}

/**
 * Why the instance scripts cannot carry this AppSpec, or undefined when they can: Prepare asks before
 * any host is touched, so that a value the validator let through fails the deployment as an invalid
 * revision rather than at an event on the hosts. Builds every event's script with stand-in ids.
 */
export function instanceScriptProblem(appSpec: ServerAppSpec): string | undefined {
  for (const event of INSTANCE_EVENTS) {
    try {
      buildLifecycleEventScript({
        event,
        deployment: {
          deploymentId: 'd-CHECK0000',
          applicationName: 'check',
          deploymentGroupName: 'check',
          deploymentGroupId: 'check',
          deploymentType: 'IN_PLACE',
          creator: 'user',
        },
        appSpec,
        bundle: { location: '/bundle.tar', bundleType: 'tar' },
      });
    } catch (error) {
      if (error instanceof UnsafeScriptValueError || error instanceof InvalidArgumentError)
        return error.message;
      throw error;
    }
  }
  return undefined;
}
