# bench/bench_sample.sh — sampling efficiency of `urn sample` on the tutorial models M1–M5 of
# ../shared/benchmarks (4 chains x 1000 warmup + 1000 draws, as the Stan table there), next to Stan's
# figures from that README: wall time from the .stan file to the printed summary, gradient evaluations,
# post-warmup sampling time summed over chains, min bulk-ESS over the parameters, bulk-ESS per second of
# sampling time and per second of total wall, bulk-ESS per 1000 gradient evaluations, and the ratios to Stan:
# total wall, ESS/s of sampling (wall), ESS/s of sampling CPU (the CPU time's sampling share), ESS per gradient.
# Needs $URN (set by run_bench.sh) and the shared folder; SEED, THREADS and MODELS may be set.
URN=${URN:-build/urn}
S=${URN_SHARED:-../shared}
B="$S/benchmarks"
[ -d "$B" ] || { echo "skipped: no $B"; exit 0; }
SEED=${SEED:-20260}
THREADS=${THREADS:-2}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

# Stan (rstan 2.21, this kind of machine): total wall, gradient evaluations, sampling time, min bulk-ESS
stan_row() {
  case $1 in
    m1-normal) echo "27.8 28900 0.10 3462" ;;
    m2-linreg) echo "30.4 35300 0.82 3945" ;;
    m3-mixture) echo "36.4 41200 6.73 2938" ;;
    m4-mixreg) echo "51.6 204000 18.95 2252" ;;
    m5-glmhmm) echo "106.2 312000 55.5 3435" ;;
  esac
}

printf '%-11s %7s %7s %8s %8s %7s %7s %8s %8s %9s | %9s %9s %9s %9s\n' model wall_s cpu_s us/grad grads samp_s \
  minESS ESS/s ESS/wall ESS/kgrad "wall/Stan" "ESS/s x" "ESScpu x" "ESS/grad x"
for m in ${MODELS:-m1-normal m2-linreg m3-mixture m4-mixreg m5-glmhmm}; do
  d="$B/$m"
  [ -f "$d/model.stan" ] || continue
  init=""
  # M4/M5: the references were computed from chains started at the generating values (see the README)
  case $m in m4-mixreg|m5-glmhmm) [ -f "$d/inits.json" ] && init="--init $d/inits.json" ;; esac
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  /usr/bin/time -f "%U %S" -o "$T/$m.time" "$URN" sample "$d/model.stan" --data "$d/data.json" --chains 4 --warmup 1000 --draws 1000 --seed "$SEED" \
    --threads "$THREADS" --output-dir "$T/$m" --refresh 0 $init >"$T/$m.out" 2>"$T/$m.err"
  rc=$?
  t1=$(date +%s.%N)
  if [ $rc != 0 ]; then
    printf '%-11s failed (exit %s): %s\n' "$m" "$rc" "$(head -c 200 "$T/$m.err" | tr '\n' ' ')"
    continue
  fi
  wall=$(echo "$t1 - $t0" | bc -l)
  cpu=$(awk '{ print $1 + $2 }' "$T/$m.time")
  warm=$(cat "$T/$m"/*.csv | sed -n 's/^#  Elapsed Time: *\([0-9.]*\) seconds (Warm-up)/\1/p' | awk '{ s += $1 } END { print s }')
  grads=$(sed -n 's/.* \([0-9][0-9]*\) gradient evaluations.*/\1/p' "$T/$m.out" | head -n 1)
  samp=$(cat "$T/$m"/*.csv | sed -n 's/^# *\([0-9.]*\) seconds (Sampling)/\1/p' | awk '{ s += $1 } END { print s }')
  # min bulk-ESS over the model's quantities (not the sampler's __ columns), from urn summary's CSV output
  ess=$("$URN" summary --csv "$T/$m"/*.csv 2>/dev/null | awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) { h = $i; gsub(/"/, "", h); if (h == "ess_bulk") c = i; if (h == "variable" || h == "name") v = i } next }
    c { n = $v; gsub(/"/, "", n); if (n ~ /__$/) next; x = $c + 0; if ($c != "NA" && (min == "" || x < min)) min = x }
    END { print (min == "" ? "NA" : min) }')
  set -- $(stan_row $m)
  awk -v m=$m -v w="$wall" -v c="$cpu" -v g="$grads" -v s="$samp" -v e="$ess" -v sw=$1 -v sg=$2 -v ss=$3 -v se=$4 -v wu="$warm" 'BEGIN {
    sc = c * s / (s + wu) # sampling share of the CPU time (the machine may be loaded: wall times inflate)
    if (e == "NA") { printf "%-11s %7.2f %7.2f %8.1f %8d %7.2f %7s\n", m, w, c, 1e6 * c / g, g, s, "NA"; exit }
    printf "%-11s %7.2f %7.2f %8.1f %8d %7.2f %7.0f %8.0f %8.1f %9.1f | %9.3f %9.2f %9.2f %9.2f\n", m, w, c, 1e6 * c / g,
      g, s, e, e / s, e / w, 1000 * e / g, w / sw, (e / s) / (se / ss), (e / sc) / (se / ss), (e / g) / (se / sg) }'
done
