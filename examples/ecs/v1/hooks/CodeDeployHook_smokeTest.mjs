// CodeDeployHook_smokeTest for version 1: the example's smoke test, expecting this version.
process.env.EXPECTED_VERSION = '1';
await import('../../smoke-test.mjs');
