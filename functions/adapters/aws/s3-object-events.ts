import { createHash } from 'node:crypto';
import { formatDeploymentId } from '../../domain/deployment-id.js';

/** The object an S3 "Object Created" event names, with its key decoded. */
export interface CreatedObject {
  bucket: string;
  key: string;
  /** Absent in an unversioned bucket. */
  versionId?: string;
  eTag?: string;
  /** Orders the events of one key; present on every Object Created event. */
  sequencer?: string;
}

export type CreatedObjectOrProblem = { object: CreatedObject } | { problem: string };

/**
 * Reads the EventBridge event S3 sends when an object is created (source `aws.s3`, detail-type
 * `Object Created`; https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html). Answers
 * a problem, not an exception, for anything else: an EventBridge target that throws is retried and
 * then dropped, so the caller reports and logs it instead.
 */
export function createdObjectFromEvent(event: unknown): CreatedObjectOrProblem {
  if (!isRecord(event) || event.source !== 'aws.s3' || event['detail-type'] !== 'Object Created') {
    return { problem: 'The event is not an S3 "Object Created" event (source aws.s3).' };
  }
  const detail = isRecord(event.detail) ? event.detail : {};
  const bucket = isRecord(detail.bucket) ? detail.bucket.name : undefined;
  const object = isRecord(detail.object) ? detail.object : {};
  if (typeof bucket !== 'string' || bucket === '' || typeof object.key !== 'string' || object.key === '') {
    return { problem: 'The S3 event names no bucket (detail.bucket.name) or no key (detail.object.key).' };
  }
  const key = decodeEventKey(object.key);
  if (key === undefined) {
    return { problem: `The object key ${object.key} in the S3 event is not validly URL-encoded.` };
  }
  const versionId = stringOf(object['version-id']);
  const eTag = stringOf(object.etag);
  const sequencer = stringOf(object.sequencer);
  return {
    object: {
      bucket,
      key,
      // S3 spells "no version" (an unversioned bucket, or one with versioning suspended) as 'null'.
      ...(versionId && versionId !== 'null' ? { versionId } : {}),
      ...(eTag ? { eTag: eTag.replace(/^"|"$/g, '') } : {}),
      ...(sequencer ? { sequencer } : {}),
    },
  };
}

/**
 * S3 URL-encodes the key in its event notifications, form-style: a space arrives as '+', a '+' as
 * '%2B' ("red flower.jpg" becomes "red+flower.jpg"). [unverified] for the EventBridge form: AWS
 * documents it for the notification message format; decoding is the safer choice, since for keys of
 * letters, digits and `-_./` both forms are the same. Undefined for a malformed escape.
 */
export function decodeEventKey(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * The deployment id for one version of an uploaded object: the same for every delivery of its event
 * (EventBridge delivers at least once, and StartExecution with the same name and input is a no-op),
 * different for each new upload of the key (its version id, or the sequencer in an unversioned bucket).
 */
export function uploadDeploymentId(object: CreatedObject): string {
  const upload = object.versionId ?? object.sequencer ?? object.eTag ?? '';
  const digest = createHash('sha256').update(`${object.bucket}\n${object.key}\n${upload}`).digest();
  return formatDeploymentId(new Uint8Array(digest));
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
