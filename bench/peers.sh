#!/usr/bin/env bash
# Installs the tools bench/run.sh compares with, under bench/out/peers.
set -euo pipefail
cd "$(dirname "$0")/.."
P=bench/out/peers
mkdir -p "$P"
python3 -m venv "$P"
"$P/bin/pip" install -q yamllint compose-lint
(cd "$P" && npm install --silent --no-audit --no-fund dclint >/dev/null)
echo "installed yamllint, compose-lint, dclint under $P"
