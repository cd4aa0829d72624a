import { createdObjectFromEvent, uploadDeploymentId } from '../adapters/aws/s3-object-events.js';
import { stepHandler } from '../runtime/handler.js';
import { jsonLogger } from '../runtime/logger.js';
import { onRevisionUploaded, type OnRevisionUploadedOutput } from '../steps/on-revision-uploaded.js';
import { awsStepDeps, portsOf } from './aws-deps.js';

/** The AWS ports `onRevisionUploaded` uses; the stack grants this function their IAM actions and no others. */
export const ports = portsOf<typeof onRevisionUploaded>()(['store', 'executions']);

const logger = jsonLogger();

/**
 * Target of the EventBridge rule on S3 "Object Created" events in the revision bucket: deploys the
 * uploaded object version to the group its key names. Needs STEPDEPLOY_LAMBDA_STATE_MACHINE_ARN and
 * STEPDEPLOY_SERVER_STATE_MACHINE_ARN. An upload it does not deploy is logged, not thrown.
 */
export const handler = stepHandler('onRevisionUploaded', async (event: unknown) => {
  const parsed = createdObjectFromEvent(event);
  const result: OnRevisionUploadedOutput =
    'problem' in parsed
      ? { started: false, reason: parsed.problem }
      : await onRevisionUploaded(awsStepDeps(ports))({
          bucket: parsed.object.bucket,
          key: parsed.object.key,
          ...(parsed.object.versionId ? { version: parsed.object.versionId } : {}),
          ...(parsed.object.eTag ? { eTag: parsed.object.eTag } : {}),
          deploymentId: uploadDeploymentId(parsed.object),
        });
  if (result.started) logger.info('deployment started', { step: 'onRevisionUploaded', ...result });
  else logger.error('no deployment started', { step: 'onRevisionUploaded', ...result });
  return result;
});
