#!/usr/bin/env bash
# Where the instructions of `check` go over a tree of installs, by stage:
# walk, read, parse (and build the model), rules, output. Counts come from
# valgrind's callgrind, which is repeatable on a noisy machine; each stage is
# the inclusive cost of the functions named below. Time spent in the kernel
# (directory walks and reads are mostly that) is not counted.
# Usage: bench/split.sh [TREE]   (default bench/out/tree-1000; see bench/run.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
TREE=${1:-bench/out/tree-1000}
OUT=bench/out
command -v valgrind >/dev/null || { echo "needs valgrind (Debian: apt-get install valgrind)"; exit 2; }
[ -d "$TREE" ] || { echo "$TREE is missing: run bench/run.sh first"; exit 2; }
cargo build --profile profiling --locked -q
valgrind --tool=callgrind --callgrind-out-file="$OUT/split.callgrind" \
  target/profiling/sentrylint check "$TREE" >/dev/null 2>"$OUT/split.log" || true
callgrind_annotate --inclusive=yes --threshold=100 "$OUT/split.callgrind" 2>/dev/null | python3 -c '
import re, sys
total = None
cost = {}
for line in sys.stdin:
    m = re.match(r"\s*([\d,]+)\s+\([\s\d.]+%\)\s+(\S.*?)\s*$", line)
    if not m:
        continue
    n = int(m.group(1).replace(",", ""))
    name = m.group(2)
    if name.startswith("=>"):
        continue
    if name == "PROGRAM TOTALS":
        total = n
        continue
    # Keep the largest count per function (callgrind lists a function once
    # per source file its inlined code comes from).
    fn = name.split(":", 1)[-1].split(" [")[0]
    cost[fn] = max(cost.get(fn, 0), n)
stages = [
    ("walk and plan (discover, config)", ["sentrylint::discover::each_root"]),
    ("read", ["sentrylint::model::load::read_source"]),
    ("parse and model", ["sentrylint::model::load::assemble"]),
    ("  of which sentry.conf.py", ["sentrylint::parse::pyconf::parse_shared"]),
    ("  of which YAML", ["sentrylint::parse::yaml::parse"]),
    ("  of which compose model", ["sentrylint::model::compose::build"]),
    ("rules", ["sentrylint::rules::check"]),
    # Findings are laid out on every core, in closures: count the layout itself.
    ("output", ["miette::handlers::graphical::GraphicalReportHandler::render_report_inner",
                "sentrylint::report::human::pretty", "sentrylint::report::masked_sources"]),
]
print(f"total: {total:,} instructions")
print("| stage | instructions | share |")
print("|---|---:|---:|")
for label, fns in stages:
    n = sum(cost.get(f, 0) for f in fns)
    print(f"| {label} | {n:,} | {100 * n / total:.1f}% |")
'
