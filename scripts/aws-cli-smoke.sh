#!/usr/bin/env bash
# The flow of issue 9 with Debian's awscli v2 against `stepdeploy server` (the compiled CLI, as `npm ci`
# builds it): on-premises instances, their tags, an application, a deployment group selecting them by tag,
# an S3 bucket and uploads (multipart too), create-deployment and `aws deploy wait deployment-successful`,
# the deployment's targets, an upload under <application>/<deployment-group>/ starting a deployment, a
# registered revision, and the refusal of unsigned calls.
#
#   scripts/aws-cli-smoke.sh
#
# `aws` on PATH may be another awscli (a pyenv v1 shim, say): the script uses /usr/bin/aws and checks it is v2.
set -euo pipefail
cd "$(dirname "$0")/.."

AWS=/usr/bin/aws
if ! [ -x "$AWS" ] || ! "$AWS" --version 2>/dev/null | grep -q '^aws-cli/2\.'; then
  echo "aws-cli-smoke: Debian's awscli v2 is not installed at $AWS (apt-get install awscli): nothing was run." >&2
  exit 0
fi
echo "aws-cli-smoke: $("$AWS" --version)"

state=$(mktemp -d "${TMPDIR:-/tmp}/stepdeploy-smoke-XXXXXX")
server_pid=
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" && wait "$server_pid" 2>/dev/null || true
  fi
  # The webapp the deployment started on each host.
  node bin/stepdeploy.js hosts stop --state-dir "$state/server" >/dev/null 2>&1 || true
  rm -rf "$state"
}
trap cleanup EXIT

[ -f dist/cli/main.js ] || npm run build >/dev/null
started=$(date +%s%N)
node bin/stepdeploy.js server --state-dir "$state/server" >"$state/exports" 2>"$state/server.log" &
server_pid=$!
for _ in $(seq 1 300); do
  [ "$(wc -l <"$state/exports")" -ge 5 ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$state/server.log" >&2; echo "aws-cli-smoke: the server did not start" >&2; exit 1; }
  sleep 0.1
done
echo "aws-cli-smoke: server answering after $(( ($(date +%s%N) - started) / 1000000 )) ms"

# The exports name the key and the endpoints; awscli 2.9 predates AWS_ENDPOINT_URL_*, so pass --endpoint-url.
eval "$(cat "$state/exports")"
api=$AWS_ENDPOINT_URL_CODEDEPLOY
s3api=$AWS_ENDPOINT_URL_S3
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=''
deploy() { "$AWS" --endpoint-url "$api" --output text deploy "$@"; }
s3() { "$AWS" --endpoint-url "$s3api" s3 "$@"; }
expect() {
  if [ "$2" != "$3" ]; then echo "aws-cli-smoke: FAILED: $1: expected [$3], got [$2]" >&2; exit 1; fi
  echo "  ok  $1"
}

deploy register-on-premises-instance --instance-name web-1 --iam-user-arn arn:aws:iam::123456789012:user/web-1
deploy register-on-premises-instance --instance-name web-2 --iam-user-arn arn:aws:iam::123456789012:user/web-2
deploy add-tags-to-on-premises-instances --instance-names web-1 web-2 --tags Key=role,Value=web
deploy create-application --application-name shop --compute-platform Server >/dev/null
deploy create-deployment-group --application-name shop --deployment-group-name prod \
  --on-premises-instance-tag-filters Key=role,Value=web,Type=KEY_AND_VALUE \
  --service-role-arn arn:aws:iam::123456789012:role/any --deployment-config-name CodeDeployDefault.OneAtATime >/dev/null

expect "registering creates the local hosts" "$(ls "$state/server/hosts" | tr '\n' ' ')" "web-1 web-2 "
expect "the instances the group's tag filter selects" \
  "$(deploy list-on-premises-instances --tag-filters Key=role,Value=web,Type=KEY_AND_VALUE --query 'instanceNames' | tr '\t' ' ')" "web-1 web-2"
expect "the group's config" \
  "$(deploy get-deployment-group --application-name shop --deployment-group-name prod --query 'deploymentGroupInfo.deploymentConfigName')" \
  "CodeDeployDefault.OneAtATime"
expect "the application listing (paginated by awscli)" "$(deploy list-applications --query 'applications' | tr '\t' ' ')" "shop"

(cd examples/webapp && python3 -m zipfile -c "$state/app.zip" .)
head -c $((9 * 1024 * 1024)) /dev/urandom >"$state/big.zip"
s3 mb s3://revisions >/dev/null
s3 cp --no-progress "$state/app.zip" s3://revisions/shop/app.zip >/dev/null
s3 cp --no-progress "$state/big.zip" s3://revisions/shop/prod/big.zip >/dev/null
expect "the uploads are listed" "$(s3 ls s3://revisions --recursive | awk '{print $4}' | tr '\n' ' ')" "shop/app.zip shop/prod/big.zip "
for _ in $(seq 1 50); do grep -q 'shop/prod/big.zip' "$state/server.log" && break; sleep 0.1; done
expect "an upload under <application>/<deployment-group>/ starts a deployment (an invalid bundle here: it fails)" \
  "$(grep -c 's3://revisions/shop/prod/big.zip: started deployment d-' "$state/server.log")" "1"
triggered=$(sed -n 's/.*big.zip: started deployment \(d-[A-Z0-9]*\).*/\1/p' "$state/server.log")
for _ in $(seq 1 100); do
  status=$(deploy get-deployment --deployment-id "$triggered" --query 'deploymentInfo.status')
  [ "$status" = Failed ] && break
  sleep 0.1
done
expect "the triggered deployment of a bundle that is no zip" \
  "$(deploy get-deployment --deployment-id "$triggered" --query 'deploymentInfo.errorInformation.code')" "INVALID_REVISION"

id=$(deploy create-deployment --application-name shop --deployment-group-name prod \
  --s3-location bucket=revisions,key=shop/app.zip,bundleType=zip --query deploymentId)
expect "create-deployment answers a deployment id" "$(echo "$id" | grep -c '^d-[A-Z0-9]\{9\}$')" "1"
"$AWS" --endpoint-url "$api" deploy wait deployment-successful --deployment-id "$id"
echo "  ok  aws deploy wait deployment-successful --deployment-id $id"
expect "the deployment's overview" \
  "$(deploy get-deployment --deployment-id "$id" --query 'deploymentInfo.[status,deploymentOverview.Succeeded]' | tr '\t' ' ')" "Succeeded 2"
expect "its targets (list-deployment-targets)" \
  "$(deploy list-deployment-targets --deployment-id "$id" --query 'targetIds' | tr '\t' '\n' | sort | tr '\n' ' ')" "web-1 web-2 "
expect "an instance target's last event (get-deployment-target)" \
  "$(deploy get-deployment-target --deployment-id "$id" --target-id web-1 --query 'deploymentTarget.instanceTarget.lifecycleEvents[-1].[lifecycleEventName,status]' | tr '\t' ' ')" \
  "ValidateService Succeeded"
expect "the webapp installed on the host" "$(cat "$state/server/hosts/web-2/root/opt/webapp/VERSION" 2>/dev/null || echo missing)" "1"
expect "list-deployments, succeeded ones" \
  "$(deploy list-deployments --application-name shop --deployment-group-name prod --include-only-statuses Succeeded --query 'deployments' | tr '\t' ' ')" "$id"

deploy register-application-revision --application-name shop --s3-location bucket=revisions,key=shop/app.zip,bundleType=zip
expect "the registered revision" \
  "$(deploy list-application-revisions --application-name shop --query 'revisions[0].s3Location.key')" "shop/app.zip"

expect "an unsigned call is refused" \
  "$(curl -s -X POST "$api" -H 'X-Amz-Target: CodeDeploy_20141006.ListApplications' -H 'Content-Type: application/x-amz-json-1.1' -d '{}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["__type"])')" \
  "MissingAuthenticationTokenException"
expect "an unsigned S3 read is refused" \
  "$(curl -s -o /dev/null -w '%{http_code}' "$s3api/revisions/shop/app.zip")" "403"

echo "aws-cli-smoke: passed"
