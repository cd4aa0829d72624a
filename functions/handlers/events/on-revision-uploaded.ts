import { createdObjectFromEvent, uploadDeploymentId } from '../../adapters/aws/s3-object-events.js';
import { logger } from '../../runtime/logger.js';
import { defineStep, type StepDeps } from '../../steps/deps.js';
import { onRevisionUploaded, type OnRevisionUploadedOutput } from '../../steps/on-revision-uploaded.js';

/**
 * Target of the EventBridge rule on S3 "Object Created" events in the revision bucket: deploys the
 * uploaded object version to the group its key names, on the group's flow's state machine (the stack
 * sets STEPDEPLOY_STATE_MACHINE_ARNS). An upload it does not deploy is logged, not thrown.
 */
export const OnRevisionUploaded = defineStep(
  'OnRevisionUploaded',
  (deps: Pick<StepDeps, 'deployments' | 'groups' | 'executions'>) => async (event: unknown) => {
    const parsed = createdObjectFromEvent(event);
    const result: OnRevisionUploadedOutput =
      'problem' in parsed
        ? { started: false, reason: parsed.problem }
        : await onRevisionUploaded(deps)({
            bucket: parsed.object.bucket,
            key: parsed.object.key,
            ...(parsed.object.versionId ? { version: parsed.object.versionId } : {}),
            ...(parsed.object.eTag ? { eTag: parsed.object.eTag } : {}),
            deploymentId: uploadDeploymentId(parsed.object),
          });
    if (result.started) logger.info('deployment started', { step: 'onRevisionUploaded', ...result });
    else logger.error('no deployment started', { step: 'onRevisionUploaded', ...result });
    return result;
  },
)(['deployments', 'groups', 'executions']);
