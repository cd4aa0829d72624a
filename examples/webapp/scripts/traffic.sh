#!/bin/sh
# BeforeBlockTraffic, AfterBlockTraffic, BeforeAllowTraffic, AfterAllowTraffic: one script for the four
# traffic hooks, telling them apart by LIFECYCLE_EVENT. They run only when the deployment group has a
# load balancer. The Block hooks run from the last successful revision, the Allow hooks from this one.
set -eu
. "$(dirname "$0")/common.sh"

host="${STEPDEPLOY_HOST_ID:-$(uname -n)}"
case "$EVENT" in
  BeforeBlockTraffic) what="the load balancer is about to stop sending requests to $host" ;;
  AfterBlockTraffic) what="$host is out of the load balancer; in-flight requests have drained" ;;
  BeforeAllowTraffic) what="$host passed ValidateService; the load balancer is about to send it requests" ;;
  AfterAllowTraffic) what="$host is back in the load balancer" ;;
  *) what="not a traffic event; nothing to do" ;;
esac
log "$what (deployment ${DEPLOYMENT_ID:-?}, group ${DEPLOYMENT_GROUP_NAME:-?} ${DEPLOYMENT_GROUP_ID:-?})"
