import type { FileExistsBehavior, ServerAppSpec } from '../appspec/model.js';

/** The Server events the CodeDeploy agent runs on an instance (BlockTraffic/AllowTraffic are service-side). */
export const INSTANCE_EVENTS = [
  'ApplicationStop',
  'DownloadBundle',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
  'BeforeBlockTraffic',
  'AfterBlockTraffic',
  'BeforeAllowTraffic',
  'AfterAllowTraffic',
] as const;
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
}
