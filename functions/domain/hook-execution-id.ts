/**
 * Lifecycle event hook execution ids are capabilities: whoever holds one may complete the hook, as
 * with CodeDeploy. 32 random bytes (256 bits) make them unguessable; the caller supplies the bytes.
 */
export function formatHookExecutionId(randomBytes: Uint8Array): string {
  if (randomBytes.length < 16) throw new RangeError('a hook execution id needs at least 16 random bytes');
  return Array.from(randomBytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
