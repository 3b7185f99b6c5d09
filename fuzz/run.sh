#!/usr/bin/env bash
# Runs one fuzz target for SECONDS (default 600) from the committed seeds,
# keeping the grown corpus in corpus/TARGET (gitignored) and the output in
# logs/TARGET.log. Usage: fuzz/run.sh TARGET [SECONDS]
set -euo pipefail
cd "$(dirname "$0")"
target=$1
seconds=${2:-600}
mkdir -p "corpus/$target" logs artifacts
./seed.sh
cargo +nightly fuzz run -O "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    >"logs/$target.log" 2>&1 || echo "$target: exit $?" >>"logs/$target.log"
