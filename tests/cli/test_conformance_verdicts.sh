# tests/cli/test_conformance_verdicts.sh — the conformance runner's verdict logic on a doctored fixture: the
# non-centered eight schools (0.2 s of CPU) with the reference sd of its first and last quantities (theta[1], tau)
# set far off.  The runner must judge every quantity after the first failure (FAIL naming theta[1], "2 quantities
# outside their bands", the same min bulk-ESS as the run against the true reference: once the minimum covered only
# the quantities up to the first failure), exit 1, and call an unconverged run with band failures INCONCLUSIVE,
# never FAIL.  Skipped, with one line, where ../shared does not exist.
. tests/cli/lib.sh
S=$(shared_dir) || { echo "skipped: no ../shared/posteriordb (set URN_SHARED)"; done_tests; exit $?; }
F=$S/posteriordb/eight_schools-eight_schools_noncentered
[ -d "$F" ] || { echo "skipped: no $F"; done_tests; exit $?; }
RUNNER=$(dirname "$URN")/tests/conformance
[ -x "$RUNNER" ] || { bad "no conformance runner at $RUNNER (make builds it with the tests)"; done_tests; exit $?; }
D=$TMP/es
mkdir -p "$D"
cp "$F/model.stan" "$F/data.json" "$D/"
# the 1st and the 10th "sd" of the reference (theta[1] and tau) become 50
awk '/^ *"sd": / { n++; if (n == 1 || n == 10) { sub(/"sd": [^,]*/, "\"sd\": 50") } } { print }' \
  "$F/reference.json" >"$D/reference.json"
[ "$(grep -c '"sd": 50,' "$D/reference.json")" = 2 ] && ok || bad "doctoring the reference failed"

expect_exit 0 "$RUNNER" --threads 1 "$F"
expect_out "PASS"
ess_true=$(sed -n 's/.*min bulk-ESS \([0-9]*\),.*/\1/p' "$TMP/out")
expect_exit 1 "$RUNNER" --threads 1 "$D"
expect_out "FAIL  es "
expect_out ": theta[1]: mean "
expect_out "; 2 quantities outside their bands"
expect_out "0 passed, 1 failed, 0 inconclusive"
ess_doctored=$(sed -n 's/.*min bulk-ESS \([0-9]*\),.*/\1/p' "$TMP/out")
if [ -n "$ess_true" ] && [ "$ess_true" = "$ess_doctored" ]; then ok
else bad "min bulk-ESS over all quantities: $ess_doctored with the doctored reference, $ess_true with the true one"; fi
# worst sd z is reported with its quantity
expect_out "worst z: mean "
# too short to converge: inconclusive, whatever the bands say
expect_exit 0 "$RUNNER" --threads 1 --warmup 150 --draws 100 "$D"
expect_out "INCONCLUSIVE es "
expect_out "0 passed, 0 failed, 1 inconclusive"
done_tests
