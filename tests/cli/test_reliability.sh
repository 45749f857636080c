# tests/cli/test_reliability.sh — issue #16 (hostile and careless use) through the CLI: zero-size containers
# everywhere, sizes far beyond the data or beyond memory, files that are not text, byte-order marks, repeated JSON
# keys and CSV columns, integer arithmetic errors, flat sums, print() shapes, models without parameters
# (fixed_param), a tiny --stepsize.  Each case: the exit code and the message (docs/errors.md lists them).
. tests/cli/lib.sh

# ---- zero sizes: declarations, data, transformed data/parameters, generated quantities, CSV, summary, plots ----
cat > "$TMP/zero.stan" <<'STAN'
data {
  int<lower=0> N;
  int<lower=0> K;
  matrix[N, K] X;
  vector[N] y;
  array[N] vector[0] e;
  array[0] int ks;
  array[2, 0] real r2;
  array[3] matrix[0, 2] am;
}
transformed data {
  array[3] vector[0] te = rep_array(rep_vector(0, 0), 3);
  vector[0] v0 = X' * y;
  print("te=", te, " v0=", v0);
}
parameters {
  real alpha;
  vector[K] beta;
  real<lower=0> sigma;
  array[2] vector[0] pe;
  cholesky_factor_corr[0] L0;
  sum_to_zero_vector[0] z0;
}
transformed parameters {
  vector[N] mu = alpha + X * beta;
  array[4] vector[0] tpe;
}
model {
  alpha ~ normal(0, 2);
  beta ~ normal(0, 1);
  sigma ~ normal(0, 1);
  y ~ normal(mu, sigma);
  target += normal_lpdf(v0 | 0, 1);
}
generated quantities {
  array[3] vector[0] g;
  matrix[0, 3] h;
  array[0] int gi;
  real m = K > 0 ? max(beta) : 0;
}
STAN
cat > "$TMP/zero.json" <<'JSON'
{"N": 4, "K": 0, "X": [[], [], [], []], "y": [0.5, -0.2, 1.1, 0.3], "e": [[], [], [], []], "ks": [], "r2": [[], []],
 "am": [[], [], []]}
JSON
expect_exit 0 "$URN" sample "$TMP/zero.stan" --data "$TMP/zero.json" --chains 2 --warmup 100 --draws 50 --seed 2 \
  --output-dir "$TMP/zo" --refresh 0
expect_out "te=[[],[],[]] v0=[]"
head -n 60 "$TMP/zo/zero-1.csv" | grep -v '^#' | head -n 1 > "$TMP/zhead"
[ "$(cat "$TMP/zhead")" = "lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,alpha,sigma,mu.1,mu.2,mu.3,mu.4,m" ] &&
  ok || bad "zero-size columns: header $(cat "$TMP/zhead")"
expect_exit 0 "$URN" summary "$TMP"/zo/zero-*.csv
expect_out "alpha"
for kind in trace posterior rank; do
  expect_exit 0 "$URN" plot $kind "$TMP"/zo/zero-*.csv -o "$TMP/z_$kind.svg"
  [ -s "$TMP/z_$kind.svg" ] && ok || bad "plot $kind of a run with zero-size containers is empty"
done
expect_exit 1 "$URN" plot trace "$TMP"/zo/zero-*.csv -o "$TMP/zb.svg" --vars beta
expect_err "no column 'beta'"
# the regression with K = 0 predictors agrees with the intercept-only model: alpha near mean(y) = 0.425
awk -F, '!/^#/ && NR > 1 && $8 != "alpha" { s += $8; n++ } END { exit !(n == 50 && s / n > -0.6 && s / n < 1.5) }' \
  "$TMP/zo/zero-1.csv" && ok || bad "K = 0 regression: alpha's draws"
# constraint checks on arrays of empty vectors named no element (they divided by zero: SIGFPE)
cat > "$TMP/zb.stan" <<'STAN'
data { int N; array[N] vector<lower=0>[0] y; }
parameters { real mu; }
model { mu ~ normal(0, 1); }
generated quantities { array[3] vector<lower=0>[0] g; matrix<lower=0>[0, 3] h; }
STAN
echo '{"N": 2, "y": [[], []]}' > "$TMP/zb.json"
expect_exit 0 "$URN" sample "$TMP/zb.stan" --data "$TMP/zb.json" --chains 1 --warmup 20 --draws 10 --output-dir "$TMP/zbo" \
  --refresh 0 --no-summary
expect_exit 0 "$URN" check "$TMP/zb.stan" --data "$TMP/zb.json"
# a CSV whose only columns are the sampler's
printf 'lp__,accept_stat__\n0,0\n0,0\n' > "$TMP/only_sampler.csv"
expect_exit 0 "$URN" summary "$TMP/only_sampler.csv"

# ---- huge sizes: checked against the data before anything is allocated ----
cat > "$TMP/hs.stan" <<'STAN'
data { int N; vector[N] y; }
parameters { real mu; }
model { y ~ normal(mu, 1); }
STAN
echo '{"N": 200000000, "y": [1, 2, 3]}' > "$TMP/hs.json"
if [ -x /usr/bin/time ] && /usr/bin/time -f %M true >/dev/null 2>&1; then
  /usr/bin/time -f %M -o "$TMP/rss" "$URN" check "$TMP/hs.stan" --data "$TMP/hs.json" >"$TMP/out" 2>"$TMP/err"
  [ $? = 1 ] && ok || bad "huge size: exit code"
  rss=$(tail -n 1 "$TMP/rss")
  [ "$rss" -lt 60000 ] && ok || bad "a size far beyond the data allocated first: peak RSS $rss KB"
else
  expect_exit 1 "$URN" check "$TMP/hs.stan" --data "$TMP/hs.json"
fi
expect_err "hs.json: variable 'y': dimension 1 has size 3, but the declaration needs 200000000"
echo '{"N": 2000000000, "y": 7}' > "$TMP/hs2.json"
expect_exit 1 "$URN" sample "$TMP/hs.stan" --data "$TMP/hs2.json" --output-dir "$TMP/hso"
expect_err "variable 'y': expected an array with 1 dimension, found number"
# reading JSON data peaks at most 3x the file's size (was 11x): 10 MB of numbers as json.dumps writes them, a
# vector and a matrix (the plain build only: the sanitizers' shadow memory is not the reader's)
if [ -x /usr/bin/time ] && /usr/bin/time -f %M true >/dev/null 2>&1 && ! grep -q __asan_init "$URN" 2>/dev/null; then
  cat > "$TMP/big.stan" <<'STAN'
data { int N; vector[N] y; matrix[N, 2] X; }
parameters { real mu; }
model { y ~ normal(mu, 1); }
STAN
  awk 'BEGIN { n = 200000; srand(3); printf "{\"N\": %d, \"y\": [", n
    for (i = 0; i < n; i++) printf "%s%.17g", (i ? ", " : ""), rand() - 0.5
    printf "], \"X\": ["
    for (i = 0; i < n; i++) printf "%s[%.17g, %.6g]", (i ? ", " : ""), rand() * 100, rand()
    print "]}" }' > "$TMP/big.json"
  size=$(wc -c < "$TMP/big.json")
  /usr/bin/time -f %M -o "$TMP/rss" "$URN" check "$TMP/big.stan" --data "$TMP/big.json" >"$TMP/out" 2>"$TMP/err" ||
    bad "check of a $size-byte JSON file failed: $(head -c 300 "$TMP/err")"
  rss=$(tail -n 1 "$TMP/rss")
  echo "JSON data: $size bytes read with a peak RSS of $rss KB"
  [ "$rss" -le $((3 * size / 1024)) ] && ok || bad "JSON of $size bytes peaked at $rss KB (more than 3x)"
fi
# a request memory cannot meet: a clear error and exit 1, never an abort (1 GB of address space here)
cat > "$TMP/hz.stan" <<'STAN'
parameters { real mu; }
model { array[1000000000] real z; mu ~ normal(0, 1); }
STAN
# (the sanitizers reserve terabytes of address space, so this runs with the plain build only)
if ! grep -q __asan_init "$URN" 2>/dev/null; then
  (ulimit -v 1000000 2>/dev/null; "$URN" sample "$TMP/hz.stan" --chains 1 --warmup 3 --draws 3 --output-dir "$TMP/hzo" \
    --refresh 0 >"$TMP/out" 2>"$TMP/err"; echo $? > "$TMP/rc")
  [ "$(cat "$TMP/rc")" = 1 ] && ok || bad "array[1e9] real: exit $(cat "$TMP/rc") (want 1): $(head -c 300 "$TMP/err")"
  expect_err "z: out of memory: its 1000000000 values (8 GB) cannot be allocated"
fi
cat > "$TMP/hz2.stan" <<'STAN'
transformed data { array[100000, 100000] real z; }
parameters { real mu; }
model { mu ~ normal(0, 1); }
STAN
expect_exit 1 "$URN" check "$TMP/hz2.stan" --data "$TMP/hs.json"
expect_err "z: size too large (1e+10 values; a container holds at most 2^31)"

# an HMM whose forward-backward work memory cannot hold (10000 states over 200000 rows: about 64 GB; 2 GB of
# address space here, so that the answer does not depend on the machine)
if ! grep -q __asan_init "$URN" 2>/dev/null; then
  awk 'BEGIN { print "t,y"; for (i = 0; i < 200000; i++) printf "%d,%.3f\n", i, sin(i) }' > "$TMP/long.csv"
  (ulimit -v 2000000 2>/dev/null; "$URN" hmm fit "$TMP/long.csv" --states 10000 --y y --iters 1 --quiet --init prior \
    >"$TMP/out" 2>"$TMP/err"; echo $? > "$TMP/rc")
  [ "$(cat "$TMP/rc")" = 1 ] && ok || bad "hmm fit beyond memory: exit $(cat "$TMP/rc"): $(head -c 300 "$TMP/err")"
  expect_err "10000 states over a sequence of 200000 time steps need about"
fi

# ---- files that are not text; byte-order marks ----
expect_exit 1 "$URN" check "$TMP/hs.stan" --data /dev/zero
expect_err "/dev/zero: not a text file (a NUL byte at offset 0)"
expect_exit 1 "$URN" sample "$TMP/hs.stan" --data "$TMP" --output-dir "$TMP/dir"
expect_err "$TMP: is a folder, not a file"
expect_exit 1 "$URN" check "$TMP"
expect_err "is a folder, not a file"
printf '\357\273\277parameters { real x; }\nmodel { x ~ normal(0, 1); }\n' > "$TMP/bom.stan"
printf '\357\273\277{"N": 2, "y": [1, 2]}' > "$TMP/bom.json"
expect_exit 0 "$URN" check "$TMP/bom.stan"
expect_exit 0 "$URN" check "$TMP/hs.stan" --data "$TMP/bom.json"
printf '\357\273\277# comment\nlp__,a\n-1,0.5\n-2,0.7\n' > "$TMP/bom.csv"
expect_exit 0 "$URN" summary "$TMP/bom.csv"
printf '\357\273\277t,y\n1,0.5\n2,0.7\n3,2.5\n4,2.4\n5,0.1\n6,2.2\n' > "$TMP/bomh.csv"
expect_exit 0 "$URN" hmm fit "$TMP/bomh.csv" --states 2 --y y --out "$TMP/bomh.json"

# ---- repeated names ----
echo '{"N": 2, "y": [1, 2], "N": 3}' > "$TMP/dup.json"
expect_exit 1 "$URN" check "$TMP/hs.stan" --data "$TMP/dup.json"
expect_err "dup.json:1:23: 'N' appears twice in this object (first at line 1, column 2)"
printf 't,y,y\n1,0.5,1\n2,0.7,2\n' > "$TMP/duph.csv"
expect_exit 1 "$URN" hmm fit "$TMP/duph.csv" --states 2 --y y
expect_err "duph.csv:1: column 'y' appears twice in the header (columns 2 and 3)"

# ---- integers: division by zero and overflow are errors, not numbers ----
echo '{}' > "$TMP/empty.json"
for case in "7 %/% 0|integer division by zero" "7 % 0|integer division by zero" \
            "2147483647 + 1|integer overflow: add(2147483647, 1) = 2147483648" \
            "46341 * 46341|integer overflow: multiply(46341, 46341) = 2147488281"; do
  expr=${case%%|*}; msg=${case#*|}
  printf 'transformed data { int k = %s; }\nparameters { real x; }\nmodel { x ~ normal(0, 1); }\n' "$expr" > "$TMP/int.stan"
  expect_exit 1 "$URN" check "$TMP/int.stan" --data "$TMP/empty.json"
  expect_err "$msg"
done

# ---- a flat sum of 600 terms is not deep nesting ----
{ echo 'parameters { real x; }'; printf 'model { target += -0.5 * x^2'; i=0
  while [ $i -lt 600 ]; do printf ' + 0 * x'; i=$((i+1)); done; echo '; }'; } > "$TMP/flat.stan"
expect_exit 0 "$URN" check "$TMP/flat.stan"

# ---- print() writes containers with their shape, as Stan does ----
cat > "$TMP/print.stan" <<'STAN'
transformed data {
  matrix[2, 3] m = [[1, 2, 3], [4, 5, 6]];
  array[2] vector[2] av = {[1, 2]', [3, 4]'};
  array[2, 2] int ai = {{1, 2}, {3, 4}};
  print("m=", m, " av=", av, " ai=", ai, " rv=", [1.5, 2]);
}
parameters { real x; }
model { x ~ normal(0, 1); }
STAN
expect_exit 0 "$URN" check "$TMP/print.stan" --data "$TMP/empty.json"
expect_out "m=[[1,2,3],[4,5,6]] av=[[1,2],[3,4]] ai=[[1,2],[3,4]] rv=[1.5,2]"

# ---- a model without parameters runs as CmdStan's fixed_param ----
cat > "$TMP/fixed.stan" <<'STAN'
data { int N; }
generated quantities { real y = normal_rng(0, 1); int k = N; }
STAN
echo '{"N": 3}' > "$TMP/n3.json"
expect_exit 0 "$URN" sample "$TMP/fixed.stan" --data "$TMP/n3.json" --chains 2 --draws 20 --seed 4 --output-dir "$TMP/fx" \
  --refresh 0
expect_out "Model contains no parameters, running fixed_param sampler"
[ "$(grep -v '^#' "$TMP/fx/fixed-1.csv" | head -n 1)" = "lp__,accept_stat__,y,k" ] && ok || bad "fixed_param header"
[ "$(grep -vc '^#' "$TMP/fx/fixed-1.csv")" = 21 ] && ok || bad "fixed_param: 20 draws"
grep -q "algorithm = fixed_param" "$TMP/fx/fixed-1.csv" && ok || bad "fixed_param: the method comment"
expect_exit 0 "$URN" summary "$TMP"/fx/fixed-*.csv

# ---- a tiny --stepsize that adaptation lifts is not "stuck" ----
cat > "$TMP/nrm.stan" <<'STAN'
parameters { real x; }
model { x ~ normal(0, 1); }
STAN
expect_exit 0 "$URN" sample "$TMP/nrm.stan" --stepsize 1e-20 --chains 1 --seed 3 --output-dir "$TMP/tiny" --refresh 0 \
  --no-summary
grep -q "collapsed" "$TMP/err" && bad "a recovering tiny step size was reported as collapsed" || ok
done_tests
