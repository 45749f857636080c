#!/bin/sh
# tests/run_tests.sh BUILD — runs every test program in BUILD/tests and every
# tests/cli/*.sh script, prints one line per test, and ends with the total
# "N passed, N failed" (counting individual checks).  Exit status 1 if any
# check failed or any test crashed.  A test that leaves a new untracked file in the source tree is a failure.
build=${1:-build}
URN=$(cd "$build" && pwd)/urn; export URN
root=$(pwd)
[ -z "$URN_SHARED" ] && [ -d ../shared ] && URN_SHARED=$(cd ../shared && pwd)
export URN_SHARED
# The native tier's cache (urn sample's default mode loads cached objects and may compile long runs): one folder
# under the build tree for every test, never the user's ~/.cache/urn.
XDG_CACHE_HOME=$(cd "$build" && pwd)/cache; export XDG_CACHE_HOME
total_pass=0; total_fail=0; crashed=0
log=$(mktemp)
# No test writes into the source tree: the untracked files before and after the run are compared (git checkouts).
untracked() { git ls-files --others --exclude-standard 2>/dev/null | sort; }
before=$(mktemp); untracked > "$before"
run_one() { # name, command...
  name=$1; shift
  "$@" >"$log" 2>&1; rc=$?
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
  p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')
  f=$(echo "$line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')
  [ -z "$p" ] && p=0
  [ -z "$f" ] && f=0
  if [ -z "$line" ] || { [ "$rc" != 0 ] && [ "$f" = 0 ]; }; then
    f=$((f+1)); crashed=1
    echo "  CRASH $name (exit $rc, no result line)"; tail -n 20 "$log" | sed 's/^/      /'
  elif [ "$f" != 0 ]; then
    echo "  FAIL  $name: $p checks passed, $f failed"; grep -E '^FAIL' "$log" | head -n 30 | sed 's/^/      /'
  else
    skip=$(grep -E '^skipped:' "$log" | head -n 1)
    echo "  ok    $name ($p checks)${skip:+ — $skip}"
  fi
  total_pass=$((total_pass+p)); total_fail=$((total_fail+f))
}
for t in "$build"/tests/test_*; do
  [ -x "$t" ] || continue
  run_one "$(basename "$t")" "$t"
done
for s in tests/cli/*.sh; do
  [ "$(basename "$s")" = lib.sh ] && continue
  run_one "cli/$(basename "$s" .sh)" sh "$s"
done
new=$(untracked | comm -13 "$before" -)
if [ -n "$new" ]; then
  echo "  FAIL  the tests wrote into the source tree: $(echo "$new" | head -n 5 | tr '\n' ' ')"
  total_fail=$((total_fail+1))
fi
rm -f "$log" "$before"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ] && [ "$crashed" = 0 ]
