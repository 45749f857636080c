# bench/bench_sample.sh — sampling efficiency of `urn sample` on the tutorial models M1–M5 of
# ../shared/benchmarks (4 chains x 1000 warmup + 1000 draws, as the Stan table there), next to Stan's, as ratios
# (urn / Stan; above 1 is better for urn except in the time columns).  A single run's min bulk-ESS varies by
# +-15% from seed to seed on both sides, so each model runs at every seed of SEEDS (default 3) and the figures are
# means over them; Stan's min bulk-ESS and gradient counts are means over 8-20 seeds measured here with
# bench/stan/ess_seeds.R (see STAN_SEEDS below), its sampling time the README's median of 3 runs:
#   ESS/grad   min bulk-ESS per gradient evaluation (mode search included);
#   ESS/cpu-s  min bulk-ESS per second of sampling CPU (post-warmup, thread CPU clock, summed over chains, the CSV
#              written and flushed per draw included; Stan's figure is its post-warmup sampling time summed over
#              chains on a quiet machine, in memory (rstan writes no file), where it is CPU time);
#   time       the whole `urn sample` command, .stan file to printed summary, as CPU seconds (user + sys) and wall
#              seconds, against Stan's total wall (compile + sampling()).  On a loaded machine wall time inflates;
#              the CPU figure is what a quiet 2-core machine would show as wall times about 1/min(2, chains).
# M4 and M5 start with --init mode (every chain at the best of 8 L-BFGS modes; the search's gradients count);
# M5 is run twice: the forward-loop program (Stan's M5; first seed only, it is the slow one) and
# model_hmm_marginal.stan, both against Stan's M5.
# Needs $URN (set by run_bench.sh) and the shared folder; SEEDS, THREADS and MODELS may be set.
URN=${URN:-build/urn}
S=${URN_SHARED:-../shared}
B="$S/benchmarks"
[ -d "$B" ] || { echo "skipped: no $B"; exit 0; }
SEEDS=${SEEDS:-"20260 1 2"}
THREADS=${THREADS:-2}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

# Stan (rstan 2.21, this kind of machine): total wall, gradient evaluations, sampling time, min bulk-ESS, us/grad.
# STAN_SEEDS: gradients and min bulk-ESS are means over seeds 1..n of bench/stan/ess_seeds.R (2026-11-26: M1 20
# seeds, M2 10, M3 10, M4 8 from inits.json); the rest (and all of M5) is ../shared/benchmarks/README.md's table
# (medians of 3 runs; its single-run min bulk-ESS was 3462, 3945, 2938, 2252, 3435).
stan_row() {
  case $1 in
    m1-normal) echo "27.8 29401 0.10 3226 7.0" ;;
    m2-linreg) echo "30.4 36181 0.82 3681 48.5" ;;
    m3-mixture) echo "36.4 41212 6.73 2873 331.5" ;;
    m4-mixreg) echo "51.6 216923 18.95 2197 190" ;;
    m5-glmhmm*) echo "106.2 312000 55.5 3435 467" ;;
  esac
}

printf '%-12s %2s %7s %7s %8s %7s %6s %7s %6s %8s | %7s %7s %8s %8s %8s\n' model n grads samp_s us/grad minESS \
  ESS/kg ESS/cs cpu_s wall_s "grad x" "ESS/g x" "ESS/cs x" "cpu/Stan" "wall/Stn"
# One run: model m, program prog, seed; appends "grads samp_cpu us_per_grad min_ess cpu wall" to $T/$m.runs.
run_one() {
  m=$1 d=$2 prog=$3 seed=$4 init=$5
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  /usr/bin/time -f "%U %S" -o "$T/$m.time" "$URN" sample "$prog" --data "$d/data.json" --adapt stan --chains 4 --warmup 1000 \
    --draws 1000 --seed "$seed" --threads "$THREADS" --output-dir "$T/$m-$seed" --refresh 0 $init >"$T/$m.out" \
    2>"$T/$m.err"
  rc=$?
  t1=$(date +%s.%N)
  if [ $rc != 0 ]; then
    printf '%-12s seed %s failed (exit %s): %s\n' "$m" "$seed" "$rc" "$(head -c 200 "$T/$m.err" | tr '\n' ' ')"
    return
  fi
  wall=$(echo "$t1 - $t0" | bc -l)
  cpu=$(awk '{ print $1 + $2 }' "$T/$m.time")
  line=$(grep "chains of" "$T/$m.out" | head -n 1)
  grads=$(echo "$line" | sed -n 's/.* \([0-9][0-9]*\) gradient evaluations.*/\1/p')
  samp=$(echo "$line" | sed -n 's/.*sampling \([0-9.e+-]*\) s, .*/\1/p')
  usg=$(echo "$line" | sed -n 's/.* \([0-9.e+-]*\) us per gradient.*/\1/p')
  # min bulk-ESS over the model's quantities (not the sampler's __ columns), from urn summary's CSV output
  ess=$("$URN" summary --csv "$T/$m-$seed"/*.csv 2>/dev/null | awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) { h = $i; gsub(/"/, "", h); if (h == "ess_bulk") c = i; if (h == "variable" || h == "name") v = i } next }
    c { n = $v; gsub(/"/, "", n); if (n ~ /__$/) next; x = $c + 0; if ($c != "NA" && (min == "" || x < min)) min = x }
    END { print (min == "" ? "NA" : min) }')
  rm -rf "$T/$m-$seed"
  [ "$ess" = NA ] || echo "$grads $samp $usg $ess $cpu $wall" >> "$T/$m.runs"
}

for m in ${MODELS:-m1-normal m2-linreg m3-mixture m4-mixreg m5-glmhmm m5-glmhmm-hmm}; do
  dir=${m%-hmm}
  d="$B/$dir"
  prog="$d/model.stan"
  [ "$m" = m5-glmhmm-hmm ] && prog="$d/model_hmm_marginal.stan"
  [ -f "$prog" ] || continue
  init=""
  case $m in m4-*|m5-*) init="--init mode" ;; esac
  seeds=$SEEDS
  [ "$m" = m5-glmhmm ] && seeds=${SEEDS%% *}
  : > "$T/$m.runs"
  for seed in $seeds; do run_one "$m" "$d" "$prog" "$seed" "$init"; done
  [ -s "$T/$m.runs" ] || continue
  set -- $(stan_row $m)
  awk -v m=$m -v sw=$1 -v sg=$2 -v ss=$3 -v se=$4 -v su=$5 '
    { g += $1; s += $2; u += $3; e += $4; c += $5; w += $6; n++ }
    END {
      g /= n; s /= n; u /= n; e /= n; c /= n; w /= n
      printf "%-12s %2d %7d %7.3f %8.2f %7.0f %6.1f %7.0f %6.2f %8.2f | %7.2f %7.2f %8.2f %8.3f %8.3f\n", m, n, g, s, u,
        e, 1000 * e / g, e / s, c, w, su / u, (e / g) / (se / sg), (e / s) / (se / ss), c / sw, w / sw }' "$T/$m.runs"
done
echo "grad x: Stan's us per gradient / urn's (inside NUTS, CPU); ESS/g x, ESS/cs x: urn / Stan; cpu/Stan, wall/Stn:"
echo "urn's whole command (CPU, wall) / Stan's compile + sampling wall. samp_s: sampling CPU summed over chains."
echo "n: seeds averaged (SEEDS=\"$SEEDS\"); every column is the mean over them."
