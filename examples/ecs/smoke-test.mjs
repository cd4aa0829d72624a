// The AfterAllowTestTraffic hook of the example: ten requests through the test listener (TEST_URL)
// must all succeed and come from the version being deployed (EXPECTED_VERSION, else any). Exit 0
// answers Succeeded, anything else Failed: the deployment then rolls back before production moves.
const base = process.env.TEST_URL ?? process.env.PRODUCTION_URL;
if (!base) {
  console.error('smoke test: no TEST_URL (the deployment group has no test listener)');
  process.exit(1);
}
const expected = process.env.EXPECTED_VERSION;
for (let i = 0; i < 10; i++) {
  const response = await fetch(base);
  const body = await response.text();
  if (!response.ok) {
    console.error(`smoke test: ${base} answered ${response.status}: ${body.trim()}`);
    process.exit(1);
  }
  if (expected && JSON.parse(body).version !== expected) {
    console.error(`smoke test: ${base} answered version ${JSON.parse(body).version}, not ${expected}`);
    process.exit(1);
  }
}
console.log(`smoke test: 10 requests through ${base} succeeded`);
