# tests/cli/test_cmdstan.sh — `urn compile` (CmdStan-compatible model executables) and `urn cmdstan-home`
# without any Python: the executable's CmdStan command line (info, help-all, argument errors), its files
# (output.csv, B_<id>.csv for several chains, diagnostic files, CmdStan's configuration block, adaptation
# and timing), console lines, exit codes; the same draws as `urn sample` for the same seed (chain k =
# id=k); one process for several chains equal to one process per chain; per-chain init and metric files;
# optimize (closed-form MLE), generate_quantities, laplace, log_prob against urn logdensity; a model
# without parameters (fixed_param); the executable still running after its .stan file is edited and
# deleted; methods urn lacks failing with an Error line; stansummary / diagnose / stanc and the CmdStan
# folder's makefile.  cmdstanpy and ArviZ on these executables: tests/cli/test_cmdstanpy.sh.
. tests/cli/lib.sh

cp tests/data/normal_normal.stan "$TMP/nm.stan"; cp tests/data/normal_normal.json "$TMP/nm.json"
D="data file=$TMP/nm.json"

# --- urn compile
expect_exit 0 "$URN" compile --help
expect_out "CmdStan"
expect_exit 2 "$URN" compile
expect_exit 1 "$URN" compile "$TMP/missing.stan"
expect_err "missing.stan"
printf 'parameters { real y; }\nmodel { y ~ normal(0, ; }\n' > "$TMP/bad.stan"
expect_exit 1 "$URN" compile "$TMP/bad.stan"
expect_err "bad.stan:2:"
[ ! -f "$TMP/bad" ] && ok || bad "an executable was written for a bad program"
expect_exit 0 "$URN" compile "$TMP/nm.stan"
[ -x "$TMP/nm" ] && ok || bad "nm not written beside nm.stan"
tail -c 40 "$TMP/nm" | head -c 16 | grep -q 'urn-cmdstan-exe1' && ok || bad "no trailer at the end of the executable"
expect_exit 0 "$URN" compile "$TMP/nm.stan" -o "$TMP/nm2"
cp "$TMP/nm.stan" "$TMP/nmx"
expect_exit 1 "$URN" compile "$TMP/nmx"
expect_err "must end in .stan"
E="$TMP/nm"

# --- info, help, argument errors
expect_exit 0 "$E" info
expect_out "stan_version_major = 2"
expect_out "stan_version_minor = 36"
expect_out "STAN_THREADS=true"
URN_STAN_THREADS=false "$E" info | grep -q "STAN_THREADS=false" && ok || bad "URN_STAN_THREADS=false"
expect_exit 0 "$E" help-all
expect_out "num_warmup=<int>"
expect_out "metric=<list element>"
expect_exit 0 "$E" help
expect_out "Begin by selecting amongst the following inference methods"
expect_exit 1 "$E" sample num_samples=-1 $D
expect_err '-1 is not a valid value for "num_samples"'
expect_err "Failed to parse command arguments"
expect_exit 1 "$E" sample bogus=1
expect_err "bogus=1 is either mistyped or misplaced."
expect_exit 1 "$E" sample delta=0.9
expect_err "Perhaps you meant one of the following valid configurations?"
expect_err "  method=sample adapt delta=<double>"
expect_exit 1 "$E" $D
expect_err "A method must be specified!"
expect_exit 1 "$E" sample algorithm=hmc metric=euclid $D
expect_err 'euclid is not a valid value for "metric"'

# --- sample: files, configuration, console
O="$TMP/s"; mkdir -p "$O"
expect_exit 0 "$E" sample num_samples=100 num_warmup=200 $D random seed=42 output file="$O/out.csv" refresh=50
[ -f "$O/out.csv" ] && ok || bad "output file=out.csv written"
expect_out "Iteration:   1 / 300 [  0%]  (Warmup)"
expect_out "Iteration: 201 / 300 [ 67%]  (Sampling)"
expect_out "Iteration: 300 / 300 [100%]  (Sampling)"
expect_out "Gradient evaluation took"
expect_out "Elapsed Time:"
expect_out "    num_samples = 100"
expect_out "  seed = 42"
grep -q '^# stan_version_minor = 36$' "$O/out.csv" && ok || bad "stan_version_minor in the CSV"
# the executables replace an existing output file, as CmdStan does (urn sample refuses without --overwrite)
expect_exit 0 "$E" sample num_samples=100 num_warmup=200 $D random seed=43 output file="$O/out.csv" refresh=0
grep -q 'seed = 43$' "$O/out.csv" && ok || bad "a second run did not replace out.csv"
[ ! -e "$O/out.csv.part" ] && ok || bad "a second run left out.csv.part"
grep -q '^# model = nm_model$' "$O/out.csv" && ok || bad "model = nm_model"
grep -q '^#     num_warmup = 200$' "$O/out.csv" && ok || bad "num_warmup = 200"
grep -q '^#     save_warmup = 0 (Default)$' "$O/out.csv" && ok || bad "save_warmup written as CmdStan"
grep -q '^#             max_depth = 10 (Default)$' "$O/out.csv" && ok || bad "max_depth, nested as CmdStan"
grep -q '^lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,mu,sigma,z$' "$O/out.csv" \
  && ok || bad "header"
[ "$(grep -cv '^#' "$O/out.csv")" = 101 ] && ok || bad "header + 100 draws"
grep -q '^#  Elapsed Time: [0-9.]* seconds (Warm-up)$' "$O/out.csv" && ok || bad "timing comments"

# several chains in one process: B_<id>.csv, "Chain [id]" console lines, id offset
expect_exit 0 "$E" id=3 random seed=42 $D output file="$O/m.csv" refresh=100 method=sample num_samples=100 \
  num_warmup=200 adapt engaged=1 delta=0.8 num_chains=2
[ -f "$O/m_3.csv" ] && [ -f "$O/m_4.csv" ] && [ ! -f "$O/m.csv" ] && ok || bad "num_chains=2 id=3 writes m_3.csv, m_4.csv"
expect_out "Chain [3] Iteration:   1 / 300 [  0%]  (Warmup)"
expect_out "Chain [4] Iteration: 300 / 300 [100%]  (Sampling)"
# one process per chain gives the same draws as one process for both
expect_exit 0 "$E" id=4 random seed=42 $D output file="$O/one_4.csv" method=sample num_samples=100 num_warmup=200
grep -v '^#' "$O/m_4.csv" >"$TMP/a"; grep -v '^#' "$O/one_4.csv" >"$TMP/b"
cmp -s "$TMP/a" "$TMP/b" && ok || bad "chain 4 alone equals chain 4 of a 2-chain process"
# ... and the same draws as urn sample --adapt stan (its chain k is id=k; the executables keep Stan's adaptation)
expect_exit 0 "$URN" sample "$TMP/nm.stan" --data "$TMP/nm.json" --adapt stan --chains 4 --warmup 200 --draws 100 --seed 42 \
  --output-dir "$O/us" --refresh 0 --no-summary
grep -v '^#' "$O/us/nm-3.csv" >"$TMP/a"; grep -v '^#' "$O/m_3.csv" >"$TMP/b"
cmp -s "$TMP/a" "$TMP/b" && ok || bad "the executable's chain 3 equals urn sample's chain 3, draw for draw"

# save_warmup, thin, dense metric, diagnostic file
expect_exit 0 "$E" sample num_samples=100 num_warmup=100 save_warmup=1 thin=2 algorithm=hmc metric=dense_e $D \
  output file="$O/w.csv" diagnostic_file="$O/w-diag.csv" refresh=0
[ "$(grep -cv '^#' "$O/w.csv")" = 101 ] && ok || bad "50 warmup + 50 draws with save_warmup=1 thin=2"
grep -q '^# Elements of inverse mass matrix:$' "$O/w.csv" && ok || bad "dense metric block"
head -n 200 "$O/w-diag.csv" | grep -q '^lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,mu,sigma,p_mu,p_sigma,g_mu,g_sigma$' \
  && ok || bad "diagnostic file header"

# unit metric: Stan 2.34+'s adaptation block (cmdstanpy reads one comment line after the step size)
expect_exit 0 "$E" sample num_samples=20 num_warmup=50 algorithm=hmc metric=unit_e $D output file="$O/u.csv" refresh=0
grep -A1 '^# Step size' "$O/u.csv" | grep -q '^# No free parameters for unit metric$' && ok || bad "unit_e adaptation block"

# per-chain init files (<base>_<id>.json before <base>.json), metric file
echo '{"mu": 1.5, "sigma": 0.7}' >"$O/init_1.json"
echo '{"mu": -1.5, "sigma": 2.5}' >"$O/init_2.json"
echo '{"inv_metric": [0.1, 0.05]}' >"$O/metric.json"
expect_exit 0 "$E" sample num_samples=10 num_warmup=0 adapt engaged=0 algorithm=hmc metric_file="$O/metric.json" \
  num_chains=2 $D init="$O/init.json" output file="$O/i.csv" refresh=0
grep -A3 '^# Adaptation terminated$' "$O/i_2.csv" | tr '\n' '|' | grep -q '^# Adaptation terminated|# Step size = 1|# Diagonal elements of inverse mass matrix:|# 0.1, 0.05|$' \
  && ok || bad "without adaptation the block holds the given step size and metric: $(grep -A3 Adaptation "$O/i_2.csv")"
echo '{"mu": 1.5, "sigma": -0.7}' >"$O/badinit.json"
expect_exit 1 "$E" sample $D init="$O/badinit.json" output file="$O/x.csv" refresh=0
expect_err "Error"
expect_err "sigma"
expect_exit 1 "$E" sample $D init="$O/none.json" output file="$O/x.csv" refresh=0
expect_err "none.json"
expect_exit 1 "$E" sample num_warmup=0 $D output file="$O/x.csv"
expect_err "num_warmup"

# bad data: an Error line naming the file and the variable
echo '{"N": 3, "y": [1, 2]}' >"$TMP/bad.json"
expect_exit 1 "$E" sample data file="$TMP/bad.json" output file="$O/x.csv"
expect_err "Error"
expect_err "bad.json"
expect_exit 1 "$E" sample data file="$TMP/nofile.json" output file="$O/x.csv"
expect_err "nofile.json"
expect_exit 1 "$E" sample data file="$TMP/nm.R" output file="$O/x.csv"
expect_err "JSON"

# --- the program travels with the executable
cp "$TMP/nm.stan" "$TMP/keep.stan"
expect_exit 0 "$URN" compile "$TMP/keep.stan"
echo 'this is not Stan' >"$TMP/keep.stan"
expect_exit 0 "$TMP/keep" sample num_samples=20 num_warmup=20 $D output file="$O/k1.csv" refresh=0
rm "$TMP/keep.stan"; mv "$TMP/keep" "$TMP/moved"
expect_exit 0 "$TMP/moved" sample num_samples=20 num_warmup=20 $D output file="$O/k2.csv" refresh=0
grep -q '^# model = keep_model$' "$O/k2.csv" && ok || bad "the model keeps its name after the file moved"

# --- optimize: closed-form MLE (flat-ish priors: mu = mean(y))
cat > "$TMP/opt.stan" <<'STAN'
data { int<lower=0> N; vector[N] y; }
parameters { real mu; real<lower=0> sigma; }
model { target += -N * log(sigma) - 0.5 * dot_self((y - mu) / sigma); }
STAN
expect_exit 0 "$URN" compile "$TMP/opt.stan"
for algo in lbfgs bfgs newton; do
  expect_exit 0 "$TMP/opt" method=optimize algorithm=$algo $D output file="$O/opt-$algo.csv"
  mu=$(grep -v '^#' "$O/opt-$algo.csv" | awk -F, 'NR == 2 { print $2 }')
  sig=$(grep -v '^#' "$O/opt-$algo.csv" | awk -F, 'NR == 2 { print $3 }')
  awk -v m="$mu" -v s="$sig" 'BEGIN { exit !(m > 1.1124 && m < 1.1126 && s > 0.6715 && s < 0.6718) }' && ok \
    || bad "$algo MLE mu=$mu sigma=$sig (want 1.1125, 0.671635)"
done
grep -q '^#     algorithm = bfgs$' "$O/opt-bfgs.csv" && ok || bad "algorithm recorded"
expect_out "Optimization terminated normally"

# --- generate_quantities, laplace, log_prob
expect_exit 0 "$E" method=generate_quantities fitted_params="$O/out.csv" $D output file="$O/gq.csv"
[ "$(grep -cv '^#' "$O/gq.csv")" = 101 ] && ok || bad "one gq row per fitted draw"
awk -F, '!/^#/ && $1 != "mu" { d = $3 - 2 * $1; if (d > 1e-4 || d < -1e-4) bad = 1 } END { exit bad }' "$O/gq.csv" \
  && ok || bad "z = 2 mu in every gq row"
expect_exit 1 "$E" method=generate_quantities $D output file="$O/gq2.csv"
expect_err "Missing fitted_params"
expect_exit 0 "$E" method=optimize jacobian=1 $D output file="$O/mode.csv"
expect_exit 0 "$E" method=laplace mode="$O/mode.csv" draws=500 $D output file="$O/lap.csv" random seed=3
grep -q '^log_p__,log_q__,mu,sigma,z$' "$O/lap.csv" && ok || bad "laplace header"
[ "$(grep -cv '^#' "$O/lap.csv")" = 501 ] && ok || bad "500 laplace draws"
echo '{"mu": 1.0, "sigma": 0.5}' >"$O/p.json"
expect_exit 0 "$E" log_prob constrained_params="$O/p.json" jacobian=1 $D output file="$O/lp.csv"
grep -q '^lp__,g_mu,g_sigma$' "$O/lp.csv" && ok || bad "log_prob header"
echo '{"mu": 1.0, "sigma": -0.6931471805599453}' >"$O/pu.json"
"$URN" logdensity "$TMP/nm.stan" --data "$TMP/nm.json" --params "$O/p.json" >"$TMP/ld.json" 2>&1
lp_exe=$(grep -v '^#' "$O/lp.csv" | awk -F, 'NR == 2 { print $1 }')
lp_urn=$(sed 's/.*"lp": *\([^,]*\),.*/\1/' "$TMP/ld.json")
awk -v a="$lp_exe" -v b="$lp_urn" 'BEGIN { d = a - b; exit !(d < 1e-4 && d > -1e-4) }' && ok \
  || bad "log_prob lp__ $lp_exe equals urn logdensity's $lp_urn"
echo '{"params_r": [[1.0, -0.6931471805599453], [0.5, 0.1]]}' >"$O/u.json"
expect_exit 0 "$E" log_prob unconstrained_params="$O/u.json" $D output file="$O/lpu.csv"
[ "$(grep -cv '^#' "$O/lpu.csv")" = 3 ] && ok || bad "two unconstrained points"
a=$(grep -v '^#' "$O/lpu.csv" | awk -F, 'NR == 2 { print $1 }')
[ "$a" = "$lp_exe" ] && ok || bad "the same point unconstrained gives the same lp__ ($a vs $lp_exe)"

# --- what urn lacks: an Error line, non-zero exit (variational and pathfinder: tests/cli/test_vi.sh)
expect_exit 1 "$E" diagnose $D output file="$O/dg.csv"
expect_err "Error: method=diagnose is not available in urn"
expect_exit 1 "$E" sample algorithm=hmc engine=static $D output file="$O/st.csv"
expect_err "engine=static"

# --- a model without parameters runs the fixed_param sampler
printf 'generated quantities { real u = uniform_rng(0, 1); }\n' > "$TMP/np.stan"
expect_exit 0 "$URN" compile "$TMP/np.stan"
expect_exit 0 "$TMP/np" sample num_samples=50 output file="$O/np.csv" refresh=0
expect_out "running fixed_param sampler"
grep -q '^lp__,accept_stat__,u$' "$O/np.csv" && ok || bad "fixed_param columns"
[ "$(grep -cv '^#' "$O/np.csv")" = 51 ] && ok || bad "50 fixed_param draws"

# --- stansummary, diagnose, stanc
expect_exit 0 "$URN" stansummary "--percentiles= 5,50,95" --sig_figs=6 --csv_filename="$O/sum.csv" "$O/m_3.csv" "$O/m_4.csv"
head -n 1 "$O/sum.csv" | grep -q '^name,Mean,MCSE,StdDev,MAD,5%,50%,95%,ESS_bulk,ESS_tail,R_hat$' && ok \
  || bad "stansummary CSV header: $(head -n 1 "$O/sum.csv")"
sed -n 2p "$O/sum.csv" | grep -q '^"lp__",' && ok || bad "lp__ first"
grep -q '^"mu",' "$O/sum.csv" && grep -q '^"energy__",' "$O/sum.csv" && ok || bad "model and sampler rows"
"$URN" summary "$O/m_3.csv" "$O/m_4.csv" --csv >"$TMP/us.csv"
m1=$(grep '^"mu",' "$O/sum.csv" | cut -d, -f2); m2=$(grep '^mu,' "$TMP/us.csv" | cut -d, -f2)
awk -v a="$m1" -v b="$m2" 'BEGIN { d = a - b; exit !(d < 1e-5 && d > -1e-5) }' && ok || bad "stansummary mean $m1 = urn summary's $m2"
expect_exit 0 "$URN" diagnose "$O/m_3.csv" "$O/m_4.csv"
expect_out "Checking sampler transitions treedepth."
expect_out "Processing complete"
expect_exit 0 "$URN" stanc --info "$TMP/nm.stan"
expect_out '"parameters": {'
expect_out '"sigma": { "type": "real", "dimensions": 0}'
expect_out '"y": { "type": "vector", "dimensions": 1}'
expect_exit 0 "$URN" stanc --version
expect_out "stanc3 v2.36.0"

# --- the CmdStan folder: make builds X from X.stan through urn
expect_exit 0 "$URN" cmdstan-home "$TMP/home"
grep -q '^CMDSTAN_VERSION := 2.36.0$' "$TMP/home/makefile" && ok || bad "CMDSTAN_VERSION in the makefile"
[ -x "$TMP/home/bin/stanc" ] && [ -x "$TMP/home/bin/stansummary" ] && [ -x "$TMP/home/bin/diagnose" ] && ok \
  || bad "bin/stanc, bin/stansummary, bin/diagnose"
if command -v make >/dev/null 2>&1; then
  cp "$TMP/nm.stan" "$TMP/viamake.stan"
  expect_exit 0 make -C "$TMP/home" "STANCFLAGS+=--filename-in-msg=viamake.stan" "$TMP/viamake"
  [ -x "$TMP/viamake" ] && ok || bad "make built the executable"
  expect_exit 0 "$TMP/viamake" info
fi
expect_exit 0 "$TMP/home/bin/diagnose" "$O/m_3.csv"
expect_out "Processing complete"

done_tests
