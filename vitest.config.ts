import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Most suites wait on processes, sockets and timers: two workers halve the wall time on 2 cores.
    maxWorkers: 2,
    // A worker's files share the modules they import (the AWS SDK, the engine, dynalite): importing
    // them again for every file cost about 40 s of the suite. So a test file leaves no global change
    // behind (a mocked client is restored in its afterAll).
    isolate: false,
  },
});
