#!/bin/sh
# bench/m5sd/run_urn.sh — urn side of the M5 sd-spread study: for each seed, 4 chains x 1000/1000 of
# model_hmm_marginal.stan from inits.json (no mode search), one thread, then appends the run's statistics to
# bench/m5sd/{quantities,sampler}.tsv.  The CSVs go to /tmp/m5sd/urn/sSEED (not committed).
# INIT=mode starts the chains at the best of 8 L-BFGS modes instead (urn sample --init mode, what the
# conformance runs with --init-mode 8 do).
# Usage (from the worktree root): [INIT=mode] sh bench/m5sd/run_urn.sh OUTDIR ENGINE_LABEL SEED...
set -e
out=$1; label=$2; shift 2
B=../shared/benchmarks/m5-glmhmm
init=${INIT:-$B/inits.json}
for s in "$@"; do
  d=/tmp/m5sd/$label/s$s
  rm -rf "$d"; mkdir -p "$d"
  nice -n 5 build/urn sample $B/model_hmm_marginal.stan --data $B/data.json --adapt stan --init "$init" --seed "$s" \
    --threads 1 --refresh 0 --no-summary --output-dir "$d" >/dev/null
  nice -n 5 Rscript bench/m5sd/summarise_urn.R "$out" "$label" "$s"  "$d"
  echo "$label seed $s done"
done
