# tests/cli/test_logdensity.sh — `urn logdensity`: the JSON output against values computed by hand
# (normal model: lp with and without Jacobian and constants, gradient on the unconstrained scale),
# usage errors and bad parameter files.
. tests/cli/lib.sh

cat > "$TMP/m.stan" <<'STAN'
data { int<lower=0> N; vector[N] y; }
parameters { real mu; real<lower=0> sigma; }
model { mu ~ normal(0, 10); sigma ~ normal(0, 5); y ~ normal(mu, sigma); }
STAN
echo '{"N": 3, "y": [1, 2, 4]}' > "$TMP/d.json"
echo '{"mu": 2, "sigma": 1.5}' > "$TMP/p.json"

expect_exit 2 "$URN" logdensity
expect_exit 2 "$URN" logdensity "$TMP/m.stan" --data "$TMP/d.json"
expect_err "--params"
expect_exit 0 "$URN" logdensity --help

# reference (scipy.stats.norm.logpdf): sum normal_lpdf(y|2,1.5) + normal_lpdf(2|0,10)
#   + normal_lpdf(1.5|0,5) + log(1.5) = -10.49375699877895
expect_exit 0 "$URN" logdensity "$TMP/m.stan" --data "$TMP/d.json" --params "$TMP/p.json"
awk 'BEGIN{RS="";} { match($0, /"lp": [-0-9.e]+/); lp = substr($0, RSTART + 6, RLENGTH - 6);
  d = lp - (-10.49375699877895); if (d < 0) d = -d; exit !(d < 1e-9) }' "$TMP/out" && ok || bad "lp: $(cat "$TMP/out")"
# gradient: d/dmu = sum(y - mu)/sigma^2 - mu/100 = 0.42444..; d/dlog(sigma) = sigma * (-3/sigma + sum((y-mu)^2)/sigma^3 - sigma/25) + 1 = 0.13222..
awk 'BEGIN{RS="";} { match($0, /"gradient": \[[^]]*\]/); g = substr($0, RSTART + 13, RLENGTH - 14); split(g, a, ", ");
  e1 = a[1] - 0.42444444444444444; e2 = a[2] - 0.13222222222222202; if (e1 < 0) e1 = -e1; if (e2 < 0) e2 = -e2;
  exit !(e1 < 1e-9 && e2 < 1e-9) }' "$TMP/out" && ok || bad "gradient: $(cat "$TMP/out")"
# --no-jacobian drops log(sigma) = 0.405465... (-10.899222106887114); --propto drops the constants,
# log(10) and log(5) included (Stan's lp__: -1.98704132732744)
expect_exit 0 "$URN" logdensity "$TMP/m.stan" --data "$TMP/d.json" --params "$TMP/p.json" --no-jacobian
expect_out '"lp": -10.89922210688711'
expect_exit 0 "$URN" logdensity "$TMP/m.stan" --data "$TMP/d.json" --params "$TMP/p.json" --propto
expect_out '"lp": -1.9870413273274'

echo '{"mu": 2}' > "$TMP/p2.json"
expect_exit 1 "$URN" logdensity "$TMP/m.stan" --data "$TMP/d.json" --params "$TMP/p2.json"
expect_err "parameter 'sigma' is missing"
echo '{"mu": 2, "sigma": -1}' > "$TMP/p3.json"
expect_exit 1 "$URN" logdensity "$TMP/m.stan" --data "$TMP/d.json" --params "$TMP/p3.json"
expect_err "sigma is -1, but must be >= 0"
done_tests
