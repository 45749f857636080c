# tests/cli/test_init_mode.sh — `urn sample --init mode[:S]` on a posterior with two label modes (an
# exchangeable two-component mixture with its own data): random inits put the chains in different
# modes (R-hat ~1.5), mode-finding starts them all in one (R-hat < 1.01, means at the clusters);
# the same files whatever --threads; a funnel, where every optimization diverges, falls back to
# random inits with a warning; the step-size-collapse warning; usage errors.
. tests/cli/lib.sh

cat > "$TMP/mix.stan" <<'STAN'
data { int<lower=1> N; vector[N] y; }
parameters { vector[2] mu; real<lower=0, upper=1> w; }
model {
  mu ~ normal(0, 10);
  for (n in 1:N) target += log_mix(w, normal_lpdf(y[n] | mu[1], 1), normal_lpdf(y[n] | mu[2], 1));
}
STAN
# 30 points from N(-3, 1) and 20 from N(3, 1)
cat > "$TMP/mix.json" <<'JSON'
{"N": 50, "y": [-1.689, -3.219, -2.186, -3.298, -4.085, -2.617, -2.637, -4.223, -2.611, -2.871, -2.476,
 -2.305, -3.843, -4.246, -2.268, -2.581, -4.063, -2.343, -3.567, -3.166, -2.447, -1.878, -2.983, -4.204,
 -3.147, -1.885, -3.108, -4.359, -3.121, -3.316, 2.783, 3.392, 3.614, 2.617, 2.905, 3.434, 4.063, 2.813,
 3.905, 4.005, 2.562, 2.569, 2.838, 3.651, 2.836, 1.805, 2.869, 5.031, 3.279, 2.658]}
JSON
# max R-hat over mu and w, then the two means sorted, then w's mean
stats() { "$URN" summary --csv "$1"/mix-*.csv | awk -F, '
  NR == 1 { for (i = 1; i <= NF; i++) { h = $i; gsub(/"/, "", h); if (h == "rhat") r = i; if (h == "mean") m = i } next }
  { n = $1; gsub(/"/, "", n) }
  n ~ /^mu\./ || n == "w" { if ($r > mx) mx = $r }
  n == "mu.1" { a = $m } n == "mu.2" { b = $m } n == "w" { w = $m }
  END { if (a > b) { t = a; a = b; b = t } printf "%.4f %.3f %.3f %.3f\n", mx, a, b, w }'; }
run() { "$URN" sample "$TMP/mix.stan" --data "$TMP/mix.json" --warmup 500 --draws 1000 --seed 1 --refresh 0 \
  --no-summary "$@"; }

# random inits: the chains split between the label modes
run --output-dir "$TMP/rand" >"$TMP/out" 2>"$TMP/err" && ok || bad "random-init run failed"
set -- $(stats "$TMP/rand")
awk -v r="$1" 'BEGIN { exit !(r > 1.2) }' && ok || bad "random inits should give R-hat > 1.2 here (got $1)"

# mode-finding: every chain in the same mode
expect_exit 0 run --init mode --output-dir "$TMP/mode"
expect_out "--init mode: 8 L-BFGS optimizations ("
expect_out "reached the best mode"
expect_out "every chain starts there."
set -- $(stats "$TMP/mode")
awk -v r="$1" 'BEGIN { exit !(r < 1.01) }' && ok || bad "--init mode: R-hat $1, want < 1.01"
# posterior means: the clusters' means (-3.07, 3.23 with unit scale and this prior), weight 0.6 or 0.4
awk -v a="$2" -v b="$3" 'BEGIN { exit !(a > -3.4 && a < -2.7 && b > 2.8 && b < 3.6) }' && ok \
  || bad "component means $2 $3, want near -3.07 and 3.23"
awk -v w="$4" 'BEGIN { exit !((w > 0.5 && w < 0.72) || (w > 0.28 && w < 0.5)) }' && ok || bad "weight $4"
grep -q '^# init = mode:8$' "$TMP/mode/mix-1.csv" && ok || bad "the CSV header records init = mode:8"

# the same numbers whatever the thread count (the optimizations run on the threads too)
expect_exit 0 run --init mode:5 --threads 1 --output-dir "$TMP/t1"
expect_exit 0 run --init mode:5 --threads 3 --output-dir "$TMP/t3"
same=1
for c in 1 2 3 4; do
  grep -v '^#' "$TMP/t1/mix-$c.csv" >"$TMP/a"; grep -v '^#' "$TMP/t3/mix-$c.csv" >"$TMP/b"
  cmp -s "$TMP/a" "$TMP/b" || same=0
done
[ $same = 1 ] && ok || bad "--init mode:5 draws differ between --threads 1 and 3"

# a funnel (centered eight schools): the density grows without bound as tau -> 0, so no optimization
# finds a mode; the run falls back to random inits and says so
cat > "$TMP/funnel.stan" <<'STAN'
data { int<lower=0> J; array[J] real y; array[J] real<lower=0> sigma; }
parameters { array[J] real theta; real mu; real<lower=0> tau; }
model { tau ~ cauchy(0, 5); theta ~ normal(mu, tau); y ~ normal(theta, sigma); mu ~ normal(0, 5); }
STAN
echo '{"J": 8, "y": [28, 8, -3, 7, -1, 1, 18, 12], "sigma": [15, 10, 16, 11, 9, 11, 10, 18]}' >"$TMP/funnel.json"
expect_exit 0 "$URN" sample "$TMP/funnel.stan" --data "$TMP/funnel.json" --init mode --warmup 100 --draws 50 \
  --seed 3 --refresh 0 --no-summary --output-dir "$TMP/funnel"
expect_err "--init mode: none of the 8 optimizations found a mode: 8 diverged"
expect_err "the chains start from random inits instead"

# every proposal rejected: the step size collapses, and the run says so once
cat > "$TMP/pinned.stan" <<'STAN'
parameters { real x; }
model { if (x != 1.5) reject("x moved from 1.5"); }
STAN
echo '{"x": 1.5}' >"$TMP/pinned.json"
expect_exit 0 "$URN" sample "$TMP/pinned.stan" --init "$TMP/pinned.json" --chains 2 --warmup 30 --draws 10 --seed 1 \
  --refresh 0 --no-summary --output-dir "$TMP/pin"
expect_err "urn sample: warning: chain "
expect_err "the step size collapsed to"
[ "$(grep -c 'step size collapsed' "$TMP/err")" = 1 ] && ok || bad "the collapse is reported once"
# a healthy run gives no such warning
expect_exit 0 run --output-dir "$TMP/quiet" --chains 1
grep -q "collapsed" "$TMP/err" && bad "no collapse warning on a healthy model" || ok

# usage errors
expect_exit 2 run --init mode:0 --output-dir "$TMP/u"
expect_err "in 'mode:S', S must be a number of optimizations in [1, 1024]"
expect_exit 2 run --init mode:x --output-dir "$TMP/u"
done_tests
