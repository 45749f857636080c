#!/bin/sh
# bench/hmm_real/msar.sh — `urn hmm msar` (defaults: 10 restarts, EM to 1e-10) on every statsmodels case of
# tests/data/hmm_msar (tests/data/gen_hmm_msar.py), beside statsmodels' llf and CPU time: the Markov-switching
# rows of docs/hmm.md's real-data table.  Prints CSV case,urn_loglik,urn_cpu_s,statsmodels_llf,statsmodels_cpu_s.
# Usage: sh bench/hmm_real/msar.sh [URN]
URN=${1:-build/urn}
key() { tr -d '\n' < "$1" | sed -n "s/.*\"$2\": *\([^,}]*\).*/\1/p" | tr -d '" '; }
arr() { tr -d '\n' < "$1" | sed -n "s/.*\"$2\": *\[\([^]]*\)\].*/\1/p" | tr -d '" '; }
echo "case,urn_loglik,urn_cpu_s,statsmodels_llf,statsmodels_cpu_s"
for c in tests/data/hmm_msar/*.json; do
  flags=""
  [ "$(key "$c" switching_ar)" = false ] && flags="$flags --shared-ar"
  [ "$(key "$c" switching_variance)" = false ] && flags="$flags --shared-var"
  xc=$(arr "$c" x_columns)
  if [ -n "$xc" ]; then
    flags="$flags --x $xc"
    sc=$(arr "$c" shared_coef | tr ',' '\n' | while read -r i; do [ -n "$i" ] && echo "$xc" | cut -d, -f$((i + 1)); done | paste -sd, -)
    [ -n "$sc" ] && flags="$flags --shared-coef $sc"
  fi
  out=$(mktemp)
  /usr/bin/time -o "$out.t" -f "%U %S" "$URN" hmm msar "$(key "$c" data)" --y "$(key "$c" column)" \
    --states "$(key "$c" num_states)" --order "$(key "$c" order)" $flags --out "$out" 2>/dev/null
  t=$(tail -1 "$out.t" | awk '{ printf "%.2f", $1 + $2 }')
  echo "$(basename "$c" .json),$(key "$out" loglik),$t,$(key "$c" statsmodels_llf),$(key "$c" statsmodels_cpu_s)"
  rm -f "$out" "$out.t"
done
