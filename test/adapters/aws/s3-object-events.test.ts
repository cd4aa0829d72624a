import { describe, expect, it } from 'vitest';
import {
  createdObjectFromEvent,
  decodeEventKey,
  uploadDeploymentId,
} from '../../../functions/adapters/aws/s3-object-events.js';

const event = (object: Record<string, unknown>, overrides: Record<string, unknown> = {}) => ({
  source: 'aws.s3',
  'detail-type': 'Object Created',
  detail: { bucket: { name: 'revisions' }, object },
  ...overrides,
});

describe('S3 Object Created events', () => {
  it('reads bucket, decoded key, version, unquoted ETag and sequencer', () => {
    expect(
      createdObjectFromEvent(
        event({ key: 'shop/web/a+b%2Bc.zip', 'version-id': 'v1', etag: '"abc-2"', sequencer: '01' }),
      ),
    ).toEqual({
      object: {
        bucket: 'revisions',
        key: 'shop/web/a b+c.zip',
        versionId: 'v1',
        eTag: 'abc-2',
        sequencer: '01',
      },
    });
  });

  it("treats S3's 'null' version (an unversioned bucket) as no version", () => {
    expect(createdObjectFromEvent(event({ key: 'k', 'version-id': 'null' }))).toEqual({
      object: { bucket: 'revisions', key: 'k' },
    });
  });

  it.each([
    [
      event({ key: 'k' }, { source: 'aws.ec2' }),
      'The event is not an S3 "Object Created" event (source aws.s3).',
    ],
    [
      event({ key: 'k' }, { 'detail-type': 'Object Deleted' }),
      'The event is not an S3 "Object Created" event (source aws.s3).',
    ],
    [event({}), 'The S3 event names no bucket (detail.bucket.name) or no key (detail.object.key).'],
    [
      event({ key: 'shop/web/%E0%A4%A.zip' }),
      'The object key shop/web/%E0%A4%A.zip in the S3 event is not validly URL-encoded.',
    ],
    [null, 'The event is not an S3 "Object Created" event (source aws.s3).'],
  ])('answers a problem, not an exception, for %j', (input, problem) => {
    expect(createdObjectFromEvent(input)).toEqual({ problem });
  });

  it('decodes form-style: + is a space, %2B a plus', () => {
    expect(decodeEventKey('a+b%2B%20c')).toBe('a b+ c');
    expect(decodeEventKey('%')).toBeUndefined();
  });

  it('derives one deployment id per object version, different for another version or key', () => {
    const object = { bucket: 'b', key: 'shop/web/a.zip', versionId: 'v1', sequencer: '01' };
    const id = uploadDeploymentId(object);
    expect(id).toMatch(/^d-[A-Z0-9]{9}$/);
    expect(uploadDeploymentId({ ...object })).toBe(id);
    expect(uploadDeploymentId({ ...object, sequencer: '02' })).toBe(id); // the version decides
    expect(uploadDeploymentId({ ...object, versionId: 'v2' })).not.toBe(id);
    expect(uploadDeploymentId({ ...object, key: 'shop/web/b.zip' })).not.toBe(id);
    const { versionId: _unversioned, ...noVersion } = object;
    expect(uploadDeploymentId(noVersion)).not.toBe(uploadDeploymentId({ ...noVersion, sequencer: '02' }));
  });
});
