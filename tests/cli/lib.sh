# tests/cli/lib.sh — helpers for CLI tests written in sh.
# Each script sources this file, calls the checks, and ends with `done_tests`,
# which prints "N passed, N failed" like the C tests.  $URN is the binary.
pass=0; fail=0
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
ok()   { pass=$((pass+1)); }
bad()  { fail=$((fail+1)); echo "FAIL $0: $*" >&2; }
# expect_exit CODE cmd... : the command exits with CODE
expect_exit() { want=$1; shift; "$@" >"$TMP/out" 2>"$TMP/err"; got=$?
  if [ "$got" = "$want" ]; then ok; else bad "exit $got (want $want): $* :: $(head -c 400 "$TMP/err")"; fi; }
# expect_out TEXT : the last command's stdout contains TEXT
expect_out() { if grep -qF -- "$1" "$TMP/out"; then ok; else bad "stdout lacks '$1': $(head -c 400 "$TMP/out")"; fi; }
# expect_err TEXT : the last command's stderr contains TEXT
expect_err() { if grep -qF -- "$1" "$TMP/err"; then ok; else bad "stderr lacks '$1': $(head -c 400 "$TMP/err")"; fi; }
shared_dir() { d=${URN_SHARED:-../shared}; [ -d "$d" ] && echo "$d"; }
done_tests() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; }
