/** What a caught value says about itself: an Error's name and message, or the value as text. */
export function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
