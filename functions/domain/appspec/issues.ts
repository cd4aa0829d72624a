/**
 * What validating an AppSpec reports. Errors are what CodeDeploy rejects; warnings are what it
 * silently ignores (and a user almost certainly did not mean).
 */
export type Platform = 'server' | 'lambda' | 'ecs';

export interface AppSpecIssue {
  /** CodeDeploy's error code for errors (INVALID_REVISION); a stable rule name for warnings. */
  code: string;
  /** For errors, CodeDeploy's or the agent's message verbatim where it has one. */
  message: string;
  /** Field path such as `hooks.AfterInstall[1].timeout`; empty for the whole document. */
  path: string;
  line?: number;
  column?: number;
}

/** Every AppSpec validation error is, in CodeDeploy's terms, an invalid revision. */
export const INVALID_REVISION = 'INVALID_REVISION';

export type PathSegment = string | number;

/** `['hooks', 'AfterInstall', 1, 'timeout']` -> `hooks.AfterInstall[1].timeout` */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}
