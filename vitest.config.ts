import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Test files run one at a time. Several suites start real processes (local hosts, the load
    // balancer, the CLI); run side by side on two cores, a lifecycle-event script now and then reports
    // "failed to close STDERR" after its hook ended (about 1 run in 3 of the whole suite). That is a
    // defect of the instance script under heavy load, under investigation; it is not hidden here, only
    // kept out of the way of unrelated assertions.
    fileParallelism: false,
  },
});
