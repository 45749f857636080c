# tests/cli/test_memory.sh — flat memory: the peak RSS of `urn sample --no-summary` on a small model is the same
# (within 25% + 1 MB) after 1,000 and after 100,000 iterations; both figures are printed.  Needs GNU time
# (/usr/bin/time, Debian package `time`); skipped without it.  --native off: the long run would compile its model
# block (the default, auto), and GNU time's peak is the largest of the process and its children: the compiler's.
. tests/cli/lib.sh
[ -x /usr/bin/time ] && /usr/bin/time -f %M true >/dev/null 2>&1 || { echo "skipped: GNU time not installed"; done_tests; exit $?; }
cat > "$TMP/m.stan" <<'STAN'
data { int<lower=0> N; vector[N] y; }
parameters { real mu; real<lower=0> sigma; }
model { mu ~ normal(0, 10); sigma ~ normal(0, 5); y ~ normal(mu, sigma); }
generated quantities { real y_rep = normal_rng(mu, sigma); }
STAN
echo '{"N": 5, "y": [0.3, -1.2, 2.2, 0.9, 1.4]}' > "$TMP/m.json"
peak() { # iterations -> peak RSS in KB
  /usr/bin/time -f "%M" -o "$TMP/rss" "$URN" sample "$TMP/m.stan" --data "$TMP/m.json" --chains 1 --warmup 100 \
    --draws "$1" --seed 5 --output-dir "$TMP/o$1" --refresh 0 --no-summary --native off >/dev/null 2>"$TMP/err" || bad "run of $1 failed: $(head -c 300 "$TMP/err")"
  tail -n 1 "$TMP/rss"
}
small=$(peak 900)
large=$(peak 99900)
echo "peak RSS: $small KB after 1,000 iterations, $large KB after 100,000 iterations"
[ "$(grep -vc '^#' "$TMP/o99900/m-1.csv")" = 99901 ] && ok || bad "the long run's CSV lacks draws"
awk -v s="$small" -v l="$large" 'BEGIN { exit !(s > 0 && l <= 1.25 * s + 1024) }' && ok || bad "memory grew: $small KB -> $large KB"
done_tests
