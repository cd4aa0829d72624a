/**
 * Checks a JSON value against a shape of a botocore service model (service-2.json), as the tests read
 * it from an awscli install: members known to the shape (no extras), required members present, JSON
 * types as the JSON 1.1 protocol sends them (timestamps are epoch-second numbers), enum values.
 */
export interface BotocoreShape {
  type: string;
  members?: Record<string, { shape: string }>;
  required?: string[];
  member?: { shape: string };
  value?: { shape: string };
  enum?: string[];
  exception?: boolean;
}

export interface BotocoreModel {
  metadata: Record<string, string>;
  operations: Record<
    string,
    { input?: { shape: string }; output?: { shape: string }; errors?: Array<{ shape: string }> }
  >;
  shapes: Record<string, BotocoreShape>;
}

export interface ShapeProblem {
  path: string;
  problem: string;
}

export interface ShapeCheckOptions {
  /**
   * Members a newer model has and this one lacks (`Shape.member`): reported apart, not as problems,
   * since the vendored model is newer than Debian's awscli.
   */
  newerMembers?: ReadonlySet<string>;
  /** `Shape=value` enum values the real service is known to return outside its own model. */
  knownEnumDeviations?: ReadonlySet<string>;
}

export function checkShape(
  model: BotocoreModel,
  shapeName: string,
  value: unknown,
  options: ShapeCheckOptions = {},
  path = '$',
  problems: ShapeProblem[] = [],
  tolerated: string[] = [],
): { problems: ShapeProblem[]; tolerated: string[] } {
  const shape = model.shapes[shapeName];
  const fail = (problem: string) => problems.push({ path, problem });
  if (!shape) {
    fail(`unknown shape ${shapeName}`);
    return { problems, tolerated };
  }
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        fail(`expected an object (${shapeName})`);
        break;
      }
      const record = value as Record<string, unknown>;
      for (const member of shape.required ?? []) {
        if (record[member] === undefined || record[member] === null)
          fail(`missing required member ${member}`);
      }
      for (const [member, memberValue] of Object.entries(record)) {
        const ref = shape.members?.[member];
        if (!ref) {
          if (options.newerMembers?.has(`${shapeName}.${member}`)) tolerated.push(`${path}.${member}`);
          else fail(`member ${member} is not in ${shapeName}`);
          continue;
        }
        if (memberValue === null) {
          fail(`member ${member} is null`);
          continue;
        }
        checkShape(model, ref.shape, memberValue, options, `${path}.${member}`, problems, tolerated);
      }
      break;
    }
    case 'list':
      if (!Array.isArray(value)) fail(`expected a list (${shapeName})`);
      else
        value.forEach((element, index) =>
          checkShape(model, shape.member!.shape, element, options, `${path}[${index}]`, problems, tolerated),
        );
      break;
    case 'map':
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        fail(`expected a map (${shapeName})`);
      else
        for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
          checkShape(model, shape.value!.shape, entry, options, `${path}{${key}}`, problems, tolerated);
        }
      break;
    case 'string':
      if (typeof value !== 'string') fail(`expected a string, got ${typeof value}`);
      else if (
        shape.enum &&
        !shape.enum.includes(value) &&
        !options.knownEnumDeviations?.has(`${shapeName}=${value}`)
      ) {
        fail(`${JSON.stringify(value)} is not one of ${shapeName}: ${shape.enum.join(', ')}`);
      }
      break;
    case 'integer':
    case 'long':
      if (typeof value !== 'number' || !Number.isInteger(value))
        fail(`expected a whole number (${shape.type})`);
      break;
    case 'double':
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value)) fail('expected a number');
      break;
    case 'boolean':
      if (typeof value !== 'boolean') fail('expected a boolean');
      break;
    case 'timestamp':
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 1e9 || value > 1e10) {
        fail(`expected a timestamp in epoch seconds, got ${JSON.stringify(value)}`);
      }
      break;
    default:
      if (typeof value !== 'string') fail(`expected a ${shape.type} as a string`);
  }
  return { problems, tolerated };
}
