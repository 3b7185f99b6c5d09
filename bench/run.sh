#!/usr/bin/env bash
# Benchmarks sentrylint as a user runs it: whole processes, release build.
# Usage: bench/run.sh [--quick]   (--quick: 1, 100 and 1,000 installs only)
# Needs hyperfine (Debian: apt-get install hyperfine) or falls back to GNU
# time; compares with yamllint and compose-lint (PyPI) and dclint (npm) when
# they are on PATH (bench/peers.sh installs them under bench/out/peers).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out
mkdir -p "$OUT"
cargo build --release --locked -q
cargo build --release --locked -q --example gen_installs
BIN=target/release/sentrylint
GEN=target/release/examples/gen_installs
SIZES=(1 100 1000 10000)
[ "${1:-}" = "--quick" ] && SIZES=(1 100 1000)
# tree-N: installs of one release share sentry.conf.py (copies of a
# template); unique-N: every install names its own host, no two files alike.
for n in "${SIZES[@]}"; do
  [ -d "$OUT/tree-$n" ] || "$GEN" "$OUT/tree-$n" "$n"
  [ -d "$OUT/unique-$n" ] || "$GEN" "$OUT/unique-$n" "$n" --unique
done
# One install of 24.1.0 and one of 26.8.0, and a 23.4.0 one for the migration,
# found by the release their .env pins (one of each release is generated).
"$GEN" "$OUT/one" 100 >/dev/null 2>&1
of_release() { dirname "$(grep -l "^SENTRY_IMAGE=.*:$1\$" "$OUT"/one/*/*/.env | head -1)"; }
ONE=$(of_release 24.1.0)
NEW=$(of_release 26.8.0)
OLD=$(of_release 23.4.0)
export PATH="$PWD/$OUT/peers/bin:$PWD/$OUT/peers/node_modules/.bin:$PATH"

echo "## machine"
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB"
echo "sentrylint $($BIN --version | cut -d' ' -f2), $(rustc --version)"

# Medians (and the spread) from hyperfine's JSON: the markdown export shows means.
medians() {
  python3 - "$@" <<'PY'
import json, sys
print("| command | median | min | max | runs |")
print("|---|---:|---:|---:|---:|")
for path in sys.argv[1:]:
    for r in json.load(open(path))["results"]:
        ms = lambda s: f"{s * 1000:.1f} ms"
        print(f"| `{r['command']}` | {ms(r['median'])} | {ms(r['min'])} | {ms(r['max'])} | {len(r['times'])} |")
PY
}

if command -v hyperfine >/dev/null; then
  echo "## whole-process times (hyperfine)"
  hyperfine -N -i --warmup 3 --style none --export-json "$OUT/times.json" \
    "$BIN --version" \
    "$BIN check $ONE" \
    "$BIN check $NEW" \
    "$BIN fix --to 24.1.0 $OLD" \
    "$BIN fix --to 26.8.0 $OLD" \
    "$BIN check $OUT/tree-100" \
    "$BIN check $OUT/unique-100" \
    --runs 30 >/dev/null 2>&1
  TREES=()
  for n in "${SIZES[@]}"; do
    [ "$n" -ge 1000 ] && TREES+=("$BIN check $OUT/tree-$n" "$BIN check $OUT/unique-$n")
  done
  hyperfine -N -i --warmup 1 --style none --export-json "$OUT/times-trees.json" --runs 5 \
    "${TREES[@]}" >/dev/null 2>&1
  medians "$OUT/times.json" "$OUT/times-trees.json"
else
  echo "(hyperfine missing: GNU time, single runs)"
  for cmd in "$BIN --version" "$BIN check $ONE" "$BIN fix --to 24.1.0 $OLD"; do
    /usr/bin/time -f "%e s  $cmd" $cmd >/dev/null 2>>"$OUT/time.log" || true
  done
  cat "$OUT/time.log"
fi

echo "## peak memory (GNU time)"
for n in "${SIZES[@]}"; do
  [ "$n" -ge 1000 ] || continue
  for tree in tree unique; do
    /usr/bin/time -f "$tree-$n: %e s, %M KB peak, %P CPU" "$BIN" check "$OUT/$tree-$n" >/dev/null 2>"$OUT/mem-$tree-$n.log" || true
    tail -1 "$OUT/mem-$tree-$n.log"
  done
done

# Against the peers, on the same compose files: one install (a pre-commit
# run) and unique-100, where sentrylint's memory of repeated files gains
# nothing. The peers read only the compose files; sentrylint reads and
# checks every file of each install.
compare() {
  local label=$1 ours_cmd=$2 files=$3
  echo "## against other tools on the compose files of $label"
  hyperfine -N -i --warmup 2 --runs 10 --export-json "$OUT/ours.json" "$ours_cmd" >/dev/null 2>&1
  ours=$(python3 -c "import json;print(json.load(open('$OUT/ours.json'))['results'][0]['median'])")
  python3 -c "print(f'sentrylint check (all files, all rules): {float($ours):.3f}s')"
  for peer in yamllint compose-lint dclint; do
    if ! command -v "$peer" >/dev/null; then echo "$peer: not installed (bench/peers.sh)"; continue; fi
    case "$peer" in
      yamllint) cmd="yamllint -d relaxed $files" ;;
      compose-lint) cmd="compose-lint $files" ;;
      dclint) cmd="dclint $files" ;;
    esac
    hyperfine -i --warmup 1 --runs 3 --export-json "$OUT/$peer.json" "$cmd" >/dev/null 2>&1 || true
    theirs=$(python3 -c "import json;print(json.load(open('$OUT/$peer.json'))['results'][0]['median'])")
    python3 -c "print(f'$peer: {float($theirs):.3f}s, sentrylint is {float($theirs)/float($ours):.1f}x faster')"
  done
}
compare "one install" "$BIN check $ONE" "$ONE/docker-compose.yml"
compare unique-100 "$BIN check $OUT/unique-100" "$(find "$OUT/unique-100" -name docker-compose.yml | sort | tr '\n' ' ')"
