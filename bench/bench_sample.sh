# bench/bench_sample.sh — sampling efficiency of `urn sample` on the tutorial models M1–M5 of
# ../shared/benchmarks (4 chains x 1000 warmup + 1000 draws, as the Stan table there), in one run, next to
# Stan's figures from that README, as ratios (urn / Stan; above 1 is better for urn except in the time column):
#   ESS/grad   min bulk-ESS per gradient evaluation (mode search included);
#   ESS/cpu-s  min bulk-ESS per second of sampling CPU (post-warmup, thread CPU clock, summed over chains; Stan's
#              figure is its post-warmup sampling time summed over chains on a quiet machine, where it is CPU time);
#   time       the whole `urn sample` command, .stan file to printed summary, as CPU seconds (user + sys) and wall
#              seconds, against Stan's total wall (compile + sampling()).  On a loaded machine wall time inflates;
#              the CPU figure is what a quiet 2-core machine would show as wall times about 1/min(2, chains).
# M4 and M5 start with --init mode (every chain at the best of 8 L-BFGS modes; the search's gradients count);
# M5 is run twice: the forward-loop program (Stan's M5) and model_hmm_marginal.stan, both against Stan's M5.
# Needs $URN (set by run_bench.sh) and the shared folder; SEED, THREADS and MODELS may be set.
URN=${URN:-build/urn}
S=${URN_SHARED:-../shared}
B="$S/benchmarks"
[ -d "$B" ] || { echo "skipped: no $B"; exit 0; }
SEED=${SEED:-20260}
THREADS=${THREADS:-2}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

# Stan (rstan 2.21, this kind of machine): total wall, gradient evaluations, sampling time, min bulk-ESS, us/grad
stan_row() {
  case $1 in
    m1-normal) echo "27.8 28900 0.10 3462 7.0" ;;
    m2-linreg) echo "30.4 35300 0.82 3945 48.5" ;;
    m3-mixture) echo "36.4 41200 6.73 2938 331.5" ;;
    m4-mixreg) echo "51.6 204000 18.95 2252 190" ;;
    m5-glmhmm*) echo "106.2 312000 55.5 3435 467" ;;
  esac
}

printf '%-12s %7s %7s %8s %7s %6s %7s %6s %8s | %7s %7s %8s %8s %8s\n' model grads samp_s us/grad minESS \
  ESS/kg ESS/cs cpu_s wall_s "grad x" "ESS/g x" "ESS/cs x" "cpu/Stan" "wall/Stn"
for m in ${MODELS:-m1-normal m2-linreg m3-mixture m4-mixreg m5-glmhmm m5-glmhmm-hmm}; do
  dir=${m%-hmm}
  d="$B/$dir"
  prog="$d/model.stan"
  [ "$m" = m5-glmhmm-hmm ] && prog="$d/model_hmm_marginal.stan"
  [ -f "$prog" ] || continue
  init=""
  case $m in m4-*|m5-*) init="--init mode" ;; esac
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  /usr/bin/time -f "%U %S" -o "$T/$m.time" "$URN" sample "$prog" --data "$d/data.json" --chains 4 --warmup 1000 \
    --draws 1000 --seed "$SEED" --threads "$THREADS" --output-dir "$T/$m" --refresh 0 $init >"$T/$m.out" 2>"$T/$m.err"
  rc=$?
  t1=$(date +%s.%N)
  if [ $rc != 0 ]; then
    printf '%-12s failed (exit %s): %s\n' "$m" "$rc" "$(head -c 200 "$T/$m.err" | tr '\n' ' ')"
    continue
  fi
  wall=$(echo "$t1 - $t0" | bc -l)
  cpu=$(awk '{ print $1 + $2 }' "$T/$m.time")
  line=$(grep "chains of" "$T/$m.out" | head -n 1)
  grads=$(echo "$line" | sed -n 's/.* \([0-9][0-9]*\) gradient evaluations.*/\1/p')
  samp=$(echo "$line" | sed -n 's/.*sampling \([0-9.]*\) s, .*/\1/p')
  usg=$(echo "$line" | sed -n 's/.* \([0-9.]*\) us per gradient.*/\1/p')
  # min bulk-ESS over the model's quantities (not the sampler's __ columns), from urn summary's CSV output
  ess=$("$URN" summary --csv "$T/$m"/*.csv 2>/dev/null | awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) { h = $i; gsub(/"/, "", h); if (h == "ess_bulk") c = i; if (h == "variable" || h == "name") v = i } next }
    c { n = $v; gsub(/"/, "", n); if (n ~ /__$/) next; x = $c + 0; if ($c != "NA" && (min == "" || x < min)) min = x }
    END { print (min == "" ? "NA" : min) }')
  set -- $(stan_row $m)
  awk -v m=$m -v w="$wall" -v c="$cpu" -v g="$grads" -v s="$samp" -v u="$usg" -v e="$ess" -v sw=$1 -v sg=$2 -v ss=$3 \
    -v se=$4 -v su=$5 'BEGIN {
    if (e == "NA" || s <= 0) { printf "%-12s %7d %7.2f %8.1f %7s\n", m, g, s, u, "NA"; exit }
    printf "%-12s %7d %7.2f %8.1f %7.0f %6.1f %7.0f %6.2f %8.2f | %7.2f %7.2f %8.2f %8.3f %8.3f\n", m, g, s, u, e,
      1000 * e / g, e / s, c, w, su / u, (e / g) / (se / sg), (e / s) / (se / ss), c / sw, w / sw }'
done
echo "grad x: Stan's us per gradient / urn's (inside NUTS, CPU); ESS/g x, ESS/cs x: urn / Stan; cpu/Stan, wall/Stn:"
echo "urn's whole command (CPU, wall) / Stan's compile + sampling wall. samp_s: sampling CPU summed over chains."
