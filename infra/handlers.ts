import type { AwsPortName } from '../functions/adapters/aws/iam-actions.js';
import * as allowTraffic from '../functions/handlers/allow-traffic.js';
import * as bake from '../functions/handlers/bake.js';
import * as blockTraffic from '../functions/handlers/block-traffic.js';
import * as checkTargets from '../functions/handlers/check-targets.js';
import * as codeDeployApi from '../functions/handlers/codedeploy-api.js';
import * as collectEventResults from '../functions/handlers/collect-event-results.js';
import * as finish from '../functions/handlers/finish.js';
import * as nextBatch from '../functions/handlers/next-batch.js';
import * as onAlarmStateChange from '../functions/handlers/on-alarm-state-change.js';
import * as onCommandComplete from '../functions/handlers/on-command-complete.js';
import * as onExecutionEnded from '../functions/handlers/on-execution-ended.js';
import * as onRevisionUploaded from '../functions/handlers/on-revision-uploaded.js';
import * as prepare from '../functions/handlers/prepare.js';
import * as recordBatch from '../functions/handlers/record-batch.js';
import * as rollback from '../functions/handlers/rollback.js';
import * as runHook from '../functions/handlers/run-hook.js';
import * as runLifecycleEvent from '../functions/handlers/run-lifecycle-event.js';
import * as shiftTraffic from '../functions/handlers/shift-traffic.js';
import * as startRollbackDeployment from '../functions/handlers/start-rollback-deployment.js';

/** One Lambda function of the stack: its construct id (also `${<name>FunctionArn}` in the ASL). */
export interface HandlerSpec {
  name: string;
  /** The entry file under functions/handlers/, without its extension. */
  file: string;
  /** The AWS ports its step uses, as the handler declares them; its IAM policy follows from them. */
  ports: readonly AwsPortName[];
}

/**
 * Every handler entry file, with the ports it declares. Imported (not re-typed) so that a handler that
 * starts using a port changes its function's policy; test/infra checks no handler file is missing here.
 */
export const HANDLERS = [
  { name: 'Prepare', file: 'prepare', ports: prepare.ports },
  { name: 'RunHook', file: 'run-hook', ports: runHook.ports },
  { name: 'ShiftTraffic', file: 'shift-traffic', ports: shiftTraffic.ports },
  { name: 'Bake', file: 'bake', ports: bake.ports },
  { name: 'Rollback', file: 'rollback', ports: rollback.ports },
  { name: 'Finish', file: 'finish', ports: finish.ports },
  { name: 'NextBatch', file: 'next-batch', ports: nextBatch.ports },
  { name: 'RecordBatch', file: 'record-batch', ports: recordBatch.ports },
  { name: 'RunLifecycleEvent', file: 'run-lifecycle-event', ports: runLifecycleEvent.ports },
  { name: 'CollectEventResults', file: 'collect-event-results', ports: collectEventResults.ports },
  { name: 'BlockTraffic', file: 'block-traffic', ports: blockTraffic.ports },
  { name: 'AllowTraffic', file: 'allow-traffic', ports: allowTraffic.ports },
  { name: 'CheckTargets', file: 'check-targets', ports: checkTargets.ports },
  {
    name: 'StartRollbackDeployment',
    file: 'start-rollback-deployment',
    ports: startRollbackDeployment.ports,
  },
  { name: 'OnAlarmStateChange', file: 'on-alarm-state-change', ports: onAlarmStateChange.ports },
  { name: 'OnCommandComplete', file: 'on-command-complete', ports: onCommandComplete.ports },
  { name: 'OnRevisionUploaded', file: 'on-revision-uploaded', ports: onRevisionUploaded.ports },
  { name: 'OnExecutionEnded', file: 'on-execution-ended', ports: onExecutionEnded.ports },
  { name: 'CodeDeployApi', file: 'codedeploy-api', ports: codeDeployApi.ports },
] as const satisfies readonly HandlerSpec[];

export type HandlerName = (typeof HANDLERS)[number]['name'];
