/**
 * The bucket `stepdeploy deploy` uploads to on a local server: its uploads start nothing by
 * themselves (the server's S3 trigger leaves this bucket alone), since `deploy` creates the
 * deployment itself. Its own module, so the CLI can name it without loading the server.
 */
export const CLI_REVISION_BUCKET = 'stepdeploy-cli';
