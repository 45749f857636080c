# tests/cli/test_native.sh — urn sample --native: the same draws for a seed with the native tier off, on (compiled in
# the background, the chains switching when it is ready) and wait (compiled first), batched and not (URN_NOBATCH=1);
# the status line names what ran; a program outside the subset and a missing compiler sample as before; the default
# (auto) uses a cached object silently, compiles nothing for a short run, and an unwritable cache or no compiler on
# PATH leave the interpreter's draws (silent by default); `urn cache` lists and clears; a bad mode is a usage error.  Skips the compiled cases (one line) without a C compiler.
. tests/cli/lib.sh

# a radon-shaped model (gathers, an element read back) and its data: tests/data/radon_small.{stan,json}
cp tests/data/radon_small.stan "$TMP/radon.stan"; cp tests/data/radon_small.json "$TMP/radon.json"
cat > "$TMP/iff.stan" <<'STAN'
data { int N; vector[N] y; }
parameters { real m; }
model { int k = 1; while (k <= N) { y[k] ~ normal(m, 1); k += 1; } }
STAN

# fused vectorised arguments (gathers, .*, scalar coefficients): batched, the native tier runs them; URN_NOBATCH=1
# makes them vector expressions, outside its subset
cat > "$TMP/fused.stan" <<'STAN'
data { int N; int J; array[N] int<lower=1, upper=J> g; vector[N] x; vector[N] y; }
parameters { real<lower=0> s; vector[J] a; vector[J] b; real ma; real c; }
model { s ~ normal(0, 1); ma ~ normal(0, 5); a ~ normal(ma, 2); b ~ normal(0, 1); c ~ normal(0, 1);
  y ~ normal(a[g] + x .* b[g], s); y ~ normal(ma + c * x, s * 2); }
STAN

# densities inside expressions and rows of 2-D arrays as arguments (capture-recapture M0 / Mt shapes): the native
# order is the ordinary one (URN_NOBATCH=1: on); batched, the lanes may round otherwise (the check decides)
cat > "$TMP/m0.stan" <<'STAN'
data { int N; int J; array[N] int<lower=1, upper=J> g; vector[N] x; vector[N] y; }
transformed data { array[N, 2] int z; for (n in 1:N) { z[n, 1] = g[n] - 1; z[n, 2] = g[n] > 1; } }
parameters { real<lower=0, upper=1> om; real<lower=0, upper=1> p; real m; }
model { m ~ normal(0, 1);
  for (n in 1:N) {
    if (g[n] > 1) target += bernoulli_lpmf(1 | om) + binomial_lpmf(z[n] | 2, p);
    else target += log_sum_exp(bernoulli_lpmf(1 | om) + binomial_lpmf(z[n] | 2, p), bernoulli_lpmf(0 | om));
    target += normal_lpdf(y[n] | m * p, 2);
  } }
STAN

# vector and matrix arguments: a GLM on a matrix, dirichlet on a simplex, multi_normal on a vector parameter,
# a matrix-vector product
cat > "$TMP/glm.stan" <<'STAN'
data { int N; int J; array[N] int<lower=1, upper=J> g; vector[N] x; vector[N] y; }
transformed data { matrix[N, 2] X = append_col(x, y); array[N] int z; for (n in 1:N) z[n] = g[n] > 1;
  vector[3] al = [1, 2, 3]'; matrix[3, 3] S = diag_matrix(rep_vector(1, 3)); }
parameters { real a; vector[2] b; simplex[3] th; vector[3] m; }
model { a ~ normal(0, 1); b ~ normal(0, 1); z ~ bernoulli_logit_glm(X, a, b); th ~ dirichlet(al);
  m ~ multi_normal(al, S); y ~ normal(X * b, 2); }
STAN

# a hand-written hmm forward algorithm (posteriordb's hmm_drive shape): 2-D and 1-D real array locals, x[i, j] of
# them and of an array of simplexes, log_sum_exp of a local and of a local's row, dirichlet on data matrix rows;
# batched, the inner loop's store is emitted as the interpreter's lanes (its invariant density evaluated once): on both
cat > "$TMP/hmm.stan" <<'STAN'
data { int N; vector[N] x; vector[N] y; }
transformed data { matrix[2, 2] A = [[2, 1], [1, 3]]; }
parameters { array[2] simplex[2] th; positive_ordered[2] mu; }
model { for (k in 1:2) target += dirichlet_lpdf(th[k] | A[k, :]');
  mu ~ normal(1, 2);
  { array[2] real acc; array[N, 2] real gam;
    for (k in 1:2) gam[1, k] = normal_lpdf(y[1] | mu[k], 1);
    for (t in 2:N) for (k in 1:2) {
      for (j in 1:2) acc[j] = gam[t - 1, j] + log(th[j, k]) + normal_lpdf(y[t] | mu[k], 1);
      gam[t, k] = log_sum_exp(acc); }
    target += log_sum_exp(gam[N]); } }
STAN

# locals declared in a loop (LDA's shape: an array per iteration, its log_sum_exp) and an int local as an index
# (rats' shape): URN_NOBATCH=1 on; batched (the loop's lanes round otherwise) the same draws whatever runs
cat > "$TMP/lda.stan" <<'STAN'
data { int N; int J; array[N] int<lower=1, upper=J> g; vector[N] x; vector[N] y; }
parameters { array[J] simplex[3] th; vector[J] a; real<lower=0> s; }
model { a ~ normal(0, 1); s ~ normal(0, 1);
  for (n in 1:N) { array[3] real gam; int j = g[n];
    for (k in 1:3) gam[k] = log(th[j, k]) + normal_lpdf(y[n] | a[j] * k, s);
    target += log_sum_exp(gam); } }
STAN

# log_mix of densities and to_vector of a matrix parameter: URN_NOBATCH=1 on; batched the same draws
cat > "$TMP/mix.stan" <<'STAN'
data { int N; vector[N] y; }
parameters { real<lower=0, upper=1> th; ordered[2] mu; matrix[2, 2] Z; }
model { mu ~ normal(0, 3); to_vector(Z) ~ normal(0, 1);
  for (n in 1:N) target += log_mix(th, normal_lpdf(y[n] | mu[1], 1), normal_lpdf(y[n] | mu[2], 1)); }
STAN

# the capture-recapture models' batched loop (Mth): loop-invariant densities of a parameter in both branches of an
# if (computed once for all lanes: batch.c's order), a matrix row of a transformed parameter as a density argument
# (session 10): on, batched and not
cat > "$TMP/mth.stan" <<'STAN'
data { int N; int J; array[N] int<lower=1, upper=J> g; vector[N] x; vector[N] y; }
transformed data { array[N, 3] int Y; for (n in 1:N) for (t in 1:3) Y[n, t] = (x[n] * t > y[n]); }
parameters { real<lower=0, upper=1> om; vector[3] mp; real<lower=0> sig; vector[N] e; }
transformed parameters { matrix[N, 3] lp; for (t in 1:3) lp[:, t] = mp[t] + sig * e; }
model { e ~ normal(0, 1); sig ~ normal(0, 1); mp ~ normal(0, 1);
  for (n in 1:N) {
    if (g[n] > 1) target += bernoulli_lpmf(1 | om) + bernoulli_logit_lpmf(Y[n] | lp[n]);
    else target += log_sum_exp(bernoulli_lpmf(1 | om) + bernoulli_logit_lpmf(Y[n] | lp[n]), bernoulli_lpmf(0 | om));
  } }
STAN

# column segments (the ecdc models' deaths[a:b, m] ~ neg_binomial_2(E_deaths[a:b, m], phi)): on, batched and not
cat > "$TMP/seg.stan" <<'STAN'
data { int N; int J; array[N] int<lower=1, upper=J> g; vector[N] x; vector[N] y; }
transformed data { array[N, 2] int D; for (n in 1:N) { D[n, 1] = g[n]; D[n, 2] = 2 * g[n]; } }
parameters { matrix[N, 2] E; real<lower=0> phi; }
transformed parameters { matrix[N, 2] Ee = exp(E); }
model { to_vector(E) ~ normal(0, 1); phi ~ normal(0, 2);
  for (m in 1:2) D[m:N, m] ~ neg_binomial_2(Ee[m:N, m], phi);
  y[2:5] ~ normal(E[2:5, 1], 1); }
STAN

# sum of a parameter's slice (a seasonal state-space term) and of a local: URN_NOBATCH=1 on; batched the same draws
cat > "$TMP/sum.stan" <<'STAN'
data { int N; vector[N] y; }
parameters { vector[N] b; real<lower=0> s; }
model { b ~ normal(0, 1); s ~ normal(0, 1); y ~ normal(b, 1);
  for (t in 4:N) b[t] ~ normal(-sum(b[t - 3:t - 1]), s);
  { array[3] real w; for (i in 1:3) w[i] = b[i] * 2; target += sum(w); } }
STAN
# the transformed parameters block and user functions (the loss-curve shape): a conditional on data between two
# functions in a loop, a product reading the block's vector at a gather, a scale (s * a)[g] (a vector expression
# at a data index); URN_NOBATCH=1: the whole block is native
cat > "$TMP/tpfn.stan" <<'STAN'
functions { real gw(real t, real om, real th) { return 1 - exp(-(t / th) ^ om); }
  real gl(real t, real om, real th) { real pw = t ^ om; return pw / (pw + th ^ om); } }
data { int N; int J; array[N] int<lower=1, upper=J> g; vector[N] x; vector[N] y; }
parameters { real<lower=0> om; real<lower=0> th; vector<lower=0>[J] a; real<lower=0> s; }
transformed parameters { vector[J] gf; vector[N] lm;
  for (j in 1:J) gf[j] = j == 2 ? gw(j * 0.5, om, th) : gl(j * 0.5, om, th);
  for (n in 1:N) lm[n] = a[g[n]] * (x[n] + 1) * gf[g[n]]; }
model { om ~ lognormal(0, 0.5); th ~ lognormal(0, 0.5); a ~ lognormal(0, 1); s ~ lognormal(0, 0.7);
  y ~ normal(lm, (s * a)[g]); }
STAN

# session 11: dogs' transformed parameters (a matrix filled by a recursion on data, then by batched stores p[j, t] =
# b[1] + b[2] * na[j, t] + ... emitted as the lanes make them) and bones' 3-D local arrays (batched stores of
# data-dependent length, 1 to 3 iterations; an element copied; an if on data): on, batched and not
cat > "$TMP/bones.stan" <<'STAN'
data { int N; int J; array[N] int<lower=1, upper=J> g; vector[N] x; vector[N] y; }
transformed data { array[N] int z; for (n in 1:N) z[n] = y[n] > 1; }
parameters { vector[3] b; array[J] real th; }
transformed parameters { matrix[J, 4] na; matrix[J, 4] p;
  for (j in 1:J) { na[j, 1] = 0; for (t in 2:4) na[j, t] = na[j, t - 1] + 1 - z[4 * (j - 1) + t - 1];
    for (t in 1:4) p[j, t] = b[1] + b[2] * na[j, t] + b[3] * x[4 * (j - 1) + t]; } }
model { array[J, 4, 4] real P; array[J, 4, 3] real Q;
  b ~ normal(0, 2); th ~ normal(0, 2);
  for (j in 1:J) for (t in 1:4) z[4 * (j - 1) + t] ~ bernoulli_logit(p[j, t]);
  for (i in 1:J) for (j in 1:4) {
    for (k in 1:g[j]) Q[i, j, k] = inv_logit(1.5 * (th[i] - k));
    P[i, j, 1] = 1 - Q[i, j, 1];
    for (k in 2:g[j]) P[i, j, k] = Q[i, j, k - 1] - Q[i, j, k];
    P[i, j, g[j] + 1] = Q[i, j, g[j]];
    if (g[4 * (i - 1) + j] != 2) target += log(P[i, j, g[4 * (i - 1) + j]]); } }
STAN

# dogs_hierarchical's increments (session 11): `real p = a ^ s * b ^ v; z ~ bernoulli(p)` in a batched loop, three
# partials on a path: emitted as the lanes make them (one node per increment with the lanes' products)
cat > "$TMP/dogsh.stan" <<'STAN'
data { int N; int J; array[N] int<lower=1, upper=J> g; vector[N] x; vector[N] y; }
transformed data { array[N] int z; for (n in 1:N) z[n] = y[n] > 1; }
parameters { real<lower=0, upper=1> a; real<lower=0, upper=1> b; }
model { for (n in 1:N) { real p = a ^ g[n] * b ^ (4 - g[n]); z[n] ~ bernoulli(p); } }
STAN

# run NAME MODEL DATA [--native MODE] (env as given; UCACHE: the cache home, else $TMP/cache; UPATH: urn's PATH): one chain of 200 + 80, the draws' lines into $TMP/NAME.txt
run() {
  n=$1 mo=$2 da=$3; shift 3
  rm -rf "$TMP/o-$n"
  XDG_CACHE_HOME="${UCACHE:-$TMP/cache}" PATH="${UPATH:-$PATH}" "$URN" sample "$mo" --data "$da" --chains 1 --warmup 200 --draws 80 --seed 5 --refresh 0 \
    --no-summary --output-dir "$TMP/o-$n" "$@" >"$TMP/out" 2>"$TMP/err-$n" || { bad "$n: sampling failed: $(head -c 300 "$TMP/err-$n")"; return 1; }
  grep -v '^#' "$TMP/o-$n"/*.csv > "$TMP/$n.txt"
}
same() {
  if [ "$(wc -l < "$TMP/$1.txt")" -ge 81 ] && cmp -s "$TMP/$1.txt" "$TMP/$2.txt"; then ok; else bad "$2: draws differ from $1"; fi
}
# four_ways NAME MODEL WHERE LABEL: off and wait, batched and with URN_NOBATCH=1, the same draws each way; the
# native code must switch on batched (WHERE contains b) and / or unbatched (n)
four_ways() {
  fw=$1 fm=$2 fwhere=$3 flabel=$4
  run $fw-off "$fm" "$TMP/radon.json" --native off
  run $fw-wait "$fm" "$TMP/radon.json" --native wait && same $fw-off $fw-wait
  case $fwhere in *b*) grep -q '^native: on' "$TMP/err-$fw-wait" && ok || bad "$flabel, batched: $(cat "$TMP/err-$fw-wait")" ;; esac
  URN_NOBATCH=1 run $fw-nb-off "$fm" "$TMP/radon.json" --native off
  URN_NOBATCH=1 run $fw-nb-wait "$fm" "$TMP/radon.json" --native wait && same $fw-nb-off $fw-nb-wait
  case $fwhere in *n*) grep -q '^native: on' "$TMP/err-$fw-nb-wait" && ok || bad "$flabel: $(cat "$TMP/err-$fw-nb-wait")" ;; esac
}

if ! command -v cc >/dev/null 2>&1; then
  echo "skipped: no C compiler (cc) on PATH"
else
  run off "$TMP/radon.stan" "$TMP/radon.json" --native off
  run wait "$TMP/radon.stan" "$TMP/radon.json" --native wait && same off wait
  grep -q '^native: on' "$TMP/err-wait" && ok || bad "wait: $(cat "$TMP/err-wait")"
  run on "$TMP/radon.stan" "$TMP/radon.json" --native on && same off on
  grep -q '^native: ' "$TMP/err-on" && ok || bad "on: no status line"
  ls "$TMP/cache/urn/"urn-native-*.so >/dev/null 2>&1 && ok || bad "no compiled object in the cache"
  URN_NOBATCH=1 run nb-off "$TMP/radon.stan" "$TMP/radon.json"
  URN_NOBATCH=1 run nb-wait "$TMP/radon.stan" "$TMP/radon.json" --native wait && same nb-off nb-wait
  run if-off "$TMP/iff.stan" "$TMP/radon.json"
  run if-wait "$TMP/iff.stan" "$TMP/radon.json" --native wait && same if-off if-wait
  grep -q 'interpreter only (.*a statement outside the native subset)' "$TMP/err-if-wait" && ok || bad "while: $(cat "$TMP/err-if-wait")"
  run fu-off "$TMP/fused.stan" "$TMP/radon.json"
  run fu-wait "$TMP/fused.stan" "$TMP/radon.json" --native wait && same fu-off fu-wait
  grep -q '^native: on' "$TMP/err-fu-wait" && ok || bad "fused: $(cat "$TMP/err-fu-wait")"
  URN_NOBATCH=1 run fu-nb-off "$TMP/fused.stan" "$TMP/radon.json"
  URN_NOBATCH=1 run fu-nb-wait "$TMP/fused.stan" "$TMP/radon.json" --native wait && same fu-nb-off fu-nb-wait
  run m0-off "$TMP/m0.stan" "$TMP/radon.json"
  run m0-wait "$TMP/m0.stan" "$TMP/radon.json" --native wait && same m0-off m0-wait
  URN_NOBATCH=1 run m0-nb-off "$TMP/m0.stan" "$TMP/radon.json"
  URN_NOBATCH=1 run m0-nb-wait "$TMP/m0.stan" "$TMP/radon.json" --native wait && same m0-nb-off m0-nb-wait
  grep -q '^native: on' "$TMP/err-m0-nb-wait" && ok || bad "M0 shape: $(cat "$TMP/err-m0-nb-wait")"
  run glm-off "$TMP/glm.stan" "$TMP/radon.json"
  run glm-wait "$TMP/glm.stan" "$TMP/radon.json" --native wait && same glm-off glm-wait
  grep -q '^native: on' "$TMP/err-glm-wait" && ok || bad "GLM: $(cat "$TMP/err-glm-wait")"
  four_ways hmm "$TMP/hmm.stan" bn "hmm forward algorithm"
  four_ways lda "$TMP/lda.stan" n "LDA shape"
  four_ways mix "$TMP/mix.stan" n "log_mix"
  four_ways seg "$TMP/seg.stan" n "column segments"
  four_ways sum "$TMP/sum.stan" n "sum of a slice"
  four_ways tp "$TMP/tpfn.stan" n "transformed parameters"
  four_ways mth "$TMP/mth.stan" bn "capture-recapture (invariants, matrix rows)"
  four_ways bones "$TMP/bones.stan" bn "dogs' transformed parameters, bones' 3-D locals"
  four_ways dogsh "$TMP/dogsh.stan" bn "dogs_hierarchical's increments"
  CC=/nonexistent/cc run nocc "$TMP/radon.stan" "$TMP/radon.json" --native wait && same off nocc
  grep -q 'no C compiler' "$TMP/err-nocc" && ok || bad "no compiler: $(cat "$TMP/err-nocc")"
  # the default (auto): the cached object is used at once (--native auto says so; a run without the option is
  # silent and marks the object used: its mtime), the same draws
  run auto "$TMP/radon.stan" "$TMP/radon.json" --native auto && same off auto
  grep -q '^native: on (the same bits.*us against' "$TMP/err-auto" && ok || bad "auto, cached: $(cat "$TMP/err-auto")"
  so=$(ls "$TMP/cache/urn/"urn-native-*.so | head -n 1)
  for f in "$TMP/cache/urn/"urn-native-*.so; do touch -d '2001-01-01' "$f"; done
  run default "$TMP/radon.stan" "$TMP/radon.json" && same off default
  [ ! -s "$TMP/err-default" ] && ok || bad "default: stderr not empty: $(cat "$TMP/err-default")"
  n=$(find "$TMP/cache/urn" -name 'urn-native-*.so' -newermt '2002-01-01' | wc -l)
  [ "$n" -ge 1 ] && ok || bad "default: no cached object was loaded"
  # a fresh cache, a short run: nothing compiled, nothing written
  UCACHE="$TMP/fresh" run short "$TMP/radon.stan" "$TMP/radon.json" && same off short
  [ -z "$(ls "$TMP/fresh/urn" 2>/dev/null)" ] && ok || bad "short run wrote $(ls "$TMP/fresh/urn")"
  # an unwritable cache (a file where the folder should be): the interpreter, the same draws, one line with --native
  : > "$TMP/notadir"
  UCACHE="$TMP/notadir" run ro "$TMP/radon.stan" "$TMP/radon.json" --native on && same off ro
  grep -q '^native: interpreter only (cannot make' "$TMP/err-ro" && ok || bad "unwritable cache: $(cat "$TMP/err-ro")"
  UCACHE="$TMP/notadir" run ro-default "$TMP/radon.stan" "$TMP/radon.json" && same off ro-default
  [ ! -s "$TMP/err-ro-default" ] && ok || bad "unwritable cache, default: $(cat "$TMP/err-ro-default")"
  sed 's/normal(0, 5)/normal(0, 6)/' "$TMP/radon.stan" > "$TMP/radon6.stan"
  # two processes compiling the same program into one cache at once: both load a complete object (renamed into
  # place), the same draws, one object and no temporary file left
  UCACHE="$TMP/twin" run twin1 "$TMP/radon6.stan" "$TMP/radon.json" --native wait &
  UCACHE="$TMP/twin" run twin2 "$TMP/radon6.stan" "$TMP/radon.json" --native wait; wait
  same twin1 twin2
  grep -q '^native: on' "$TMP/err-twin1" && grep -q '^native: on' "$TMP/err-twin2" && ok || bad "twins: $(cat "$TMP/err-twin1" "$TMP/err-twin2")"
  [ "$(ls "$TMP/twin/urn")" = "$(ls "$TMP/twin/urn" | grep '^urn-native-[0-9a-f]*\.so$')" ] && [ "$(ls "$TMP/twin/urn" | wc -l)" = 1 ] \
    && ok || bad "twins left: $(ls "$TMP/twin/urn")"
  # a compile removes the leftovers of runs killed while compiling (their process gone), not a live process's
  for x in c tmp log; do : > "$TMP/cache/urn/urn-native-0123456789abcdef.so.999999999.$x"; done
  : > "$TMP/cache/urn/urn-native-0123456789abcdef.so.$$.c"
  run r6 "$TMP/radon6.stan" "$TMP/radon.json" --native wait
  [ -z "$(ls "$TMP/cache/urn" | grep 999999999)" ] && [ -f "$TMP/cache/urn/urn-native-0123456789abcdef.so.$$.c" ] \
    && ok || bad "stale files: $(ls "$TMP/cache/urn")"
  rm -f "$TMP/cache/urn/urn-native-0123456789abcdef.so.$$.c"
  printf '#!/bin/sh\nsleep 600\nexec cc "$@"\n' > "$TMP/slowcc"; chmod +x "$TMP/slowcc"
  # the default's projection uses the gradients per iteration the run measures (after a chain's first adaptation
  # window, reported every 16 iterations): a short run's status line names the mean n_leapfrog__ of its iterations
  # 76 .. 267 (75 + 12 x 16; --save-warmup: all 280 in the CSV), nothing compiled
  UCACHE="$TMP/proj" run proj "$TMP/radon.stan" "$TMP/radon.json" --native auto --save-warmup
  g=$(grep -v '^#' "$TMP/o-proj"/*.csv | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "n_leapfrog__") c = i; next }
    NR > 76 && NR <= 268 { s += $c; n++ } END { printf "%.4g", s / n }')
  grep -q "^native: not compiled (projected .* s of interpreted gradients: $g gradients per iteration over 192 iterations" \
    "$TMP/err-proj" && [ -z "$(ls "$TMP/proj/urn" 2>/dev/null)" ] && ok || bad "projection, short run ($g): $(cat "$TMP/err-proj")"
  # a deep-tree job (a fixed step size of 0.0002, no warmup: every iteration 255 leapfrog steps at --max-depth 8) of
  # 20,000 iterations: one gradient an iteration (before any report) projects well under 10x a compile, the
  # measured 255 well over it: the compile starts at the first report (iterations 11 .. 26); stopped (SIGTERM) once
  # its compiler (a sleeping wrapper) runs
  XDG_CACHE_HOME="$TMP/deep" CC="$TMP/slowcc" "$URN" sample "$TMP/radon.stan" --data "$TMP/radon.json" --chains 1 \
    --warmup 0 --draws 20000 --stepsize 0.0002 --max-depth 8 --seed 5 --refresh 0 --no-summary --native auto \
    --output-dir "$TMP/o-deep" >/dev/null 2>"$TMP/err-deep" &
  upid=$! cpid=
  for i in $(seq 600); do cpid=$(pgrep -f "so\.$upid\.tmp" | head -n 1); [ -n "$cpid" ] && break; sleep 0.1; done
  kill -TERM $upid; wait $upid
  grep -q "^native: compiling (projected .* s of interpreted gradients: 255 gradients per iteration over 16 iterations" \
    "$TMP/err-deep" && [ -n "$cpid" ] && ok || bad "projection, deep trees: $(cat "$TMP/err-deep")"
  n=$(grep -v '^#' "$TMP/o-deep"/*.csv | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "n_leapfrog__") c = i; next }
    $c != 255 { b++ } END { print NR - 1, b + 0 }')
  [ "${n#* }" = 0 ] && ok || bad "deep trees: draws (count, not 255 steps) $n"
  # a run killed (SIGKILL) while its compiler runs takes the compiler with it: the compile (a compiler that sleeps
  # first, so that it surely runs when the kill comes) of a job long enough for the default to compile at once; its
  # processes run at nice 19 in a group of their own, and none of them is left running shortly after the kill
  XDG_CACHE_HOME="$TMP/kc" CC="$TMP/slowcc" "$URN" sample "$TMP/radon.stan" --data "$TMP/radon.json" --chains 1 \
    --draws 100000000 --refresh 0 --no-summary --output-dir "$TMP/o-kill" >/dev/null 2>&1 &
  upid=$! cpid=
  for i in $(seq 600); do cpid=$(pgrep -f "so\.$upid\.tmp" | head -n 1); [ -n "$cpid" ] && break; sleep 0.1; done
  pg=$(ps -o pgid= -p "${cpid:-0}" | tr -d ' ') upg=$(ps -o pgid= -p $upid | tr -d ' ')
  [ -n "$cpid" ] && [ -n "$pg" ] && [ "$pg" != "$upg" ] && [ "$(ps -o ni= -p "$cpid" | tr -d ' ')" = 19 ] \
    && ok || { bad "killed run: no niced compiler in a group of its own (pid '$cpid', group '$pg')"; pg=; }
  kill -9 $upid; wait $upid 2>/dev/null
  live() { [ -n "$pg" ] && for q in $(pgrep -g "$pg"); do ps -o stat= -p "$q" | grep -qv '^Z' && echo "$q"; done; }
  for i in $(seq 100); do [ -z "$(live)" ] && break; sleep 0.1; done
  [ -n "$pg" ] && [ -z "$(live)" ] && ok || bad "killed run: its compiler still runs: $(live)"
  [ -n "$pg" ] && pkill -9 -g "$pg" 2>/dev/null
  # urn cache: the folder, its files; --clear removes them
  XDG_CACHE_HOME="$TMP/cache" "$URN" cache >"$TMP/out" 2>&1 && grep -q "^$TMP/cache/urn: [1-9][0-9]* files" "$TMP/out" \
    && ok || bad "urn cache: $(cat "$TMP/out")"
  XDG_CACHE_HOME="$TMP/cache" "$URN" cache --clear >"$TMP/out" 2>&1 && grep -q "removed [1-9]" "$TMP/out" \
    && [ -z "$(ls "$TMP/cache/urn" | grep urn-native)" ] && ok || bad "urn cache --clear: $(cat "$TMP/out")"
fi
# no compiler on PATH (a fresh machine): the default and --native on sample with the interpreter's draws
UPATH=/nonexistent run nopath "$TMP/radon.stan" "$TMP/radon.json" --native off
UPATH=/nonexistent run nopath-on "$TMP/radon.stan" "$TMP/radon.json" --native on && same nopath nopath-on
grep -q '^native: interpreter only (no C compiler' "$TMP/err-nopath-on" && ok || bad "no cc on PATH: $(cat "$TMP/err-nopath-on")"
UPATH=/nonexistent UCACHE="$TMP/nocc" run nopath-default "$TMP/radon.stan" "$TMP/radon.json" && same nopath nopath-default
[ ! -s "$TMP/err-nopath-default" ] && ok || bad "no cc on PATH, default: $(cat "$TMP/err-nopath-default")"
"$URN" sample "$TMP/radon.stan" --data "$TMP/radon.json" --native fast >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] && grep -q "expected auto, on, wait or off" "$TMP/err" && ok || bad "--native fast: $(cat "$TMP/err")"
done_tests
