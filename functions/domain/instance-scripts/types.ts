import type { FileExistsBehavior, ServerAppSpec } from '../appspec/model.js';
import { SERVER_LIFECYCLE_EVENTS, type ServerLifecycleEvent } from '../lifecycle.js';

/** The Server events the CodeDeploy agent runs on an instance (BlockTraffic/AllowTraffic are service-side). */
export const INSTANCE_EVENTS = SERVER_LIFECYCLE_EVENTS.filter(
  (event): event is Exclude<ServerLifecycleEvent, 'Start' | 'End' | 'BlockTraffic' | 'AllowTraffic'> =>
    event !== 'Start' && event !== 'End' && event !== 'BlockTraffic' && event !== 'AllowTraffic',
);
export type InstanceEvent = (typeof INSTANCE_EVENTS)[number];

export interface DeploymentInfo {
  deploymentId: string;
  applicationName: string;
  deploymentGroupName: string;
  deploymentGroupId: string;
  deploymentType: 'IN_PLACE' | 'BLUE_GREEN';
  creator: string;
}

export interface BundleSpec {
  /** An http(s) URL (a presigned S3 URL) or a local path on the machine that runs the script. */
  location: string;
  bundleType: 'tar' | 'tgz' | 'zip' | 'directory';
  s3?: { bucket: string; key: string; version?: string; eTag?: string };
}

export interface LifecycleEventScriptInput {
  event: InstanceEvent;
  deployment: DeploymentInfo;
  /** The CURRENT revision's validated AppSpec (the orchestrator validated it before touching anything). */
  appSpec: ServerAppSpec;
  bundle: BundleSpec;
  /** The deployment's override; the AppSpec's own value wins. */
  fileExistsBehavior?: FileExistsBehavior;
  ignoreApplicationStopFailures?: boolean;
  /** Deployment root, default /opt/codedeploy-agent/deployment-root. */
  deploymentRoot?: string;
  /** Cap of each deployment's scripts.log on an instance, newest lines kept (default 16 MiB). */
  scriptsLogMaxBytes?: number;
}
