#!/bin/sh
# ValidateService: wait for the app's health check to answer 200. A failure here fails the deployment
# on this host (and, with automatic rollback, redeploys the last good revision).
set -eu
. "$(dirname "$0")/common.sh"

WAIT_SECONDS=15
url="http://127.0.0.1:$PORT/health"

pid=$(app_pid)
if [ -z "$pid" ] || ! alive "$pid"; then
  show_app_log 10
  fail "the app is not running (no live process in $PID_FILE)"
fi
log "checking $url (process $pid), for up to $WAIT_SECONDS s"

# node rather than curl, which a host may not have. It polls every 0.5 s and prints each new answer.
if URL="$url" WAIT_SECONDS="$WAIT_SECONDS" node -e '
const http = require("http");
const deadline = Date.now() + Number(process.env.WAIT_SECONDS) * 1000;
let attempts = 0;
let previous = "";
function check() {
  attempts++;
  const req = http.get(process.env.URL, { timeout: 2000 }, (res) => {
    let body = "";
    res.setEncoding("utf8");
    res.on("data", (chunk) => { if (body.length < 300) body += chunk; });
    res.on("end", () => answer(res.statusCode, "HTTP " + res.statusCode + " " + body.trim()));
  });
  req.on("timeout", () => req.destroy(new Error("no answer within 2 s")));
  req.on("error", (error) => answer(0, error.code || error.message));
}
function answer(status, text) {
  if (status === 200 || text !== previous) console.log("attempt " + attempts + ": " + text);
  previous = text;
  if (status === 200) process.exit(0);
  if (Date.now() + 500 >= deadline) {
    console.log("no 200 after " + attempts + " attempts; last answer: " + text);
    process.exit(1);
  }
  setTimeout(check, 500);
}
check();
'; then
  log "healthy: $url answered 200"
else
  show_app_log 5
  fail "$url did not answer 200 within $WAIT_SECONDS s (see the answers above)"
fi
