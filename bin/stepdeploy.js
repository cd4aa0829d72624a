#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm ci` through the `prepare` script, or `npm run build`).
try {
  await import('../dist/cli/main.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/cli/main.js'))
    throw error;
  console.error(
    'stepdeploy: the CLI is not built yet; run `npm run build` (npm ci does it) in the repository.',
  );
  process.exitCode = 2;
}
