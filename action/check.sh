#!/usr/bin/env bash
# The lint step of action.yml, kept in a file so tests/action.rs can run it.
# Annotations and the job summary come from `check --format github`; SARIF
# and the migration diff are extra runs (sentrylint lints in milliseconds).
# Sets the outputs `findings` and `sarif-file`; fails like `sentrylint check`.
#
# Inputs arrive as INPUT_* variables (set by action.yml); sentrylint is on PATH.
# No `set -u`: macOS runners ship bash 3.2, where an empty array is unset.
set -o pipefail

# Paths split on blanks and new lines, taken literally (no globbing).
set -f
paths=()
while read -r line; do
  for p in $line; do paths+=("$p"); done
done <<< "${INPUT_PATHS:-.}"
set +f
[ ${#paths[@]} -gt 0 ] || paths=(.)

config=()
[ -n "$INPUT_CONFIG" ] && config=(--config "$INPUT_CONFIG")
options=("${config[@]}")
[ -n "$INPUT_FAIL_ON" ] && options+=(--fail-on "$INPUT_FAIL_ON")
read -r -a extra <<< "$INPUT_ARGS"

sarif=""
if [ -n "$INPUT_SARIF_FILE" ]; then
  mkdir -p "$(dirname "$INPUT_SARIF_FILE")"
  sentrylint check --format sarif --output "$INPUT_SARIF_FILE" "${options[@]}" "${extra[@]}" -- "${paths[@]}" 2>/dev/null
  if [ -s "$INPUT_SARIF_FILE" ]; then
    sarif=$INPUT_SARIF_FILE
  fi
fi

annotations=$(mktemp)
sentrylint check --format github "${options[@]}" "${extra[@]}" -- "${paths[@]}" > "$annotations"
status=$?
cat "$annotations"
findings=$(grep -cE '^::(error|warning|notice) ' "$annotations")
rm -f "$annotations"

if [ -n "$INPUT_FIX_TO" ] && [ -n "$GITHUB_STEP_SUMMARY" ]; then
  diff=$(mktemp)
  notes=$(mktemp)
  sentrylint fix --to "$INPUT_FIX_TO" "${config[@]}" -- "${paths[@]}" > "$diff" 2> "$notes"
  {
    echo
    echo "### Toward Sentry $INPUT_FIX_TO: the next step"
    echo
    echo '```'
    cat "$notes"
    echo '```'
    if [ -s "$diff" ]; then
      echo
      echo "<details><summary>The diff (<code>sentrylint fix --to $INPUT_FIX_TO --write</code> applies it)</summary>"
      echo
      echo '```diff'
      cat "$diff"
      echo '```'
      echo
      echo '</details>'
    fi
  } >> "$GITHUB_STEP_SUMMARY"
  rm -f "$diff" "$notes"
fi

if [ -n "$GITHUB_OUTPUT" ]; then
  echo "findings=$findings" >> "$GITHUB_OUTPUT"
  echo "sarif-file=$sarif" >> "$GITHUB_OUTPUT"
fi
exit $status
