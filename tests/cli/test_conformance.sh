# tests/cli/test_conformance.sh — the posteriordb conformance suite in `make test`: the runner
# (tests/conformance.c, the same program as `make conformance`) samples the posteriors of ../shared/posteriordb
# that take at most a few seconds of CPU (4 chains x 1000/1000, seed 20260, 2 threads: bit-identical whatever the
# thread count) and each must PASS the rule of that folder's README: converged (bulk-ESS >= 400, R-hat <= 1.01) and
# every mean and sd within its 4-MCSE band.  The centered eight schools must come out STRESS (its funnel: Stan's
# NUTS diverges there too), never PASS or FAIL.  The slower posteriors run in `make conformance` (docs/sampling.md
# has the last full run).  Skipped, with one line, where ../shared does not exist.
. tests/cli/lib.sh
S=$(shared_dir) || { echo "skipped: no ../shared/posteriordb (set URN_SHARED)"; done_tests; exit $?; }
P=$S/posteriordb
[ -d "$P" ] || { echo "skipped: no $P"; done_tests; exit $?; }
RUNNER=$(dirname "$URN")/tests/conformance
[ -x "$RUNNER" ] || { bad "no conformance runner at $RUNNER (make builds it with the tests)"; done_tests; exit $?; }
QUICK="arK-arK,\
eight_schools-eight_schools_centered,\
eight_schools-eight_schools_noncentered,\
garch-garch11,\
kidiq-kidscore_momhs,\
kidiq-kidscore_momiq,\
kidiq_with_mom_work-kidscore_interaction_c2,\
kidiq_with_mom_work-kidscore_interaction_z,\
kidiq_with_mom_work-kidscore_mom_work,\
low_dim_gauss_mix-low_dim_gauss_mix,\
mesquite-logmesquite_logvash,\
mesquite-logmesquite_logvolume,\
mesquite-mesquite"
"$RUNNER" --threads 2 --timeout 600 --only "$QUICK" "$P" >"$TMP/out" 2>"$TMP/err"
rc=$?
n=0
for name in $(echo "$QUICK" | tr ',' ' '); do
  n=$((n + 1))
  line=$(grep -E "^[A-Z]+ +$name( |$)" "$TMP/out")
  case "$name" in
    eight_schools-eight_schools_centered) want=STRESS ;;
    *) want=PASS ;;
  esac
  verdict=$(echo "$line" | awk '{ print $1 }')
  if [ "$verdict" = "$want" ]; then ok; else bad "$name: want $want, got: ${line:-no line} $(head -c 300 "$TMP/err")"; fi
done
# the total line counts every posterior, and the runner exits 0 when nothing failed
expect_line=$(grep -E "^conformance: $((n - 1)) passed, 0 failed, 0 inconclusive, 1 stress" "$TMP/out")
if [ -n "$expect_line" ] && [ $rc = 0 ]; then ok; else bad "total: exit $rc, $(tail -n 1 "$TMP/out")"; fi
done_tests
