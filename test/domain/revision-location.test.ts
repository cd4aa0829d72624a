import { describe, expect, it } from 'vitest';
import type { RevisionLocation } from '../../functions/domain/codedeploy-shapes.js';
import { normalizeRevisionLocation, revisionIdentity } from '../../functions/domain/revision-location.js';

const s3 = (extra: Record<string, string> = {}): RevisionLocation => ({
  revisionType: 'S3',
  s3Location: { bucket: 'b', key: 'k.zip', bundleType: 'zip', ...extra },
});

describe('revision locations', () => {
  it('keeps only the members of the revision type', () => {
    const mixed = {
      ...s3(),
      gitHubLocation: { repository: 'a/b', commitId: 'c' },
      string: { content: 'x' },
    } as RevisionLocation;
    expect(normalizeRevisionLocation(mixed)).toEqual(s3());
    expect(
      normalizeRevisionLocation({
        revisionType: 'GitHub',
        gitHubLocation: { repository: 'me/app', commitId: 'abc' },
      }),
    ).toEqual({
      revisionType: 'GitHub',
      gitHubLocation: { repository: 'me/app', commitId: 'abc' },
    });
  });

  it.each<[string, RevisionLocation, RegExp]>([
    ['no type', {}, /revision\.revisionType is required/],
    ['S3 without a location', { revisionType: 'S3' }, /revision\.s3Location is required/],
    [
      'S3 without a key',
      { revisionType: 'S3', s3Location: { bucket: 'b', bundleType: 'zip' } },
      /s3Location\.key is required/,
    ],
    [
      'S3 without a bundle type',
      { revisionType: 'S3', s3Location: { bucket: 'b', key: 'k' } },
      /bundleType is required/,
    ],
    [
      'GitHub with a bare repository name',
      { revisionType: 'GitHub', gitHubLocation: { repository: 'app', commitId: 'c' } },
      /account\/repository/,
    ],
    [
      'AppSpecContent without content',
      { revisionType: 'AppSpecContent', appSpecContent: {} },
      /appSpecContent\.content is required/,
    ],
  ])('refuses %s with InvalidRevisionException', (_name, revision, message) => {
    expect(() => normalizeRevisionLocation(revision)).toThrow(message);
    expect(() => normalizeRevisionLocation(revision)).toThrow(
      expect.objectContaining({ name: 'InvalidRevisionException' }),
    );
  });

  it('tells revisions apart by their location, and content revisions by their content', () => {
    expect(revisionIdentity(s3())).toBe(revisionIdentity(s3()));
    expect(revisionIdentity(s3())).not.toBe(revisionIdentity(s3({ eTag: 'e' })));
    expect(revisionIdentity(s3())).not.toBe(revisionIdentity(s3({ version: 'v2' })));
    expect(revisionIdentity(s3())).not.toBe(revisionIdentity(s3({ bundleType: 'tgz' })));
    const content = (text: string, sha256?: string): RevisionLocation => ({
      revisionType: 'AppSpecContent',
      appSpecContent: { content: text, ...(sha256 ? { sha256 } : {}) },
    });
    expect(revisionIdentity(content('a', 'x'))).toBe(revisionIdentity(content('a')));
    expect(revisionIdentity(content('a'))).not.toBe(revisionIdentity(content('b')));
  });
});
