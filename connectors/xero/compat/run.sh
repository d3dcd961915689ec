#!/usr/bin/env bash
# Starts the Xero simulator (the xero_sim example; or uses $XERO_SIM), installs xero-node from
# package-lock.json and runs check.js: the official SDK creates a contact and
# an invoice and lists invoices against the simulator.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund >/dev/null
if [[ -z "${XERO_SIM:-}" ]]; then
  port=${XERO_SIM_PORT:-19102}
  root=$(cd ../../.. && pwd)
  (cd "$root" && cargo run -q -p ledgerbridge-xero --features sim --example xero_sim -- "127.0.0.1:$port" t) &
  sim_pid=$!
  trap 'kill $sim_pid 2>/dev/null || true' EXIT
  export XERO_SIM="http://127.0.0.1:$port"
  for _ in $(seq 1 600); do
    curl -fsS "$XERO_SIM/_sim/stats" >/dev/null 2>&1 && break
    sleep 1
  done
fi
XERO_TOKEN=${XERO_TOKEN:-t} node check.js
