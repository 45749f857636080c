# tests/cli/test_batch_draws.sh — identical draws for a seed with and without loop batching and fused
# expressions (URN_NOBATCH=1): a radon-shaped batched loop (gathers, an element read back) on its own data, and a
# slice of ../shared/posteriordb (fused vector arguments, a batched AR loop, a mixture loop; skipped without it).
# The whole corpus: make pdb-draws (bench/pdb/draws.sh).
. tests/cli/lib.sh

cat > "$TMP/radon.stan" <<'STAN'
data { int N; int J; array[N] int<lower=1, upper=J> g; vector[N] x; vector[N] y; }
parameters { real<lower=0> s; vector[J] a; vector[J] b; real ma; real<lower=0> sa; }
model {
  vector[N] mu;
  s ~ normal(0, 1); sa ~ normal(0, 1); ma ~ normal(0, 5);
  a ~ normal(ma, sa); b ~ normal(0, 1);
  for (n in 1:N) {
    mu[n] = a[g[n]] + x[n] * b[g[n]];
    target += normal_lpdf(y[n] | mu[n], s);
  }
}
STAN
cat > "$TMP/radon.json" <<'JSON'
{"N": 12, "J": 3, "g": [1, 2, 3, 1, 2, 3, 1, 1, 2, 3, 3, 2],
 "x": [0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 1],
 "y": [1.1, 0.4, 2.2, 0.9, 0.1, 1.4, 1.0, 0.7, 0.3, 1.9, 2.4, -0.2]}
JSON

# same_draws NAME MODEL DATA: one short chain each way, the draws' lines identical
same_draws() {
  rm -rf "$TMP/on" "$TMP/off"
  "$URN" sample "$2" --data "$3" --chains 1 --warmup 100 --draws 60 --seed 3 --refresh 0 --no-summary \
    --output-dir "$TMP/on" >"$TMP/out" 2>"$TMP/err" &&
  URN_NOBATCH=1 "$URN" sample "$2" --data "$3" --chains 1 --warmup 100 --draws 60 --seed 3 --refresh 0 \
    --no-summary --output-dir "$TMP/off" >"$TMP/out" 2>"$TMP/err" || { bad "$1: sampling failed: $(head -c 300 "$TMP/err")"; return; }
  grep -v '^#' "$TMP"/on/*.csv > "$TMP/on.txt"; grep -v '^#' "$TMP"/off/*.csv > "$TMP/off.txt"
  if [ "$(wc -l < "$TMP/on.txt")" -ge 61 ] && cmp -s "$TMP/on.txt" "$TMP/off.txt"; then ok
  else bad "$1: draws differ with URN_NOBATCH=1 ($(cmp "$TMP/on.txt" "$TMP/off.txt"))"; fi
}

same_draws radon-shaped "$TMP/radon.stan" "$TMP/radon.json"

if d=$(shared_dir) && [ -d "$d/posteriordb" ]; then
  for n in earnings-logearn_interaction arK-arK kidiq-kidscore_interaction eight_schools-eight_schools_noncentered \
           mesquite-logmesquite_logvash; do
    p="$d/posteriordb/$n"
    [ -f "$p/model.stan" ] && same_draws "$n" "$p/model.stan" "$p/data.json"
  done
else
  echo "skipped: no ../shared/posteriordb (only the radon-shaped case ran)"
fi
done_tests
