# tests/interop_rstan.sh BUILD — `make test-interop`: rstan's read_stan_csv reads urn's Stan CSV files
# (sampler parameters, adaptation info, draws, thinning, saved warmup).  Needs R with rstan (Debian:
# r-base-core r-cran-rstan); prints "skipped:" without them.  Not part of `make test` (R starts slowly).
URN=${URN:-$(cd "${1:-build}" && pwd)/urn}; export URN
. tests/cli/lib.sh
if ! command -v Rscript >/dev/null 2>&1 || ! Rscript -e 'suppressMessages(library(rstan))' >/dev/null 2>&1; then
  echo "skipped: R with rstan is not installed"; done_tests; exit $?
fi
cat > "$TMP/nm.stan" <<'STAN'
data { int<lower=0> N; vector[N] y; }
parameters { real mu; real<lower=0> sigma; }
model { target += -0.5 * square(mu / 10) - 0.5 * square(sigma / 5) - N * log(sigma) - 0.5 * dot_self((y - mu) / sigma); }
generated quantities { vector[2] v = [mu, sigma]'; }
STAN
echo '{"N": 8, "y": [1.2, 0.4, 2.2, 1.9, 0.1, 1.4, 1.0, 0.7]}' >"$TMP/nm.json"
expect_exit 0 "$URN" sample "$TMP/nm.stan" --data "$TMP/nm.json" --chains 2 --warmup 200 --draws 300 --thin 3 \
  --save-warmup --seed 11 --output-dir "$TMP/o" --refresh 0 --no-summary
cat > "$TMP/check.R" <<'R'
suppressMessages(library(rstan))
args <- commandArgs(TRUE)
f <- suppressWarnings(read_stan_csv(args))
ok <- function(cond, what) cat(if (isTRUE(cond)) "ok" else "FAIL", what, "\n")
s <- rstan::extract(f, permuted = FALSE, inc_warmup = FALSE)
ok(all(dim(s) == c(100, 2, 5)), "dims 100 draws x 2 chains x (mu, sigma, v[1], v[2], lp__)")
ok(all(dimnames(s)$parameters == c("mu", "sigma", "v[1]", "v[2]", "lp__")), "parameter names")
ok(isTRUE(all.equal(s[, , "mu"], s[, , "v[1]"])), "v[1] equals mu")
ok(all(s[, , "sigma"] > 0), "sigma positive")
sp <- get_sampler_params(f, inc_warmup = TRUE)
ok(nrow(sp[[1]]) == 167 && all(c("accept_stat__", "stepsize__", "treedepth__", "n_leapfrog__", "divergent__", "energy__") %in% colnames(sp[[1]])), "sampler params with warmup (67 + 100 rows)")
ai <- get_adaptation_info(f)
ok(length(ai) == 2 && grepl("Step size = ", ai[[1]]) && grepl("Diagonal elements of inverse mass matrix", ai[[1]]), "adaptation info")
ok(f@sim$warmup2[1] == 67 && f@sim$thin == 3, "warmup and thin from the header")
R
Rscript "$TMP/check.R" "$TMP/o/nm-1.csv" "$TMP/o/nm-2.csv" >"$TMP/r.out" 2>&1
while read -r verdict what; do
  case $verdict in ok) ok ;; FAIL) bad "rstan: $what" ;; esac
done <"$TMP/r.out"
grep -q '^ok' "$TMP/r.out" || bad "R failed: $(head -c 600 "$TMP/r.out")"
done_tests
