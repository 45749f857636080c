# tests/cli/test_conformance_functions.sh — Stan's built-in function signatures in `make test`: the runner of
# `make conformance-functions` (tests/conformance_functions.c) checks all 24,246 signatures of
# ../shared/stanc3/stan_math_signatures.txt.xz and the probed variadic names (a few seconds) against
# tests/data/conformance_functions_known.txt, the list of those urn does not accept yet: one check per name,
# failing when a signature outside that list is not accepted, and docs/functions.md must be what the runner
# generates (make functions-docs).  Then the CLI agrees with the runner: programs the
# runner wrote for lbeta are accepted by `urn check` itself.  Skipped, with one line, without ../shared.
. tests/cli/lib.sh
S=$(shared_dir) || { echo "skipped: no ../shared/stanc3 (set URN_SHARED)"; done_tests; exit $?; }
[ -f "$S/stanc3/stan_math_signatures.txt.xz" ] || { echo "skipped: no $S/stanc3/stan_math_signatures.txt.xz"; done_tests; exit $?; }
RUNNER=$(dirname "$URN")/tests/conformance_functions
[ -x "$RUNNER" ] || { bad "no runner at $RUNNER (make builds it with the tests)"; done_tests; exit $?; }
"$RUNNER" --shared "$S" --known tests/data/conformance_functions_known.txt --check-docs docs/functions.md >"$TMP/out" 2>"$TMP/err"
rc=$?
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$TMP/out" | tail -n 1)
p=${line%% passed*}; rest=${line#*passed, }; f=${rest%% failed*}
if [ -n "$line" ]; then pass=$((pass + p)); fail=$((fail + f)); else bad "runner printed no result line (exit $rc)"; fi
[ "$f" = 0 ] || sed 's/^/  /' "$TMP/err" | head -n 30 >&2
grep -E '^(names:|now accepted|\.\.\.|docs/)' "$TMP/out"
case "$rc:$f" in 0:0 | [1-9]*:[1-9]*) ok ;; *) bad "runner exit $rc with $f failures" ;; esac
mkdir -p "$TMP/p"
"$RUNNER" --shared "$S" --only lbeta --write "$TMP/p" >"$TMP/out2" 2>&1
expect_out_file() { if grep -qF -- "$1" "$TMP/out2"; then ok; else bad "runner output lacks '$1': $(head -c 300 "$TMP/out2")"; fi; }
expect_out_file "names: 1/1; signatures: 204/204"
n=0
for f in $(ls "$TMP/p"/*.stan | awk 'NR % 40 == 1'); do
  n=$((n + 1)); expect_exit 0 "$URN" check "$f"
done
[ "$n" -ge 5 ] && ok || bad "only $n lbeta programs written"
done_tests
