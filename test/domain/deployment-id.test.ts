import { describe, expect, it } from 'vitest';
import {
  DEPLOYMENT_ID_RANDOM_BYTES,
  formatDeploymentId,
  isDeploymentId,
} from '../../functions/domain/deployment-id.js';
import { InvalidArgumentError } from '../../functions/domain/errors.js';

const bytes = (...values: number[]) => Uint8Array.from(values);

describe('formatDeploymentId', () => {
  it.each<[string, Uint8Array, string]>([
    ['all zero bytes', new Uint8Array(9), 'd-000000000'],
    ['the value 35 (base 36 "Z")', bytes(0, 0, 0, 0, 0, 0, 0, 0, 35), 'd-00000000Z'],
    ['the value 36 (base 36 "10")', bytes(0, 0, 0, 0, 0, 0, 0, 0, 36), 'd-000000010'],
    ['the value 256 = 7*36 + 4', bytes(0, 0, 0, 0, 0, 0, 0, 1, 0), 'd-000000074'],
  ])('%s -> %s', (_label, input, id) => {
    expect(formatDeploymentId(input)).toBe(id);
  });

  it('is d- plus 9 of [A-Z0-9] for many random inputs, and deterministic', () => {
    let seed = 12345;
    for (let n = 0; n < 500; n += 1) {
      const input = Uint8Array.from({ length: 12 }, () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed & 0xff;
      });
      const id = formatDeploymentId(input);
      expect(id).toMatch(/^d-[A-Z0-9]{9}$/);
      expect(formatDeploymentId(input)).toBe(id);
    }
  });

  it('uses the high end of the alphabet too (all 0xFF bytes)', () => {
    expect(formatDeploymentId(new Uint8Array(9).fill(0xff))).toMatch(/^d-[A-Z0-9]{9}$/);
  });

  it('different bytes give different ids', () => {
    const ids = new Set(
      Array.from({ length: 256 }, (_, b) => formatDeploymentId(bytes(b, 0, 0, 0, 0, 0, 0, 0, b))),
    );
    expect(ids.size).toBe(256);
  });

  it(`needs at least ${DEPLOYMENT_ID_RANDOM_BYTES} bytes and ignores extra ones`, () => {
    expect(DEPLOYMENT_ID_RANDOM_BYTES).toBe(9);
    expect(() => formatDeploymentId(new Uint8Array(8))).toThrow(InvalidArgumentError);
    expect(formatDeploymentId(bytes(0, 0, 0, 0, 0, 0, 0, 0, 35, 99, 99))).toBe('d-00000000Z');
  });
});

describe('isDeploymentId', () => {
  it.each<[unknown, boolean]>([
    ['d-75I7MBT7C', true],
    ['d-123456789', true],
    ['d-XXXXXXXXX-local', false],
    ['d-75i7mbt7c', false],
    ['d-75I7MBT7', false],
    ['d-75I7MBT7CC', false],
    ['D-75I7MBT7C', false],
    ['75I7MBT7C', false],
    [' d-75I7MBT7C', false],
    ['d-75I7MBT7C\n', false],
    [undefined, false],
    [123, false],
  ])('%j -> %s', (value, valid) => {
    expect(isDeploymentId(value)).toBe(valid);
  });
});
