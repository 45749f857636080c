# tests/cli/test_hmm.sh — `urn hmm`: run on an oracle case, fit/states/loglik/
# sample/align on the committed tutorial data, and the error messages for bad
# input (missing columns, non-numeric cells, NaN, K too large, singular states).
. tests/cli/lib.sh
D=tests/data
expect_exit 0 "$URN" hmm --help; expect_out "usage: urn hmm"
expect_exit 2 "$URN" hmm frob; expect_err "unknown subcommand 'frob'"
for s in run fit states loglik sample align; do
  expect_exit 0 "$URN" hmm $s --help; expect_out "usage: urn hmm $s"
done

# --- run: a small self-contained case (the spec's worked example, section 5.5)
cat > "$TMP/case.json" <<'JSON'
{"model": "gaussian", "num_states": 2, "emission_dim": 1,
 "params": {"initial_probs": [0.6, 0.4], "transition_matrix": [[0.7, 0.3], [0.4, 0.6]],
            "emission_means": [[0.0], [3.0]], "emission_covariances": [[[1.0]], [[1.0]]]},
 "emissions": [[[0.1], [2.9], [3.2], [1.4]]],
 "tasks": ["marginal_log_prob", "most_likely_states", "log_prior", "smoother"]}
JSON
expect_exit 0 "$URN" hmm run "$TMP/case.json"
expect_out '"marginal_log_prob": [-7.03888359628227'
expect_out '"most_likely_states": [[0, 1, 1, 1]]'
expect_out '"log_prior": -22.75407645642106'
expect_exit 1 "$URN" hmm run "$TMP/nonexistent.json"
echo '{"model": "gaussian", "num_states": 2}' > "$TMP/bad.json"
expect_exit 1 "$URN" hmm run "$TMP/bad.json"; expect_err 'missing "emission_dim"'
echo '{"model": "gauss", "num_states": 2, "emission_dim": 1}' > "$TMP/bad.json"
expect_exit 1 "$URN" hmm run "$TMP/bad.json"; expect_err 'unknown model "gauss"'
if S=$(shared_dir) && [ -f "$S/fixtures/hmm/gaussian_K3_D1_sticky10_B3.json" ]; then
  expect_exit 0 "$URN" hmm run "$S/fixtures/hmm/gaussian_K3_D1_sticky10_B3.json"; expect_out '"fit_em"'
fi

# --- fit / states / loglik / sample / align on the tutorial's Gaussian HMM data
expect_exit 0 "$URN" hmm fit $D/hmm_tutorial_gauss.csv --states 3 --y y --seq session --stickiness 10 --iters 30 --out "$TMP/g.json"
expect_out "iteration,log_joint"; expect_out "final,"
expect_exit 0 "$URN" hmm states $D/hmm_tutorial_gauss.csv --params "$TMP/g.json" --y y --seq session --out "$TMP/st.csv"
expect_exit 0 head -1 "$TMP/st.csv"; expect_out "sequence,t,state,p_0,p_1,p_2"
expect_exit 0 "$URN" hmm align "$TMP/st.csv" $D/hmm_tutorial_gauss.csv --col2 true_state
expect_out "# agreement after relabelling: 0.98"
expect_exit 0 "$URN" hmm loglik $D/hmm_tutorial_gauss.csv --params "$TMP/g.json" --y y --seq session
expect_out "s2,"; expect_out "# log_joint,"
expect_exit 0 "$URN" hmm sample --params "$TMP/g.json" --T 50 --sequences 2 --seed 3 --out "$TMP/sim.csv"
expect_exit 0 wc -l "$TMP/sim.csv"; expect_out "101"
expect_exit 0 "$URN" hmm fit "$TMP/sim.csv" --states 2 --y y --seq sequence --iters 3 --quiet
expect_out '"model": "gaussian"'
# start from a parameter file; frozen groups stay put
expect_exit 0 "$URN" hmm fit $D/hmm_tutorial_gauss.csv --states 3 --y y --seq session --stickiness 10 --iters 2 --init "$TMP/g.json" --freeze transitions,emissions --quiet --out "$TMP/g2.json"
expect_exit 0 grep -c '"init": "' "$TMP/g2.json"
expect_exit 0 sh -c "grep -o '\"transition_matrix\": \\[\\[[0-9.e-]*' '$TMP/g.json' | head -1 > '$TMP/a1'; grep -o '\"transition_matrix\": \\[\\[[0-9.e-]*' '$TMP/g2.json' | head -1 > '$TMP/a2'; cmp '$TMP/a1' '$TMP/a2'"
expect_exit 1 "$URN" hmm fit $D/hmm_tutorial_gauss.csv --states 2 --y y --init "$TMP/g.json"; expect_err "with 3 states"
# the GLM-HMM data, a logistic GLM-HMM and a Poisson HMM
expect_exit 0 "$URN" hmm fit $D/hmm_tutorial_glm.csv --states 3 --emission linreg --y y --x x --seq session --restarts 3 --quiet --out "$TMP/l.json"
expect_exit 0 "$URN" hmm sample --params "$TMP/l.json" --inputs $D/hmm_tutorial_glm.csv --x x --seq session
expect_out "sequence,t,state,y,x"
expect_exit 0 "$URN" hmm fit $D/hmm_logreg.csv --states 2 --emission bernoulli-glm --y y --x x --seq session --iters 20 --quiet
expect_out '"model": "logreg"'
expect_exit 0 "$URN" hmm fit $D/hmm_poisson.csv --states 2 --emission poisson --y y --seq session --iters 20 --quiet
expect_out '"emission_rates"'

# --- errors
expect_exit 2 "$URN" hmm fit $D/hmm_tutorial_gauss.csv --y y; expect_err "missing --states"
expect_exit 2 "$URN" hmm fit $D/hmm_tutorial_gauss.csv --states 3 --y y --emission frob; expect_err "unknown --emission 'frob'"
expect_exit 2 "$URN" hmm fit $D/hmm_tutorial_glm.csv --states 3 --emission linreg --y y; expect_err "needs --x"
expect_exit 1 "$URN" hmm fit $D/hmm_tutorial_gauss.csv --states 3 --y yy
expect_err "no column named 'yy' (columns: session, t, true_state, y)"
printf 'y\n1.0\nabc\n2\n' > "$TMP/nn.csv"
expect_exit 1 "$URN" hmm fit "$TMP/nn.csv" --states 1 --y y; expect_err "nn.csv:3: column 'y': 'abc' is not a number"
printf 'y\n1.0\nNaN\n2\n' > "$TMP/nan.csv"
expect_exit 1 "$URN" hmm fit "$TMP/nan.csv" --states 1 --y y; expect_err "nan.csv:3: column 'y' is NaN"
printf 'x,y\n1,2.0\n\n3,\n' > "$TMP/empty.csv"
expect_exit 1 "$URN" hmm fit "$TMP/empty.csv" --states 1 --y y; expect_err "empty.csv:4: column 'y' is empty"
printf 'y\n' > "$TMP/hdr.csv"
expect_exit 1 "$URN" hmm fit "$TMP/hdr.csv" --states 1 --y y; expect_err "no data rows"
printf 's,y\na,1\nb,2\na,3\n' > "$TMP/split.csv"
expect_exit 1 "$URN" hmm fit "$TMP/split.csv" --states 1 --y y --seq s; expect_err "sequence 'a' of column 's' resumes"
printf 'y\n1\n2\n' > "$TMP/two.csv"
expect_exit 1 "$URN" hmm fit "$TMP/two.csv" --states 3 --y y; expect_err "3 states cannot be fitted to 2 time steps"
printf 'x,y\n0,1\n1,0\n2,2\n' > "$TMP/lr.csv"
expect_exit 1 "$URN" hmm fit "$TMP/lr.csv" --states 2 --emission bernoulli-glm --y y --x x --init prior; expect_err "must be 0 or 1"
# a constant input duplicates the bias: every state's regression design is singular
printf 'x,y\n1,1\n1,2\n1,3\n1,4\n1,5\n1,6\n' > "$TMP/sing.csv"
expect_exit 1 "$URN" hmm fit "$TMP/sing.csv" --states 2 --emission linreg --y y --x x --iters 5
expect_err "linreg M-step (iteration 0): state 0 has a singular weighted design"; expect_err "--cov-floor"
expect_exit 0 "$URN" hmm fit "$TMP/sing.csv" --states 2 --emission linreg --y y --x x --iters 5 --cov-floor 0.01 --quiet
# separable choices: warned, never NaN
printf 'x,y\n-2,0\n-1,0\n0,0\n1,1\n2,1\n-2,0\n-1,0\n0,0\n1,1\n2,1\n' > "$TMP/sep.csv"
expect_exit 0 "$URN" hmm fit "$TMP/sep.csv" --states 1 --emission bernoulli-glm --y y --x x --iters 3 --quiet
expect_err "predicted with certainty"
expect_exit 1 "$URN" hmm states $D/hmm_tutorial_gauss.csv --params "$TMP/nonexistent.json" --y y
expect_exit 1 "$URN" hmm states $D/hmm_tutorial_gauss.csv --params "$TMP/l.json" --y y --x t,t --seq session
expect_err "the model in"
expect_exit 2 "$URN" hmm align "$TMP/st.csv"; expect_err "two state files"

# --- issue #18: maximum likelihood, model choice, the search, degenerate states, real series
R=$D/hmm_real
# the first number after "KEY": in file $2
jnum() { grep -o "\"$1\": \[*\[*[-0-9.e+]*" "$2" | head -1 | sed 's/.*[[ ]//'; }
# $1 >= $2 - $3 (awk arithmetic)
ge() { awk -v a="$1" -v b="$2" -v t="${3:-0}" 'BEGIN { exit !(a != "" && a + 0 >= b - t) }'; }
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; s = b < 0 ? -b : b; exit !(a != "" && d <= t * s) }'; }
# one state = the iid model: the sample mean, the population variance, the closed-form log-likelihood
expect_exit 0 "$URN" hmm fit $R/nile.csv --states 1 --y flow --prior none --quiet --out "$TMP/n1.json"
set -- $(awk -F, 'NR > 1 { n++; s += $2; ss += $2 * $2 } END { m = s / n; v = ss / n - m * m;
  printf "%.10f %.10f %.10f %d\n", m, v, -0.5 * n * (log(2 * 3.141592653589793 * v) + 1), n }' $R/nile.csv)
near "$(jnum emission_means "$TMP/n1.json")" "$1" 1e-12 && near "$(jnum emission_covariances "$TMP/n1.json")" "$2" 1e-10 &&
  near "$(jnum loglik "$TMP/n1.json")" "$3" 1e-12 && ok || bad "K = 1 is not the iid normal fit ($1 $2 $3)"
# AIC / BIC from the log-likelihood: K = 1 Gaussian has 2 parameters
near "$(jnum aic "$TMP/n1.json")" "$(awk -v l="$3" 'BEGIN { printf "%.10f", 4 - 2 * l }')" 1e-12 &&
  near "$(jnum bic "$TMP/n1.json")" "$(awk -v l="$3" -v n="$4" 'BEGIN { printf "%.10f", 2 * log(n) - 2 * l }')" 1e-12 &&
  grep -q '"converged": true' "$TMP/n1.json" && grep -q '"no_prior": \["initial_probs", "transition_matrix", "emissions"\]' "$TMP/n1.json" &&
  [ "$(jnum log_joint "$TMP/n1.json")" = "$(jnum loglik "$TMP/n1.json")" ] && ok || bad "aic/bic/converged/no_prior of the K = 1 fit"
# Poisson K = 1: the rate is the sample mean
expect_exit 0 "$URN" hmm fit $R/lynx.csv --states 1 --y lynx --emission poisson --prior none --quiet --out "$TMP/p1.json"
near "$(jnum emission_rates "$TMP/p1.json")" "$(awk -F, 'NR > 1 { n++; s += $2 } END { printf "%.10f", s / n }' $R/lynx.csv)" 1e-12 &&
  ok || bad "Poisson K = 1 rate is not the mean"
# the real series: at least the best of the peers (bench/hmm_real/peers.py: pomegranate 0.14.8, best of 10 seeds)
fits() { expect_exit 0 "$URN" hmm fit "$R/$1" --states "$2" --y "$3" --emission "$4" --prior none --quiet --out "$TMP/r.json"
  ge "$(jnum loglik "$TMP/r.json")" "$5" 1e-6 && grep -q '"degenerate_states": 0' "$TMP/r.json" && ok ||
    bad "$1 K=$2 $4: loglik $(jnum loglik "$TMP/r.json") below the peers' $5"; }
fits lynx.csv 2 lynx poisson -20851.911442
fits lynx.csv 3 lynx poisson -11444.932200
fits nile.csv 2 flow gaussian -629.804456
fits nile.csv 3 flow gaussian -627.616729
fits faithful.csv 2 waiting gaussian -997.218816
fits fedfunds.csv 3 rate gaussian -410.104279
# dynamax's prior draws leave two of Nile's three states empty (means near 0, variance Psi0 / 4.1 before the
# floor): reported, never silently ranked first; the default search with dynamax's priors has no empty state
expect_exit 0 "$URN" hmm fit $R/nile.csv --states 3 --y flow --init prior --restarts 10 --quiet --out "$TMP/np.json"
expect_err "the best fit has 2 degenerate states"; grep -q '"degenerate_states": 2' "$TMP/np.json" && ok || bad "degenerate states not counted"
expect_exit 0 "$URN" hmm fit $R/nile.csv --states 3 --y flow --quiet --out "$TMP/np.json"
grep -q '"degenerate_states": 0' "$TMP/np.json" && ge "$(jnum loglik "$TMP/np.json")" -630 && ok ||
  bad "Nile K = 3 with dynamax's priors: degenerate or poor ($(jnum loglik "$TMP/np.json"))"
# priors travel with the parameters: a file's hyperparameters and no_prior are kept by --init FILE
expect_exit 0 "$URN" hmm fit $D/hmm_tutorial_gauss.csv --states 3 --y y --seq session --init "$TMP/g.json" --iters 2 --tol 0 --quiet --out "$TMP/g3.json"
grep -q '"transition_matrix_stickiness": 10.0' "$TMP/g3.json" && ok || bad "--init FILE dropped the file's stickiness"
expect_exit 0 "$URN" hmm fit $R/nile.csv --states 1 --y flow --init "$TMP/n1.json" --quiet --out "$TMP/n2.json"
grep -q '"no_prior"' "$TMP/n2.json" && [ "$(jnum loglik "$TMP/n2.json")" = "$(jnum loglik "$TMP/n1.json")" ] && ok || bad "no_prior lost through --init FILE"
# concentrations of exactly 1 (an unvisited state keeps its row) and --prior none:GROUPS
expect_exit 0 "$URN" hmm fit $R/nile.csv --states 4 --y flow --initial-conc 1 --trans-conc 1 --quiet --out "$TMP/c1.json"
expect_exit 0 "$URN" hmm fit $R/nile.csv --states 2 --y flow --prior none:initial,transitions --quiet --out "$TMP/pn.json"
grep -q '"no_prior": \["initial_probs", "transition_matrix"\]' "$TMP/pn.json" && ok || bad "--prior none:GROUPS"
expect_exit 2 "$URN" hmm fit $R/nile.csv --states 2 --y flow --prior flat; expect_err "is not default, none or none:GROUPS"
expect_exit 2 "$URN" hmm fit $R/nile.csv --states 2 --y flow --prior none:frob; expect_err "unknown group 'frob'"
# the iteration cap is reported; a constant column cannot be fitted by maximum likelihood
expect_exit 0 "$URN" hmm fit $R/nile.csv --states 2 --y flow --iters 2 --quiet --out "$TMP/cap.json"
expect_err "reached the iteration cap (2)"; grep -q '"converged": false' "$TMP/cap.json" && ok || bad "converged: false missing"
printf 'y\n1\n1\n1\n1\n' > "$TMP/const.csv"
expect_exit 1 "$URN" hmm fit "$TMP/const.csv" --states 1 --y y --prior none; expect_err "emission dimension 0 is constant"
# standard errors from the observed information, against statsmodels' bse at the same fit (fedfunds K = 2; its
# numerical Hessian at its nearby optimum: means 0.14724, 0.37466, variances 0.34156, 1.36368; 1% apart)
expect_exit 0 "$URN" hmm fit $R/fedfunds.csv --states 2 --y rate --prior none --quiet --out "$TMP/ff.json"
tr -d '\n' < "$TMP/ff.json" | sed -n 's/.*"standard_errors": {\(.*\)},.*"log_joint_trace.*/\1/p' > "$TMP/se"
se() { sed -n "s/.*\"$1\": \(\[[^a-z]*\]\).*/\1/p" "$TMP/se" | tr -d '[] ' | cut -d, -f"$2"; }
near "$(se emission_means 1)" 0.14724466 0.01 && near "$(se emission_means 2)" 0.374662 0.01 &&
  near "$(se emission_covariances 1)" 0.34155758 0.01 && near "$(se emission_covariances 2)" 1.36367653 0.01 &&
  ok || bad "standard errors differ from statsmodels' ($(cat "$TMP/se"))"
# a transition row's two entries have the same standard error (they sum to 1); an absorbing row has none
near "$(se transition_matrix 1)" "$(se transition_matrix 2)" 1e-8 && ok || bad "row standard errors differ"
expect_exit 0 "$URN" hmm fit $R/nile.csv --states 2 --y flow --prior none --quiet --no-se --out "$TMP/nse.json"
! grep -q standard_errors "$TMP/nse.json" && ok || bad "--no-se wrote standard errors"
# select: K = 1..4 on lynx; each row equals urn hmm fit's, BIC picks 4; the loglik grows with K
expect_exit 0 "$URN" hmm select $R/lynx.csv --max-states 4 --y lynx --emission poisson --out "$TMP/sel.csv"
[ "$(sed -n 4p "$TMP/sel.csv" | cut -d, -f2)" = "-11444.932199814695" ] && grep -q '^# best_bic,4$' "$TMP/sel.csv" &&
  [ "$(head -1 "$TMP/sel.csv")" = "K,loglik,log_joint,num_params,aic,bic,iterations,converged,degenerate_states" ] &&
  awk -F, 'NR > 2 && !/^#/ && $2 < prev { exit 1 } NR > 1 { prev = $2 }' "$TMP/sel.csv" && ok || bad "select table: $(cat "$TMP/sel.csv")"
expect_exit 2 "$URN" hmm select $R/lynx.csv --y lynx; expect_err "missing --max-states"
expect_exit 1 "$URN" hmm select $R/lynx.csv --max-states 200 --y lynx --emission poisson; expect_err "200 states cannot be fitted to 114 time steps"
# expected durations 1 / (1 - A_kk)
tr -d '\n' < "$TMP/ff.json" | sed -n 's/.*"expected_durations": \[\([^]]*\)\].*/\1/p' | tr -d ' ' > "$TMP/dur"
a00=$(jnum transition_matrix "$TMP/ff.json")
near "$(cut -d, -f1 "$TMP/dur")" "$(awk -v a="$a00" 'BEGIN { printf "%.12f", 1 / (1 - a) }')" 1e-9 && ok || bad "expected duration: $(cat "$TMP/dur")"
# structural zeros: a left-right start fitted by maximum likelihood keeps its zeros
expect_exit 0 "$URN" hmm fit $R/nile.csv --states 3 --y flow --prior none --quiet --no-se --out "$TMP/n3.json"
sed 's/"transition_matrix": \[\[[^]]*\], \[[^]]*\], \[[^]]*\]\]/"transition_matrix": [[0.9, 0.1, 0.0], [0.0, 0.9, 0.1], [0.0, 0.0, 1.0]]/; s/"initial_probs": \[[^]]*\]/"initial_probs": [1.0, 0.0, 0.0]/' "$TMP/n3.json" > "$TMP/lr.json"
expect_exit 0 "$URN" hmm fit $R/nile.csv --states 3 --y flow --init "$TMP/lr.json" --quiet --no-se --out "$TMP/lr2.json"
tr -d '\n ' < "$TMP/lr2.json" | grep -q '"transition_matrix":\[\[[0-9.e-]*,[0-9.e-]*,0.0\],\[0.0,[0-9.e-]*,[0-9.e-]*\],\[0.0,0.0,1.0\]\]' &&
  grep -q '"initial_probs": \[1.0, 0.0, 0.0\]' "$TMP/lr2.json" && ok || bad "left-right zeros moved: $(grep transition "$TMP/lr2.json" | head -c 300)"
# forecasts: the filtered distribution at the last step (= the smoothed one there) times A^h, and the mixture mean
expect_exit 0 "$URN" hmm fit $R/fedfunds.csv --states 2 --y rate --prior none --quiet --no-se --out "$TMP/ff2.json"
expect_exit 0 "$URN" hmm forecast $R/fedfunds.csv --params "$TMP/ff2.json" --y rate --steps 2 --out "$TMP/fc.csv"
expect_exit 0 "$URN" hmm states $R/fedfunds.csv --params "$TMP/ff2.json" --y rate --out "$TMP/fs.csv"
set -- $(tr -d '\n ' < "$TMP/ff2.json" | sed -n 's/.*"transition_matrix":\[\[\([-0-9.e]*\),\([-0-9.e]*\)\],\[\([-0-9.e]*\),\([-0-9.e]*\)\]\].*"emission_means":\[\[\([-0-9.e]*\)\],\[\([-0-9.e]*\)\]\].*/\1 \2 \3 \4 \5 \6/p')
want=$(tail -1 "$TMP/fs.csv" | awk -F, -v a="$1" -v b="$2" -v c="$3" -v d="$4" -v m0="$5" -v m1="$6" '{
  p0 = $4; p1 = $5; for (h = 1; h <= 2; h++) { q0 = p0 * a + p1 * c; q1 = p0 * b + p1 * d; p0 = q0; p1 = q1 }
  printf "%.9f %.9f", p0, p0 * m0 + p1 * m1 }')
got=$(awk -F, '$2 == 2 { printf "%.9f %.9f", $3, $5 }' "$TMP/fc.csv")
near "${got% *}" "${want% *}" 1e-8 && near "${got#* }" "${want#* }" 1e-8 && [ "$(head -1 "$TMP/fc.csv")" = "sequence,h,p_0,p_1,mean_0" ] &&
  ok || bad "forecast h=2: $got, want $want"
# a covariance shared by the states (statsmodels' switching_variance=False): fedfunds K = 2, statsmodels'
# MarkovRegression reaches -508.63592 (its initial distribution is A's steady state; urn's is free, so higher),
# bse of the means 0.17671, 0.29999 and of the variance 0.42518
expect_exit 0 "$URN" hmm fit $R/fedfunds.csv --states 2 --y rate --prior none --shared-cov --quiet --out "$TMP/sh.json"
tr -d '\n' < "$TMP/sh.json" | sed -n 's/.*"standard_errors": {\(.*\)},.*"log_joint_trace.*/\1/p' > "$TMP/se"
ge "$(jnum loglik "$TMP/sh.json")" -508.63592 && [ "$(jnum num_params "$TMP/sh.json")" = 6 ] &&
  grep -q '"shared_covariance": true' "$TMP/sh.json" && near "$(se emission_means 1)" 0.17670926 0.005 &&
  near "$(se emission_means 2)" 0.29999087 0.005 && near "$(se emission_covariances 1)" 0.42518447 0.005 &&
  near "$(se emission_covariances 1)" "$(se emission_covariances 2)" 1e-12 && ok || bad "shared covariance fit: $(cat "$TMP/se")"
set -- $(grep -o '"emission_covariances": \[\[\[[-0-9.e]*\]\], \[\[[-0-9.e]*' "$TMP/sh.json" | head -1 | tr -d '[],' | cut -d: -f2)
[ -n "$1" ] && [ "$1" = "$2" ] && ok || bad "shared covariance differs between states: $*"
expect_exit 2 "$URN" hmm fit $R/fedfunds.csv --states 2 --y rate --shared-cov; expect_err "--shared-cov needs"
done_tests
