import { describe, expect, it } from 'vitest';
import { decodePageToken, encodePageToken } from '../../../functions/adapters/aws/dynamodb-pages.js';
import { offsetPage } from '../../../functions/api/control-plane.js';

const partition = { attribute: 'gsi1pk' as const, value: 'APPLICATIONS' };
const token = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('DynamoDB page tokens', () => {
  it('round-trips the last evaluated key of the listing', () => {
    const key = {
      pk: { S: 'APPLICATION#shop' },
      sk: { S: 'APPLICATION' },
      gsi1pk: { S: 'APPLICATIONS' },
      gsi1sk: { S: 'shop' },
    };
    expect(decodePageToken(encodePageToken(key), partition)).toEqual(key);
  });

  it.each<[string, string]>([
    ['not base64url', 'a b+c'],
    ['not JSON', Buffer.from('{oops').toString('base64url')],
    ['a JSON list', token(['pk'])],
    [
      'an attribute that is no key',
      token({ pk: 'APPLICATION#a', sk: 'APPLICATION', gsi1pk: 'APPLICATIONS', secret: 'x' }),
    ],
    ['a key value that is not a string', token({ pk: 'APPLICATION#a', sk: 1, gsi1pk: 'APPLICATIONS' })],
    [
      'a key of another listing (another partition)',
      token({ pk: 'INSTANCE#web-1', sk: 'INSTANCE', gsi1pk: 'INSTANCES', gsi1sk: 'web-1' }),
    ],
    ['a key without the table key', token({ gsi1pk: 'APPLICATIONS', gsi1sk: 'a' })],
  ])('refuses %s with InvalidNextTokenException', (_name, value) => {
    expect(() => decodePageToken(value, partition)).toThrow(
      expect.objectContaining({ name: 'InvalidNextTokenException' }),
    );
  });
});

describe('in-memory pages (offset tokens)', () => {
  const items = ['a', 'b', 'c', 'd', 'e'];
  it('pages through a list and ends without a token', () => {
    const first = offsetPage(items, undefined, 2);
    const second = offsetPage(items, first.nextToken, 2);
    const third = offsetPage(items, second.nextToken, 2);
    expect([first.items, second.items, third.items]).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(third.nextToken).toBeUndefined();
    expect(offsetPage(items.slice(0, 4), undefined, 2).nextToken).toBeDefined();
    expect(offsetPage(items.slice(0, 2), undefined, 2).nextToken).toBeUndefined();
  });

  it.each(['junk', Buffer.from('o99').toString('base64url'), Buffer.from('o-1').toString('base64url')])(
    'refuses the token %s',
    (value) => {
      expect(() => offsetPage(items, value, 2)).toThrow(
        expect.objectContaining({ name: 'InvalidNextTokenException' }),
      );
    },
  );
});
