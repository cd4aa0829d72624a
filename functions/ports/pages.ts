/**
 * One page of a listing, as CodeDeploy's List* operations return them: the items and, when more
 * remain, an opaque `nextToken` to pass back. A token the store did not issue is refused with
 * CodeDeploy's InvalidNextTokenException.
 */
export interface PageRequest {
  nextToken?: string;
  /** At most this many items. */
  limit: number;
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}
