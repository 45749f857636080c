#!/bin/sh
# tests/cli/test_laplace.sh — the embedded Laplace approximation (src/lang/fn_laplace.c): log marginal and
# gradient of laplace_marginal (user likelihood, full-Hessian user likelihood, the built-in likelihoods, _tol
# forms, the `~` form) against an independent Python implementation (tests/data/gen_laplace.py ->
# tests/data/laplace/ref.txt), a Gaussian case against the exact multi_normal marginal, and
# laplace_latent_solve / laplace_latent_*_rng against the mode and Cholesky factor.
. "$(dirname "$0")/lib.sh"
D=tests/data/laplace
ref() { grep "^$1 " $D/ref.txt | cut -d' ' -f2-; }
# compare "got" "want" lp_rtol grad_tol: lp relative, gradient |d| <= tol * (1 + |want|)
compare() { echo "$1|$2" | awk -F'|' -v lt="$3" -v gt="$4" '{
  n = split($1, a, " "); m = split($2, b, " "); if (n != m) { print "count " n " vs " m; exit 1 }
  for (i = 1; i <= n; i++) { d = a[i] - b[i]; if (d < 0) d = -d; w = b[i] < 0 ? -b[i] : b[i];
    t = (i == 1) ? lt * (1 + w) : gt * (1 + w); if (d > t) { print "entry " i ": " a[i] " vs " b[i]; exit 1 } } }'; }
lp_of() { sed -e 's/.*"lp": *\([^,]*\),.*"gradient": *\[\(.*\)\].*/\1 \2/' -e 's/,/ /g' "$TMP/out"; }
check_case() { # name model
  expect_exit 0 "$URN" logdensity $D/$2.stan --data $D/$1.data.json --params $D/$1.params.json --no-jacobian
  r=$(compare "$(lp_of)" "$(ref $1)" 1e-9 2e-7) && ok || bad "$1: $r"
}
check_case user_poisson user_poisson
for c in poisson bernoulli negbin negbin_tol poisson_tilde; do check_case builtin_$c builtin; done
check_case user_gauss user_gauss
check_case user_gauss_exact user_gauss
# the latent mode and Cholesky factor (printed to 6 digits), and the moments of 20000 draws
echo '{"z": 0}' > "$TMP/z.json"
expect_exit 0 "$URN" logdensity $D/latent.stan --data $D/latent.data.json --params "$TMP/z.json"
line() { grep "^$1 " "$TMP/out" | sed -e "s/^$1 //" -e 's/[][]//g' -e 's/,/ /g'; }
r=$(compare "0 $(line mode)" "0 $(ref latent_mode)" 0 1e-5) && ok || bad "latent mode: $r"
r=$(compare "0 $(line chol)" "0 $(ref latent_chol)" 0 1e-5) && ok || bad "latent Cholesky factor: $r"
r=$(compare "0 $(line mean_draws)" "0 $(ref latent_mode)" 0 0.03) && ok || bad "mean of laplace_latent draws: $r"
cov=$(ref latent_chol | awk '{ for (i = 0; i < 3; i++) for (j = 0; j < 3; j++) { s = 0;
  for (k = 0; k < 3; k++) s += $(1 + i + 3 * k) * $(1 + j + 3 * k); printf "%s%.9g", (i || j) ? " " : "", s } }')
r=$(compare "0 $(line cov_draws)" "0 $cov" 0 0.03) && ok || bad "covariance of laplace_latent draws: $r"
# bad input: a covariance function of the wrong size, a non-log-concave failure is a rejection with a message
cat > "$TMP/bad.stan" <<'EOS'
functions { real ll(vector t, array[] int y) { return poisson_log_lpmf(y | t); }
  matrix Kf(int n) { return identity_matrix(n); } }
data { array[3] int y; }
parameters { real z; }
model { target += laplace_marginal(ll, (y,), 1, Kf, (2,)); z ~ std_normal(); }
EOS
echo '{"y": [1, 2, 3]}' > "$TMP/bad.json"
expect_exit 1 "$URN" logdensity "$TMP/bad.stan" --data "$TMP/bad.json" --params "$TMP/z.json"
expect_err "Size of Random variable (3) and Log rate parameter (2) must match"
cat > "$TMP/bad2.stan" <<'EOS'
functions { real ll(vector t, array[] int y) { return poisson_log_lpmf(y | t); }
  matrix Kf(real a) { return [[a, 0], [0, a]]; } }
data { array[2] int y; }
parameters { real z; }
model { target += laplace_marginal_tol(ll, (y,), 1, Kf, (1.0,), (rep_vector(0, 3), 1e-6, 100, 1, 10, 1)); z ~ std_normal(); }
EOS
echo '{"y": [1, 2]}' > "$TMP/bad2.json"
expect_exit 1 "$URN" logdensity "$TMP/bad2.stan" --data "$TMP/bad2.json" --params "$TMP/z.json"
expect_err "theta_init has size 3, but the latent vector has size 2"
# a mode not found within max_num_steps is a rejection with a message (built-in and user likelihoods)
sed -e 's/(rep_vector(0.5, n), 1e-12, 100, 1, 20, 1)/(rep_vector(0.5, n), 1e-300, 2, 1, 20, 1)/' $D/builtin.stan > "$TMP/steps.stan"
expect_exit 1 "$URN" logdensity "$TMP/steps.stan" --data $D/builtin_negbin_tol.data.json --params $D/builtin_negbin_tol.params.json
expect_err "the mode was not found within 2 Newton steps"
sed -e 's/laplace_marginal(ll, (y, m), 1, Kf, (x, alpha, rho))/laplace_marginal_tol(ll, (y, m), 1, Kf, (x, alpha, rho), (rep_vector(0, n), 1e-300, 3, 1, 0, 1))/' \
  $D/user_poisson.stan > "$TMP/steps2.stan"
expect_exit 1 "$URN" logdensity "$TMP/steps2.stan" --data $D/user_poisson.data.json --params $D/user_poisson.params.json
expect_err "the mode was not found within 3 Newton steps"
done_tests
