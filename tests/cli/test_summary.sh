# tests/cli/test_summary.sh — `urn summary`: CmdStan-format and plain CSV input,
# table / --csv / --json output, options, and each kind of bad input named with
# a non-zero exit.  With ../shared present, also checks one fixture's numbers
# through the whole CLI path against posterior's values.
. tests/cli/lib.sh
D=tests/data/stancsv
B1=$D/bernoulli-1.csv; B2=$D/bernoulli-2.csv

expect_exit 0 "$URN" summary --help; expect_out "usage: urn summary FILES..."; expect_out "--percentiles"

# the table
expect_exit 0 "$URN" summary $B1 $B2
expect_out "2 chains x 40 draws (80 in total)"
expect_out "ESS_bulk"; expect_out "R_hat"; expect_out "Sampler:"
expect_out "2 of 80 transitions (2.5%) ended with a divergence"
expect_out "hit the maximum tree depth (10)"
expect_out "R-hat above 1.01 for: theta, log_odds"
expect_exit 0 "$URN" summary $B1 $B2 --no-diagnostics
if grep -q "Diagnostics:" "$TMP/out"; then bad "--no-diagnostics still prints diagnostics"; else ok; fi

# saved warmup is left out, with a note
expect_exit 0 "$URN" summary $D/bernoulli_warmup-3.csv --csv --vars theta
expect_err "10 warmup draws left out"

# --csv: the documented header; full precision; NA
expect_exit 0 "$URN" summary $B1 $B2 --csv
expect_out "name,mean,mcse_mean,sd,mcse_sd,q5,q50,q95,median,mad,mcse_q5,mcse_q95,ess_bulk,ess_tail,ess_basic,rhat,rhat_basic,hdi_low,hdi_high"
expect_out "theta,0.24037475250000001,"
if grep -q "__" "$TMP/out"; then bad "--csv lists sampler columns"; else ok; fi
# theta's numbers (independent: tests/data/stancsv_expected.json, from gen_stancsv.py)
awk -F, '$1 == "theta" { ok = ($16 - 1.4331864098086453)^2 < 1e-16 && ($13 - 5.520657752611682)^2 < 1e-14 &&
  $6 == 0.036208335 && $18 == 0.01 && $19 == 0.511143; exit !ok }' "$TMP/out" && ok || bad "theta csv values: $(grep ^theta "$TMP/out")"
expect_out "y_rep.1,"; expect_out ",NA,"

# --json
expect_exit 0 "$URN" summary $D/plain-1.csv $D/plain-2.csv $D/plain-3.csv --json
expect_out '"name": "mu"'; expect_out '"rhat": null'

# options
expect_exit 0 "$URN" summary $B1 $B2 --percentiles 2.5,97.5 --sig-figs 2
expect_out "2.5%"; expect_out "97.5%"
expect_exit 0 "$URN" summary $B1 $B2 --hdi 0.9
expect_out "hdi_5%"; expect_out "hdi_95%"
expect_exit 0 "$URN" summary $B1 $B2 --hdi
expect_out "hdi_3%"
expect_exit 0 "$URN" summary $B1 $B2 --csv --hdi=0.5 --percentiles 10
expect_out ",hdi_low,hdi_high,q10"
expect_exit 0 "$URN" summary $B1 $B2 --vars y_rep,lp__
expect_out "y_rep.2"; expect_out "lp__"
if grep -q "^theta" "$TMP/out"; then bad "--vars did not filter theta"; else ok; fi

# usage errors: exit 2
expect_exit 2 "$URN" summary
expect_err "no input files"
expect_exit 2 "$URN" summary $B1 --frob; expect_err "unknown option '--frob'"
expect_exit 2 "$URN" summary $B1 --percentiles 120; expect_err "not a percentage"
expect_exit 2 "$URN" summary $B1 --hdi=1.5; expect_err "out of range"
expect_exit 2 "$URN" summary $B1 --sig-figs 0

# bad input: exit 1, named, nothing printed as if fine
expect_exit 1 "$URN" summary $B1 $D/missing.csv; expect_err "missing.csv"
: > "$TMP/empty.csv"
expect_exit 1 "$URN" summary "$TMP/empty.csv"; expect_err "empty.csv: empty file"
[ -s "$TMP/out" ] && bad "output printed for an empty file" || ok
printf '{"N": 2}\n' > "$TMP/data.json"
expect_exit 1 "$URN" summary "$TMP/data.json"; expect_err "data.json:1:1: not a Stan CSV file"
expect_exit 1 "$URN" summary $B1 $D/other_columns.csv; expect_err "chains must have the same columns"
# chains of different lengths (an interrupted run) are cut to the shortest, with a note (issue #16)
expect_exit 0 "$URN" summary $B1 $D/short.csv; expect_err "the chains have different numbers of draws (39 to 40: an interrupted run?); using the first 39 draws of each"
expect_out "2 chains x 39 draws"
printf 'a,b\n1,2\n3,x\n' > "$TMP/bad.csv"
expect_exit 1 "$URN" summary "$TMP/bad.csv"; expect_err "bad.csv:3:3: 'x' is not a number"
printf '# c\na,b\n' > "$TMP/nodraws.csv"
expect_exit 1 "$URN" summary "$TMP/nodraws.csv"; expect_err "nodraws.csv: no draws"
expect_exit 1 "$URN" summary $B1 $B2 --vars nope; expect_err "no quantity named 'nope'"

# a posterior fixture through the CLI: convert the long format to 4 chain files
S=$(shared_dir)
if [ -n "$S" ] && [ -f "$S/fixtures/diagnostics/ar1_phi095_4x1000.csv" ]; then
  for c in 1 2 3 4; do
    { echo "# converted from the shared fixture"; echo "x"
      awk -F, -v c=$c 'NR > 1 && $1 == c { print $3 }' "$S/fixtures/diagnostics/ar1_phi095_4x1000.csv"; } > "$TMP/ar1-$c.csv"
  done
  expect_exit 0 "$URN" summary "$TMP"/ar1-1.csv "$TMP"/ar1-2.csv "$TMP"/ar1-3.csv "$TMP"/ar1-4.csv --csv
  # posterior 1.4.0 (expected.json): rhat 1.0083337982037301, ess_bulk 137.24401775896553
  awk -F, '$1 == "x" { ok = ($16 / 1.0083337982037301 - 1)^2 < 1e-16 && ($13 / 137.24401775896553 - 1)^2 < 1e-16;
    exit !ok }' "$TMP/out" \
    && ok || bad "ar1 fixture through the CLI: $(tail -n 1 "$TMP/out")"
else
  echo "skipped: ../shared not present (fixture through the CLI)"
fi
done_tests
