import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
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

export function parseAppSpecSource(text: string): AppSpecSource {
  const body = text.startsWith(BOM) ? text.slice(BOM.length) : text;
  const lineCounter = new LineCounter();
  const doc = parseDocument(body, {
    version: '1.1',
    lineCounter,
    uniqueKeys: false, // Ruby's loader keeps the last duplicate key; so do we.
    prettyErrors: false,
    strict: false,
  });

  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const locate = (path: readonly PathSegment[]) => {
    const node = nodeAt(doc.contents as Node | null, path);
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
    const node = exactNodeAt(doc.contents as Node | null, path);
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
      return { value: JSON.parse(body), errors: [], format: 'json', locate: () => undefined, issue };
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
function nodeAt(root: Node | null, path: readonly PathSegment[]): Node | null {
  let node: Node | null = root;
  for (const segment of path) {
    if (!node) return null;
    let next: Node | null = null;
    if (typeof segment === 'number' && isSeq(node)) {
      const item = node.items[segment];
      next = (item as Node | undefined) ?? null;
    } else if (typeof segment === 'string' && isMap(node)) {
      const pairs = node.items.filter(isPair);
      const keyText = (pair: (typeof pairs)[number]) =>
        isScalar(pair.key) ? String(pair.key.value) : undefined;
      const pair =
        pairs.find((p) => keyText(p) === segment) ??
        pairs.find((p) => keyText(p)?.toLowerCase() === segment.toLowerCase());
      if (pair) next = (pair.value as Node | null) ?? (pair.key as Node | null);
    }
    if (!next) return node; // nearest existing ancestor
    node = next;
  }
  return node;
}

/** Like `nodeAt`, but only an exact match: no case-insensitive keys, no nearest ancestor. */
function exactNodeAt(root: Node | null, path: readonly PathSegment[]): Node | null {
  let node: Node | null = root;
  for (const segment of path) {
    if (typeof segment === 'number' && isSeq(node)) {
      node = (node.items[segment] as Node | undefined) ?? null;
    } else if (typeof segment === 'string' && isMap(node)) {
      const pair = node.items.findLast(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === segment,
      );
      node = (pair?.value as Node | null | undefined) ?? null;
    } else {
      return null;
    }
  }
  return node;
}
