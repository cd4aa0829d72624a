#!/bin/sh
# BeforeInstall: prepare what the files section does not create. The app's files are copied next.
set -eu
. "$(dirname "$0")/common.sh"

mkdir -p "$LOG_DIR" "$RUN_DIR"
log "deployment ${DEPLOYMENT_ID:-?} of ${APPLICATION_NAME:-?}/${DEPLOYMENT_GROUP_NAME:-?}: log and run directories ready"
