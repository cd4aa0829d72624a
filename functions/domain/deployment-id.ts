/**
 * Deployment ids: `d-` followed by 9 characters of [A-Z0-9], as CodeDeploy returns them
 * (e.g. `d-75I7MBT7C`). The caller supplies the randomness, so this stays pure.
 */
import { InvalidArgumentError } from './errors.js';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ID_LENGTH = 9;
/** Random bytes formatDeploymentId needs (72 bits; the id holds about 46.5). */
export const DEPLOYMENT_ID_RANDOM_BYTES = 9;
const DEPLOYMENT_ID_PATTERN = /^d-[A-Z0-9]{9}$/;

/**
 * Formats random bytes as a deployment id. The bytes are read as one big-endian number and written
 * in base 36; with 9 or more bytes the bias from the final modulo is below 2^-25. Only the first
 * DEPLOYMENT_ID_RANDOM_BYTES bytes are used, so equal input gives an equal id.
 */
export function formatDeploymentId(randomBytes: Uint8Array): string {
  if (randomBytes.length < DEPLOYMENT_ID_RANDOM_BYTES) {
    throw new InvalidArgumentError(
      `formatDeploymentId needs at least ${DEPLOYMENT_ID_RANDOM_BYTES} random bytes, got ${randomBytes.length}`,
    );
  }
  let value = 0n;
  for (const byte of randomBytes.subarray(0, DEPLOYMENT_ID_RANDOM_BYTES))
    value = (value << 8n) | BigInt(byte);
  let id = '';
  for (let i = 0; i < ID_LENGTH; i += 1) {
    id = ALPHABET.charAt(Number(value % 36n)) + id;
    value /= 36n;
  }
  return `d-${id}`;
}

export function isDeploymentId(value: unknown): value is string {
  return typeof value === 'string' && DEPLOYMENT_ID_PATTERN.test(value);
}
