import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * JSON-like values <-> DynamoDB AttributeValues. Written here because neither @aws-sdk/lib-dynamodb
 * nor @aws-sdk/util-dynamodb is a dependency; records are plain JSON data, so the JSON subset is all
 * the store needs. As with JSON.stringify, `undefined` object members are dropped and `undefined`
 * list elements become null.
 */
export type AttributeMap = Record<string, AttributeValue>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** The AttributeValue of `value`, or undefined when `value` is undefined (the attribute is omitted). */
export function toAttributeValue(value: unknown): AttributeValue | undefined {
  if (value === undefined) return undefined;
  if (value === null) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'boolean') return { BOOL: value };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`Cannot store the number ${value} in DynamoDB`);
    return { N: String(value) };
  }
  if (Array.isArray(value))
    return { L: value.map((element: unknown) => toAttributeValue(element) ?? { NULL: true }) };
  if (isPlainObject(value)) return { M: marshallItem(value) };
  // Dates, Maps, class instances...: refuse rather than store something that reads back differently.
  throw new TypeError(`Cannot store a value of type ${Object.prototype.toString.call(value)} in DynamoDB`);
}

export function marshallItem(value: object): AttributeMap {
  const item: AttributeMap = {};
  for (const [key, member] of Object.entries(value)) {
    const attribute = toAttributeValue(member);
    if (attribute !== undefined) item[key] = attribute;
  }
  return item;
}

export function fromAttributeValue(attribute: AttributeValue): unknown {
  if (attribute.S !== undefined) return attribute.S;
  if (attribute.N !== undefined) return Number(attribute.N);
  if (attribute.BOOL !== undefined) return attribute.BOOL;
  if (attribute.NULL !== undefined) return null;
  if (attribute.L !== undefined) return attribute.L.map(fromAttributeValue);
  if (attribute.M !== undefined) return unmarshallItem(attribute.M);
  // Sets and binaries are never written by the store; read them as arrays and bytes all the same.
  if (attribute.SS !== undefined) return [...attribute.SS];
  if (attribute.NS !== undefined) return attribute.NS.map(Number);
  if (attribute.B !== undefined) return attribute.B;
  if (attribute.BS !== undefined) return [...attribute.BS];
  throw new TypeError(`Unsupported DynamoDB attribute value: ${JSON.stringify(attribute)}`);
}

export function unmarshallItem(item: AttributeMap): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  for (const [key, attribute] of Object.entries(item)) value[key] = fromAttributeValue(attribute);
  return value;
}
