#!/bin/sh
# bench/stan/urn_seeds.sh — urn's side of bench/stan/ess_seeds.R: one tutorial model sampled at seeds 1..n,
# 4 chains x 1000/1000 on one thread, one line per seed (space-separated):
#   model seed min_bulk_ess min_tail_ess per-quantity_bulk_ess post-warmup_gradients mean_stepsize
# Usage: URN=build/urn sh bench/stan/urn_seeds.sh SHARED_BENCHMARKS_DIR MODEL N [urn sample options...]
# (M4/M5: pass --init DIR/MODEL/inits.json to start where Stan's runs start).
URN=${URN:-build/urn}
B=$1/$2 m=$2 n=$3
shift 3
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
for seed in $(seq 1 "$n"); do
  o=$T/out-$seed
  "$URN" sample "$B/model.stan" --data "$B/data.json" --adapt stan --chains 4 --seed "$seed" --threads 1 --output-dir "$o" \
    --refresh 0 --no-summary "$@" >/dev/null 2>&1 || { echo "$m $seed failed"; continue; }
  ess=$("$URN" summary --csv "$o"/*.csv | awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) { h = $i; gsub(/"/, "", h); if (h == "ess_bulk") c = i; if (h == "ess_tail") t = i }
              next }
    { v = $1; gsub(/"/, "", v); if (v ~ /__$/) next
      if (min == "" || $c + 0 < min) min = $c + 0
      if (tmin == "" || $t + 0 < tmin) tmin = $t + 0
      all = all sprintf("%.0f,", $c) }
    END { print min, tmin, all }')
  lf=$(cat "$o"/*.csv | grep -v '^#' | grep -v '^lp__' | awk -F, '{ s += $5 } END { print s }')
  eps=$(for f in "$o"/*.csv; do grep -v '^#' "$f" | sed -n 2p | cut -d, -f3; done | awk '{ s += $1 } END { printf "%.4f", s / NR }')
  echo "$m $seed $ess $lf $eps"
  rm -rf "$o"
done
