#!/usr/bin/env bash
# The official HubSpot SDK against the simulator:
# starts the HubSpot simulator in its own process (the sim_server example, the
# same server `ledgerbridge sim hubspot --deals 300 --token t` runs; or uses
# $HUBSPOT_SIM if set), installs @hubspot/api-client from package-lock.json and
# runs check.js: list deals with paging, create a deal (201), read it back.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund >/dev/null
deals=${HUBSPOT_DEALS:-300}
if [[ -z "${HUBSPOT_SIM:-}" ]]; then
  root=$(cd ../../.. && pwd)
  out=$(mktemp)
  (cd "$root" && exec cargo run -q -p ledgerbridge-hubspot --features sim --example sim_server -- \
    --listen 127.0.0.1:0 --deals "$deals" --token t --rate-limits off) >"$out" &
  sim_pid=$!
  trap 'kill $sim_pid 2>/dev/null || true; rm -f "$out"' EXIT
  for _ in $(seq 1 900); do
    grep -q '^listening ' "$out" && break
    kill -0 $sim_pid 2>/dev/null || { echo "the simulator did not start" >&2; exit 1; }
    sleep 1
  done
  HUBSPOT_SIM=$(sed -n 's/^listening //p' "$out" | head -n1)
  [[ -n "$HUBSPOT_SIM" ]] || { echo "the simulator did not report its address" >&2; exit 1; }
  export HUBSPOT_SIM
fi
HUBSPOT_TOKEN=${HUBSPOT_TOKEN:-t} HUBSPOT_DEALS=$deals node check.js
