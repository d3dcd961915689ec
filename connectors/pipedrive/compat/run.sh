#!/usr/bin/env bash
# Pipedrive's official Node SDK against the simulator (issue 24's "done when"):
# starts the Pipedrive simulator in its own process (the pipedrive_sim example,
# the same server `ledgerbridge sim pipedrive --deals 300 --token t` runs; or
# uses $PIPEDRIVE_SIM if set), installs `pipedrive` from package-lock.json and
# runs check.js: list deals with the cursor, read persons and organizations,
# update a deal, a 404 for an unknown one. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund >/dev/null
deals=${PIPEDRIVE_DEALS:-300}
if [[ -z "${PIPEDRIVE_SIM:-}" ]]; then
  root=$(cd ../../.. && pwd)
  out=$(mktemp)
  (cd "$root" && exec cargo run -q -p ledgerbridge-pipedrive --features sim --example pipedrive_sim -- \
    --listen 127.0.0.1:0 --deals "$deals" --token t --rate-limits off) >"$out" &
  sim_pid=$!
  trap 'kill $sim_pid 2>/dev/null || true; rm -f "$out"' EXIT
  for _ in $(seq 1 900); do
    grep -q '^listening ' "$out" && break
    kill -0 $sim_pid 2>/dev/null || { echo "the simulator did not start" >&2; exit 1; }
    sleep 1
  done
  PIPEDRIVE_SIM=$(sed -n 's/^listening //p' "$out" | head -n1)
  [[ -n "$PIPEDRIVE_SIM" ]] || { echo "the simulator did not report its address" >&2; exit 1; }
  export PIPEDRIVE_SIM
fi
PIPEDRIVE_TOKEN=${PIPEDRIVE_TOKEN:-t} node check.js
