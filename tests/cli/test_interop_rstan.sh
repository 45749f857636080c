# tests/cli/test_interop_rstan.sh — urn's Stan CSV files are read by rstan's read_stan_csv (the reader ArviZ-,
# cmdstanpy- and rstan-using code relies on): names, draws, sampler columns and values agree with urn summary.
# Optional: skipped when Rscript with rstan is not installed (Debian: r-base-core r-cran-rstan).
. tests/cli/lib.sh
if ! command -v Rscript >/dev/null 2>&1 || ! Rscript -e 'suppressMessages(library(rstan))' >/dev/null 2>&1; then
  echo "skipped: Rscript with rstan not installed"; done_tests; exit $?
fi
cat > "$TMP/ir.stan" <<'STAN'
data { int<lower=0> N; vector[N] y; }
parameters { real mu; real<lower=0> sigma; vector[2] v; }
transformed parameters { real s2 = square(sigma); }
model { mu ~ normal(0, 10); sigma ~ normal(0, 5); v ~ normal(0, 1); y ~ normal(mu, sigma); }
generated quantities { matrix[2, 2] M = [[mu, sigma], [v[1], v[2]]]; }
STAN
echo '{"N": 6, "y": [0.3, -1.2, 2.2, 0.9, 1.4, 0.2]}' > "$TMP/ir.json"
expect_exit 0 "$URN" sample "$TMP/ir.stan" --data "$TMP/ir.json" --chains 2 --warmup 200 --draws 150 --seed 3 \
  --output-dir "$TMP/o" --refresh 0
cat > "$TMP/read.R" <<'R'
suppressMessages(library(rstan))
args <- commandArgs(trailingOnly = TRUE)
fit <- read_stan_csv(args)
cat("pars:", paste(fit@model_pars, collapse = " "), "\n")
cat("flat:", paste(names(fit), collapse = " "), "\n")
e <- extract(fit, permuted = FALSE)
cat("dims:", paste(dim(e), collapse = " "), "\n")
cat(sprintf("mean_mu: %.10f\n", mean(e[, , "mu"])))
cat(sprintf("mean_M21: %.10f\n", mean(e[, , "M[2,1]"])))
sp <- get_sampler_params(fit, inc_warmup = FALSE)
cat("sampler:", paste(colnames(sp[[1]]), collapse = " "), "\n")
cat(sprintf("stepsize1: %.6f\n", sp[[1]][1, "stepsize__"]))
R
Rscript "$TMP/read.R" "$TMP/o/ir-1.csv" "$TMP/o/ir-2.csv" >"$TMP/out" 2>"$TMP/err"
[ $? = 0 ] && ok || bad "read_stan_csv failed: $(tail -c 400 "$TMP/err")"
expect_out "pars: mu sigma v s2 M lp__"
expect_out "flat: mu sigma v[1] v[2] s2 M[1,1] M[2,1] M[1,2] M[2,2] lp__"
expect_out "dims: 150 2 10"
expect_out "sampler: accept_stat__ treedepth__ stepsize__ divergent__ n_leapfrog__ energy__"  # rstan's own order
# means agree with urn summary's (full precision through --csv)
"$URN" summary --csv "$TMP/o"/ir-*.csv > "$TMP/sum.csv"
for pair in "mu mean_mu" "M.2.1 mean_M21"; do
  set -- $pair
  u=$(awk -F, -v n="$1" '$1 == n { print $2 }' "$TMP/sum.csv")
  r=$(sed -n "s/^$2: //p" "$TMP/out")
  awk -v u="$u" -v r="$r" 'BEGIN { d = u - r; if (d < 0) d = -d; exit !(u != "" && d < 1e-8) }' && ok ||
    bad "mean of $1: urn summary $u vs rstan $r"
done
done_tests
