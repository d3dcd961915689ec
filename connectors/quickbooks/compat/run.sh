#!/usr/bin/env bash
# python-quickbooks and node-quickbooks against the QuickBooks Online simulator
# (issue 20's "done when"): starts the simulator in its own process (the
# quickbooks_sim example, the same server `ledgerbridge sim quickbooks --token t`
# runs; or uses $QBO_SIM if set), installs both clients at their pinned
# versions (python/requirements.txt into python/.venv, node/package-lock.json)
# and runs python/check.py and node/check.js. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)

python=${PYTHON:-python3}
if [[ ! -x python/.venv/bin/python ]]; then
  "$python" -m venv python/.venv
fi
python/.venv/bin/pip install -q --disable-pip-version-check -r python/requirements.txt
# npm ci reinstalls from scratch; skip it while node_modules is from this very lockfile
if ! cmp -s node/package-lock.json node/node_modules/.installed-from-lock; then
  (cd node && npm ci --no-audit --no-fund >/dev/null && cp package-lock.json node_modules/.installed-from-lock)
fi

if [[ -z "${QBO_SIM:-}" ]]; then
  root=$(cd ../../.. && pwd)
  out=$(mktemp)
  (cd "$root" && exec cargo run -q -p ledgerbridge-quickbooks --features sim --example quickbooks_sim -- \
    --listen 127.0.0.1:0 --token t --rate-limits off) >"$out" &
  sim_pid=$!
  trap 'kill $sim_pid 2>/dev/null || true; rm -f "$out"' EXIT
  for _ in $(seq 1 900); do
    grep -q '^realm ' "$out" && break
    kill -0 $sim_pid 2>/dev/null || { echo "the simulator did not start" >&2; exit 1; }
    sleep 1
  done
  QBO_SIM=$(sed -n 's/^listening //p' "$out" | head -n1)
  [[ -n "$QBO_SIM" ]] || { echo "the simulator did not report its address" >&2; exit 1; }
  export QBO_SIM
fi

# oauthlib refuses plain http unless told that this is a local test server
OAUTHLIB_INSECURE_TRANSPORT=1 python/.venv/bin/python python/check.py
(cd "$here/node" && node check.js)
echo "python-quickbooks and node-quickbooks: all checks passed against $QBO_SIM"
