#!/bin/sh
# bench/hmm_real/urn.sh — urn's maximum-likelihood fits of the real-data cases of
# bench/hmm_real/peers.py with the defaults of `urn hmm fit` (search restarts, converged EM).
# Prints CSV case,peer,loglik,cpu_s like peers.py.  Usage: sh bench/hmm_real/urn.sh [URN]
URN=${1:-build/urn}
R=tests/data/hmm_real
echo "case,peer,loglik,cpu_s"
while read -r name file cols kind K; do
  out=$(mktemp)
  /usr/bin/time -o "$out.t" -f "%U %S" "$URN" hmm fit "$R/$file" --y "$cols" --emission "$kind" --states "$K" --prior none \
    --quiet --out "$out" 2>/dev/null
  t=$(tail -1 "$out.t")
  ll=$(tr -d '\n' < "$out" | sed -n 's/.*"loglik": \([-0-9.e+]*\).*/\1/p')
  echo "$name,urn,$ll,$(echo "$t" | awk '{ printf "%.2f", $1 + $2 }')"
  rm -f "$out" "$out.t"
done <<'CASES'
lynx_poisson_K2 lynx.csv lynx poisson 2
lynx_poisson_K3 lynx.csv lynx poisson 3
nile_gauss_K2 nile.csv flow gaussian 2
nile_gauss_K3 nile.csv flow gaussian 3
faithful_waiting_K2 faithful.csv waiting gaussian 2
faithful_waiting_K3 faithful.csv waiting gaussian 3
faithful_2d_K3 faithful.csv eruptions,waiting gaussian 3
fedfunds_gauss_K2 fedfunds.csv rate gaussian 2
fedfunds_gauss_K3 fedfunds.csv rate gaussian 3
CASES
