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
expect_exit 0 sh -c "grep -o '\"transition_matrix\": \\[\\[[0-9.e-]*' '$TMP/g.json' > '$TMP/a1'; grep -o '\"transition_matrix\": \\[\\[[0-9.e-]*' '$TMP/g2.json' > '$TMP/a2'; cmp '$TMP/a1' '$TMP/a2'"
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
done_tests
