import {
  Composer,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  Parser,
  type CST,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
  YAMLParseError,
} from 'yaml';
import { formatPath, INVALID_REVISION, type AppSpecIssue, type PathSegment } from './issues.js';

/**
 * An AppSpec's text parsed into plain values, with a way back from a field path to its line and
 * column. YAML 1.1 on purpose: the agent parses with Ruby's YAML 1.1 loader, so `mode: 0644` is the
 * octal integer 420 and `yes` is true, exactly as CodeDeploy sees them.
 */
export interface AppSpecSource {
  readonly value: unknown;
  /** Parse errors (malformed YAML or JSON) with their position; empty when the text parsed. */
  readonly errors: AppSpecIssue[];
  readonly format: 'yaml' | 'json';
  /** Line and column (1-based) of the node at `path`, or of its nearest existing ancestor. */
  locate(path: readonly PathSegment[]): { line: number; column: number } | undefined;
  /** A located issue for `path`. */
  issue(code: string, message: string, path: readonly PathSegment[]): AppSpecIssue;
  /**
   * The scalar at exactly `path` (keys matched exactly, the last of duplicate keys, as Ruby keeps it)
   * as written: `text` is the source text for plain scalars (`0644`, `1.0`), `quoted` tells `"0644"`
   * apart. Undefined when there is no scalar there, or the text was parsed as JSON.
   */
  scalar?(path: readonly PathSegment[]): { text: string; quoted: boolean } | undefined;
}

const BOM = '\uFEFF';

/**
 * The deepest nesting of lists and mappings read. Real AppSpecs nest about 7 levels (an ECS service's
 * subnets); the parser and the validators recurse, so a document nested thousands deep would
 * overflow the stack instead of getting an error.
 */
export const MAX_NESTING_DEPTH = 64;

export function parseAppSpecSource(text: string): AppSpecSource {
  const body = text.startsWith(BOM) ? text.slice(BOM.length) : text;
  const lineCounter = new LineCounter();
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  // The concrete syntax tree is built without recursion; its depth is checked before the recursive
  // composition into a document.
  const tokens = [...new Parser(lineCounter.addNewLine).parse(body)];
  const tooDeep = firstTooDeep(tokens);
  if (tooDeep !== undefined) {
    return {
      value: undefined,
      errors: [{ ...nestingError(), ...position(tooDeep) }],
      format: body.trimStart().startsWith('{') ? 'json' : 'yaml',
      locate: () => undefined,
      issue: (code, message, path) => ({ code, message, path: formatPath(path) }),
    };
  }
  const doc = composeOne(tokens, body.length);
  const index = new MapIndex();

  const locate = (path: readonly PathSegment[]) => {
    const node = nodeAt(doc.contents as Node | null, path, index);
    if (!node?.range) return undefined;
    return position(node.range[0]);
  };
  const issue = (code: string, message: string, path: readonly PathSegment[]): AppSpecIssue => ({
    code,
    message,
    path: formatPath(path),
    ...locate(path),
  });

  const scalar = (path: readonly PathSegment[]) => {
    const node = exactNodeAt(doc.contents as Node | null, path, index);
    if (!isScalar(node)) return undefined;
    const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
    return { text: typeof node.source === 'string' ? node.source : String(node.value), quoted };
  };

  const looksLikeJson = body.trimStart().startsWith('{');
  if (doc.errors.length === 0) {
    try {
      const value: unknown = doc.toJS({ maxAliasCount: 100 });
      return { value, errors: [], format: looksLikeJson ? 'json' : 'yaml', locate, issue, scalar };
    } catch (error) {
      // An alias with no anchor (`*a`) or an alias bomb parses but cannot become a value.
      const message = `The AppSpec file is not valid YAML: ${firstLine((error as Error).message)}`;
      return {
        value: undefined,
        errors: [{ code: INVALID_REVISION, message, path: '' }],
        format: 'yaml',
        locate,
        issue,
      };
    }
  }
  if (looksLikeJson) {
    // JSON is YAML, but YAML rejects some valid JSON (tabs in indentation): let JSON have the last word.
    try {
      const value: unknown = JSON.parse(body);
      if (valueDepthExceeds(value, MAX_NESTING_DEPTH)) {
        return { value: undefined, errors: [nestingError()], format: 'json', locate: () => undefined, issue };
      }
      return { value, errors: [], format: 'json', locate: () => undefined, issue };
    } catch (error) {
      return { value: undefined, errors: [jsonError(body, error)], format: 'json', locate, issue };
    }
  }
  const errors = doc.errors.map((error) => ({
    code: INVALID_REVISION,
    message: `The AppSpec file is not valid YAML: ${firstLine(error.message)}`,
    path: '',
    ...position(error.pos[0]),
  }));
  return { value: undefined, errors, format: 'yaml', locate, issue };
}

const PARSE_OPTIONS = {
  version: '1.1',
  uniqueKeys: false, // Ruby's loader keeps the last duplicate key; so do we.
  strict: false,
} as const;

/** The first document, as `parseDocument` gives it (a second one is an error, as there). */
function composeOne(tokens: CST.Token[], length: number): Document.Parsed {
  const composer = new Composer(PARSE_OPTIONS);
  let doc: Document.Parsed | undefined;
  for (const next of composer.compose(tokens, true, length)) {
    if (!doc) {
      doc = next;
      continue;
    }
    doc.errors.push(
      new YAMLParseError(
        [next.range[0], next.range[1]],
        'MULTIPLE_DOCS',
        'Source contains multiple documents; please use YAML.parseAllDocuments()',
      ),
    );
    break;
  }
  return doc as Document.Parsed;
}

function nestingError(): AppSpecIssue {
  return {
    code: INVALID_REVISION,
    message: `The AppSpec file nests lists and mappings more than ${MAX_NESTING_DEPTH} levels deep, which no AppSpec needs. Flatten the document, and then try again.`,
    path: '',
  };
}

type CollectionToken = CST.BlockMap | CST.BlockSequence | CST.FlowCollection;

/** The offset of the first collection nested deeper than the limit, walking the tree without recursion. */
function firstTooDeep(tokens: readonly CST.Token[]): number | undefined {
  const stack: Array<{ token: CST.Token | undefined; depth: number }> = tokens.map((token) => ({
    token,
    depth: 0,
  }));
  while (stack.length > 0) {
    const { token, depth } = stack.pop() as { token: CST.Token | undefined; depth: number };
    if (token === undefined) continue;
    if (token.type === 'document') {
      stack.push({ token: token.value, depth });
      continue;
    }
    if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection')
      continue;
    const collection = token as CollectionToken;
    if (depth + 1 > MAX_NESTING_DEPTH) return collection.offset;
    for (const item of collection.items) {
      if ('key' in item) stack.push({ token: item.key ?? undefined, depth: depth + 1 });
      stack.push({ token: item.value, depth: depth + 1 });
    }
  }
  return undefined;
}

/** Whether a parsed JSON value nests deeper than `limit`, without recursion. */
function valueDepthExceeds(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (typeof item !== 'object' || item === null) continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Key lookups in mapping nodes, indexed on first use: an issue is located by walking its path, and a
 * document with thousands of keys (each one an "unknown key" warning) must not cost a scan per issue.
 */
class MapIndex {
  private readonly indexes = new WeakMap<
    YAMLMap,
    { first: Map<string, Pair>; last: Map<string, Pair>; firstLower: Map<string, Pair> }
  >();

  private of(map: YAMLMap) {
    let index = this.indexes.get(map);
    if (index) return index;
    index = { first: new Map(), last: new Map(), firstLower: new Map() };
    for (const pair of map.items) {
      if (!isPair(pair) || !isScalar(pair.key)) continue;
      const key = String(pair.key.value);
      if (!index.first.has(key)) index.first.set(key, pair);
      index.last.set(key, pair);
      const lower = key.toLowerCase();
      if (!index.firstLower.has(lower)) index.firstLower.set(lower, pair);
    }
    this.indexes.set(map, index);
    return index;
  }

  /** The first pair whose key is exactly `key`, else the first whose key matches it case-insensitively. */
  loose(map: YAMLMap, key: string): Pair | undefined {
    const index = this.of(map);
    return index.first.get(key) ?? index.firstLower.get(key.toLowerCase());
  }

  /** The last pair whose key is exactly `key` (the one Ruby's loader keeps). */
  exact(map: YAMLMap, key: string): Pair | undefined {
    return this.of(map).last.get(key);
  }
}

function jsonError(body: string, error: unknown): AppSpecIssue {
  const message = error instanceof Error ? error.message : String(error);
  const offset = /position (\d+)/.exec(message)?.[1];
  const base: AppSpecIssue = {
    code: INVALID_REVISION,
    message: `The AppSpec file is not valid JSON: ${message}`,
    path: '',
  };
  if (offset === undefined) return base;
  const before = body.slice(0, Number(offset));
  const lines = before.split('\n');
  return { ...base, line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/** Walks the YAML node tree; map keys match exactly first, then case-insensitively. */
function nodeAt(root: Node | null, path: readonly PathSegment[], index: MapIndex): Node | null {
  let node: Node | null = root;
  for (const segment of path) {
    if (!node) return null;
    let next: Node | null = null;
    if (typeof segment === 'number' && isSeq(node)) {
      const item = node.items[segment];
      next = (item as Node | undefined) ?? null;
    } else if (typeof segment === 'string' && isMap(node)) {
      const pair = index.loose(node, segment);
      if (pair) next = (pair.value as Node | null) ?? (pair.key as Node | null);
    }
    if (!next) return node; // nearest existing ancestor
    node = next;
  }
  return node;
}

/** Like `nodeAt`, but only an exact match: no case-insensitive keys, no nearest ancestor. */
function exactNodeAt(root: Node | null, path: readonly PathSegment[], index: MapIndex): Node | null {
  let node: Node | null = root;
  for (const segment of path) {
    if (typeof segment === 'number' && isSeq(node)) {
      node = (node.items[segment] as Node | undefined) ?? null;
    } else if (typeof segment === 'string' && isMap(node)) {
      const pair = index.exact(node, segment);
      node = (pair?.value as Node | null | undefined) ?? null;
    } else {
      return null;
    }
  }
  return node;
}
