#!/usr/bin/env node
// The CLI is TypeScript; tsx loads it without a build step so `npx stepdeploy` works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
