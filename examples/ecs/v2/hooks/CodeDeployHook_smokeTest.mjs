// CodeDeployHook_smokeTest for version 2: the example's smoke test, expecting this version.
process.env.EXPECTED_VERSION = '2';
await import('../../smoke-test.mjs');
