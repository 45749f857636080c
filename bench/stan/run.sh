#!/bin/sh
# bench/stan/run.sh — `make bench-stan`: the tutorial models M1–M5 in rstan (Stan 2.21, the 2.21-syntax copies
# beside this script) and in urn, same data and settings (4 chains x 1000 warmup + 1000 draws; M4/M5 started from
# the benchmark's inits.json), in one run, and the ratios urn/Stan:
#   compile: Stan's stan_model() vs `urn check` (parse, check, load data)
#   us/grad: sampler time / gradient evaluations, inside NUTS, both sides
#   ESS/s:   min bulk-ESS / sampling wall;  total: compile + sampling (+ urn summary) wall
# Needs Rscript with rstan, posterior, jsonlite (Debian: r-base-core r-cran-rstan r-cran-posterior r-cran-jsonlite);
# installs nothing. Run on a quiet machine: both sides use 2 cores.
URN=${URN:-build/urn}
S=${URN_SHARED:-../shared}
B="$S/benchmarks"
[ -d "$B" ] || { echo "skipped: no $B"; exit 0; }
command -v Rscript >/dev/null && Rscript -e 'library(rstan)' >/dev/null 2>&1 ||
  { echo "skipped: Rscript with rstan not installed (apt-get install r-base-core r-cran-rstan r-cran-posterior r-cran-jsonlite)"; exit 0; }
models=${MODELS:-"m1-normal m2-linreg m3-mixture m4-mixreg m5-glmhmm"}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
echo "rstan side (compiles each model; minutes)..."
# shellcheck disable=SC2086
Rscript bench/stan/rstan_side.R "$B" $models > "$T/stan.tsv" || { echo "rstan side failed"; exit 1; }
printf '%-11s | %9s %9s %9s %8s | %9s %9s %9s %8s | %8s %8s %8s %8s\n' model stan_comp stan_us stan_samp stan_ess \
  urn_comp urn_us urn_samp urn_ess comp_x us_x ESS/s_x total_x
for m in $models; do
  d="$B/$m"
  init=""
  case $m in m4-mixreg|m5-glmhmm) init="--init $d/inits.json" ;; esac
  t0=$(date +%s.%N)
  "$URN" check "$d/model.stan" --data "$d/data.json" >/dev/null 2>&1
  t1=$(date +%s.%N)
  # shellcheck disable=SC2086
  "$URN" sample "$d/model.stan" --data "$d/data.json" --adapt stan --chains 4 --warmup 1000 --draws 1000 --seed 1 --threads 2 \
    --output-dir "$T/$m" --refresh 0 $init >"$T/$m.out" 2>&1 || { echo "$m: urn sample failed"; continue; }
  "$URN" summary "$T/$m"/*.csv >/dev/null 2>&1
  t2=$(date +%s.%N)
  grads=$(cat "$T/$m"/*.csv | awk -F, '/^#/ || /^lp__/ { next } { n += $5 } END { print n }')
  secs=$(cat "$T/$m"/*.csv | sed -n 's/^# *\([0-9.]*\) seconds (\(Warm-up\|Sampling\)).*/\1/p' | awk '{ s += $1 } END { print s }')
  ess=$("$URN" summary --csv "$T/$m"/*.csv 2>/dev/null | awk -F, 'NR > 1 && $1 !~ /__$/ && $13 != "NA" { if (min == "" || $13 < min) min = $13 } END { print min }')
  grep "^$m	" "$T/stan.tsv" | awk -F'\t' -v m=$m -v uc="$(echo "$t1 - $t0" | bc -l)" -v us="$(echo "$t2 - $t1" | bc -l)" \
    -v g="$grads" -v sec="$secs" -v e="$ess" '{
      uus = 1e6 * sec / g
      printf "%-11s | %9.2f %9.2f %9.2f %8.0f | %9.3f %9.2f %9.2f %8.0f | %8.4f %8.3f %8.2f %8.4f\n", m, $2, $3, $4, $5,
        uc, uus, us, e, uc / $2, uus / $3, (e / us) / ($5 / $4), (uc + us) / ($2 + $4) }'
done
echo "comp_x, us_x, total_x: urn/Stan (smaller is better); ESS/s_x: urn/Stan (larger is better)"
