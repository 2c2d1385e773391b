#!/usr/bin/env bash
# Runs the static checks, then every suite (unit, integration against a real Prometheus, e2e and chaos
# against the local control plane) and closes with one line "N passed, N failed" summed over all of them.
# Usage: test/run-all.sh [lint|unit|integration|e2e|chaos ...]   (default: all five, lint first)
set -u
cd "$(dirname "$0")/.."
suites=("$@"); [ ${#suites[@]} -gt 0 ] || suites=(lint unit integration e2e chaos)
tally=$(mktemp); export SLUICE_TEST_TALLY="$tally"
# Failed tests and static checks, a line each, printed again above the summary (CI keeps the tail).
failures=$(mktemp); export SLUICE_TEST_FAILURES="$failures"
status=0

# The tree is Prettier's (formatted once, 2026-11-28): the lint suite checks it stays so.
# `npm run format` fixes it.
FORMAT_CHECK_IN_TESTS=true

# One static check, counted as one test: passed when the command succeeds.
check() {
  local name=$1; shift
  echo "-- $name: $*"
  if "$@"; then echo "1 0" >> "$tally"; else echo "0 1" >> "$tally"; echo "-- $name FAILED"; echo "failed: static check $name" >> "$failures"; fi
}

for suite in "${suites[@]}"; do
  if [ "$suite" = lint ]; then
    echo "== lint"
    check eslint npm run --silent lint
    # The build (tsconfig.json) compiles src/ only: tsconfig.check.json type-checks src/, test/ and
    # bench/ together, so a test or a benchmark that no longer fits the code it drives fails here.
    check typecheck npm run --silent typecheck
    [ "$FORMAT_CHECK_IN_TESTS" = true ] && check prettier npm run --silent format:check
    continue
  fi
  shopt -s globstar nullglob
  files=(test/"$suite"/**/*.test.ts)
  if [ ${#files[@]} -eq 0 ]; then echo "== $suite: no test files"; continue; fi
  echo "== $suite (${#files[@]} files)"
  timeout_ms=20000; [ "$suite" = unit ] || timeout_ms=600000
  # Colours only on a terminal: mocha turns them on under CI=true even when the output is a file.
  colour=(--no-color); [ -t 1 ] && colour=()
  results_before=$(wc -l < "$tally")
  npx mocha --config .mocharc.json "${colour[@]}" --timeout "$timeout_ms" "${files[@]}" || status=1
  # A mocha that dies before its reporter's last word (a file that does not load) still counts.
  if [ "$(wc -l < "$tally")" -eq "$results_before" ]; then
    echo "0 1" >> "$tally"; echo "failed: the $suite suite ended without a result" >> "$failures"
  fi
done
passed=0; failed=0
while read -r p f; do passed=$((passed + p)); failed=$((failed + f)); done < "$tally"
rm -f "$tally"
[ "$failed" -eq 0 ] || status=1
echo
if [ -s "$failures" ]; then echo "What failed:"; cat "$failures"; echo; fi
rm -f "$failures"
echo "$passed passed, $failed failed"
exit $status
