# tests/cli/test_extremes.sh — numbers at the edges (issue 8, "Numbers"): models with parameters near 1e-8 and
# 1e8 (raw and through <lower=0>), the centered eight schools funnel and a bimodal mixture, each sampled in a
# short run: the run completes, divergences are reported (and agree with the CSVs' divergent__ column),
# no CSV cell is NaN or infinite, and the summary flags what a short run cannot resolve.
. tests/cli/lib.sh
D=tests/data/errors
# no_bad_cells DIR : every draw cell of every CSV in DIR is a finite number
no_bad_cells() { cat "$1"/*.csv | awk -F, '!/^#/ && $1 != "lp__" { rows++; for (i = 1; i <= NF; i++)
  if ($i !~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/) { print "cell " i ": " $i; exit 1 } } END { if (!rows) exit 1 }' >"$TMP/cells" \
  && ok || bad "$1: a CSV cell is not a finite number: $(cat "$TMP/cells")"; }
# divergences_agree DIR : the count on stdout equals the sum of divergent__ over the post-warmup draws
divergences_agree() { said=$(sed -n 's/.*; \([0-9]*\) divergent transitions after warmup.*/\1/p' "$TMP/out")
  sum=$(cat "$1"/*.csv | awk -F, '!/^#/ && $1 != "lp__" { s += $6 } END { print s + 0 }')
  [ -n "$said" ] && [ "$said" = "$sum" ] && ok || bad "$1: divergences reported '$said', in the CSVs $sum"; }
# column_mean DIR COL : mean of column COL over all draws
column_mean() { cat "$1"/*.csv | awk -F, -v c="$2" '!/^#/ && $1 != "lp__" { s += $c; n++ } END { printf "%.10g", s / n }'; }
# within X LO HI : LO < X < HI
within() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x > lo && x < hi) }'; }
R="--refresh 0 --seed 11"

# a parameter near 1e-8 and one near 1e8 through <lower=0>: lognormal(log(1e-8), 0.5) has mean 1e-8 * e^0.125
expect_exit 0 "$URN" sample $D/extreme_constrained.stan --chains 2 --warmup 200 --draws 200 $R --output-dir "$TMP/ec"
expect_out "divergent transitions after warmup"
no_bad_cells "$TMP/ec"; divergences_agree "$TMP/ec"
m=$(column_mean "$TMP/ec" 8); within "$m" 0.9e-8 1.4e-8 && ok || bad "tiny mean $m (want 1.13e-8)"
m=$(column_mean "$TMP/ec" 9); within "$m" 0.9e8 1.4e8 && ok || bad "huge mean $m (want 1.13e8)"

# the same scales unconstrained: normal(1e-8, 1e-9) and normal(1e8, 1e7) — scales 1e16 apart.  A short run
# cannot reach huge's mode; it must still finish with finite cells and flag the run as unconverged.
expect_exit 0 "$URN" sample $D/extreme_scales.stan --chains 2 --warmup 100 --draws 50 --max-depth 8 $R --output-dir "$TMP/es"
expect_out "divergent transitions after warmup"
no_bad_cells "$TMP/es"; divergences_agree "$TMP/es"
m=$(column_mean "$TMP/es" 8); within "$m" 0.95e-8 1.05e-8 && ok || bad "tiny mean $m (want 1e-8)"
expect_out "R-hat above 1.01 for: huge"

# centered eight schools: a funnel, divergences expected and reported
expect_exit 0 "$URN" sample $D/eight_schools_centered.stan --data $D/eight_schools.json --chains 4 --warmup 300 --draws 300 $R \
  --output-dir "$TMP/8s"
no_bad_cells "$TMP/8s"; divergences_agree "$TMP/8s"
[ "$said" -gt 0 ] && ok || bad "the centered funnel gave no divergences"
expect_out "ended with a divergence"
awk -F, '!/^#/ && $1 != "lp__" { if ($9 <= 0) bad = 1 } END { exit bad }' "$TMP"/8s/*.csv && ok || bad "tau > 0 in every draw"

# two well-separated modes (-10 and 10): chains settle in different modes and the summary flags R-hat
expect_exit 0 "$URN" sample $D/bimodal.stan --chains 4 --warmup 300 --draws 300 $R --output-dir "$TMP/bm"
no_bad_cells "$TMP/bm"; divergences_agree "$TMP/bm"
cat "$TMP"/bm/*.csv | awk -F, '!/^#/ && $1 != "lp__" { if ($8 < 0) lo++; else hi++; if ($8 > -5 && $8 < 5) mid++ }
  END { exit !(lo > 0 && hi > 0 && mid < 10) }' && ok || bad "draws near both modes, few between"
expect_out "R-hat above 1.01 for: x"

done_tests
