import { describe, expect, it } from 'vitest';
import {
  marshallItem,
  toAttributeValue,
  unmarshallItem,
} from '../../../functions/adapters/aws/dynamodb-marshalling.js';

describe('DynamoDB marshalling', () => {
  it('round-trips JSON data', () => {
    const value = {
      text: 'a',
      empty: '',
      number: 0.25,
      negative: -3,
      yes: true,
      no: false,
      nothing: null,
      list: [1, 'two', { three: 3 }, [], null],
      nested: { deeper: { deepest: 'x' } },
      emptyObject: {},
    };
    expect(unmarshallItem(marshallItem(value))).toEqual(value);
  });

  it('drops undefined members and turns undefined list elements into null, as JSON does', () => {
    expect(marshallItem({ a: undefined, b: 1 })).toEqual({ b: { N: '1' } });
    expect(toAttributeValue([undefined])).toEqual({ L: [{ NULL: true }] });
  });

  it('refuses values that would read back differently', () => {
    expect(() => toAttributeValue(Number.NaN)).toThrow(TypeError);
    expect(() => toAttributeValue(new Date(0))).toThrow(TypeError);
    expect(() => toAttributeValue(new Map())).toThrow(TypeError);
  });

  it('reads sets as arrays', () => {
    expect(unmarshallItem({ s: { SS: ['a', 'b'] }, n: { NS: ['1', '2'] } })).toEqual({
      s: ['a', 'b'],
      n: [1, 2],
    });
  });
});
