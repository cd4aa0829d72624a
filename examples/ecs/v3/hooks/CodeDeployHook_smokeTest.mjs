// CodeDeployHook_smokeTest for version 3: the example's smoke test, expecting this version.
process.env.EXPECTED_VERSION = '3';
await import('../../smoke-test.mjs');
