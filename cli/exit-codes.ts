/** Exit codes every command keeps: scripts depend on them. */
export const EXIT_OK = 0;
/** The thing checked is bad: an invalid AppSpec, a failed or stopped deployment. */
export const EXIT_BAD = 1;
export const EXIT_USAGE = 2;

/** A usage problem the parser cannot see (a missing file, an unknown config name). */
export class UsageError extends Error {
  override name = 'UsageError';
}
