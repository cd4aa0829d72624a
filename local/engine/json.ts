/** JSON values as they cross the boundary between the interpreter and the step handlers. */

export type JsonPrimitive = null | boolean | number | string;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** A path into a JSON document, as object keys and array indexes. */
export type JsonPathSegments = readonly (string | number)[];

/** Step Functions' payload quota for a state's input or output and for a task result (256 KiB). */
export const MAX_PAYLOAD_BYTES = 262_144;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Turns whatever a handler returned into plain JSON, exactly as a Lambda response is serialized
 * (Dates become strings, undefined becomes null), so local runs see what AWS would pass on.
 */
export function toJsonValue(value: unknown): JsonValue {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as JsonValue);
}

export function cloneJson<T extends JsonValue>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export function jsonByteLength(value: JsonValue): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** JSON text with object keys sorted, so two inputs compare equal whatever their key order. */
export function stableStringify(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (isJsonObject(value)) {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableStringify(value[key] ?? null)}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Sets `value` at `path` inside `target`, creating objects on the way. */
export function setAtPath(target: JsonObject, path: JsonPathSegments, value: JsonValue): void {
  let node: JsonValue = target;
  for (let i = 0; i < path.length - 1; i++) {
    const segment = path[i] as string | number;
    const container: JsonObject | JsonValue[] = node as JsonObject | JsonValue[];
    let next: JsonValue | undefined = Array.isArray(container)
      ? container[segment as number]
      : container[segment as string];
    if (typeof next !== 'object' || next === null) {
      next = {};
      if (Array.isArray(container)) container[segment as number] = next;
      else container[segment as string] = next;
    }
    node = next;
  }
  const last = path[path.length - 1];
  if (last === undefined) return;
  if (Array.isArray(node)) node[last as number] = value;
  else (node as JsonObject)[last as string] = value;
}
