#!/usr/bin/env bash
# Runs every suite (unit, integration against a real Prometheus, e2e and chaos against the local control
# plane) and closes with one line "N passed, N failed" summed over all of them.
# Usage: test/run-all.sh [unit|integration|e2e|chaos ...]   (default: all four)
set -u
cd "$(dirname "$0")/.."
suites=("$@"); [ ${#suites[@]} -gt 0 ] || suites=(unit integration e2e chaos)
tally=$(mktemp); export SLUICE_TEST_TALLY="$tally"
status=0
for suite in "${suites[@]}"; do
  shopt -s globstar nullglob
  files=(test/"$suite"/**/*.test.ts)
  if [ ${#files[@]} -eq 0 ]; then echo "== $suite: no test files"; continue; fi
  echo "== $suite (${#files[@]} files)"
  timeout_ms=20000; [ "$suite" = unit ] || timeout_ms=600000
  # Colours only on a terminal: mocha turns them on under CI=true even when the output is a file.
  colour=(--no-color); [ -t 1 ] && colour=()
  npx mocha --config .mocharc.json "${colour[@]}" --timeout "$timeout_ms" "${files[@]}" || status=1
done
passed=0; failed=0
while read -r p f; do passed=$((passed + p)); failed=$((failed + f)); done < "$tally"
rm -f "$tally"
[ "$failed" -eq 0 ] || status=1
echo
echo "$passed passed, $failed failed"
exit $status
