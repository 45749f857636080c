# tests/cli/test_hmm_family.sh — `urn hmm` with the emission families exponential,
# gamma, lognormal, beta, categorical, student and gmm: sample from known parameters,
# fit (--emission NAME) and recover the states, states / loglik / forecast /
# select on the fit, the parameter file and standard errors, --dof, and the
# input checks naming file:line.
. tests/cli/lib.sh
A='"initial_probs": [0.5, 0.5], "transition_matrix": [[0.95, 0.05], [0.1, 0.9]]'
truth() { # KIND EXTRA PARAMS
  printf '{"model": "%s", "num_states": 2, "emission_dim": 1%s, "params": {%s, %s}}\n' "$1" "$2" "$A" "$3" > "$TMP/$1.true.json"
}
truth exponential "" '"emission_rates": [[0.5], [5.0]]'
truth gamma "" '"emission_shapes": [[2.0], [8.0]], "emission_rates": [[1.0], [2.0]]'
truth lognormal "" '"emission_means": [[0.0], [2.0]], "emission_scale_diags": [[0.5], [0.3]]'
truth beta "" '"emission_shapes": [[[2.0, 5.0]], [[6.0, 2.0]]]'
truth categorical ', "num_classes": 3' '"emission_probs": [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]]'
truth student "" '"emission_means": [[0.0], [5.0]], "emission_scale_diags": [[1.0], [0.5]], "emission_dofs": [[3.0], [6.0]]'
truth gmm ', "num_components": 2' '"emission_mixture_weights": [[0.5, 0.5], [0.3, 0.7]], "emission_means": [[[-2.0], [2.0]], [[6.0], [10.0]]], "emission_scale_diags": [[[0.5], [0.5]], [[1.0], [0.3]]]'
for k in exponential gamma lognormal beta categorical student gmm; do
  expect_exit 0 "$URN" hmm sample --params "$TMP/$k.true.json" --T 1500 --seed 5 --out "$TMP/$k.csv"
  expect_exit 0 "$URN" hmm fit "$TMP/$k.csv" --states 2 --emission $k --y y --restarts 4 --quiet --out "$TMP/$k.fit.json"
  expect_exit 0 grep -q "\"model\": \"$k\"" "$TMP/$k.fit.json"
  expect_exit 0 grep -q '"standard_errors"' "$TMP/$k.fit.json"
  expect_exit 0 "$URN" hmm states "$TMP/$k.csv" --params "$TMP/$k.fit.json" --y y --out "$TMP/$k.st.csv"
  expect_exit 0 "$URN" hmm align "$TMP/$k.st.csv" "$TMP/$k.csv" --col2 state
  a=$(sed -n 's/^# agreement after relabelling: \([0-9.]*\).*/\1/p' "$TMP/out")
  awk -v a="$a" 'BEGIN { exit !(a >= 0.9) }' && ok || bad "$k: state agreement $a < 0.9"
  expect_exit 0 "$URN" hmm loglik "$TMP/$k.csv" --params "$TMP/$k.fit.json" --y y
  expect_exit 0 "$URN" hmm forecast "$TMP/$k.csv" --params "$TMP/$k.fit.json" --y y --steps 3
  expect_out "sequence,h,p_0,p_1,mean_0"
done
# the emission parameters come back (states may be relabelled): gamma's shapes, student's dofs
/usr/bin/python3 - "$TMP" <<'PY' && ok || bad "recovered parameters"
import json, sys
t = sys.argv[1]
g = json.load(open(t + "/gamma.fit.json"))["params"]
sh = sorted(v[0] for v in g["emission_shapes"])
assert abs(sh[0] - 2.0) < 0.4 and abs(sh[1] - 8.0) < 1.6, sh
s = json.load(open(t + "/student.fit.json"))["params"]
mu = [v[0] for v in s["emission_means"]]
nu = [v[0] for v in s["emission_dofs"]]
i = 0 if mu[0] < mu[1] else 1
assert abs(mu[i]) < 0.15 and abs(mu[1 - i] - 5) < 0.1, mu
assert 2 < nu[i] < 4.5 and 3 < nu[1 - i] < 15, nu
PY
# gmm: --components, the weights come back
expect_exit 0 "$URN" hmm fit "$TMP/gmm.csv" --states 2 --emission gmm --components 3 --y y --restarts 2 --quiet --out "$TMP/g3.json"
expect_exit 0 grep -q '"num_components": 3' "$TMP/g3.json"
expect_exit 2 "$URN" hmm fit "$TMP/gamma.csv" --states 2 --emission gamma --components 3 --y y; expect_err "--components is only used by --emission gmm"
/usr/bin/python3 - "$TMP" <<'PY' && ok || bad "gmm weights"
import json, sys
p = json.load(open(sys.argv[1] + "/gmm.fit.json"))["params"]
w = sorted(sorted(r) for r in p["emission_mixture_weights"])
assert abs(w[0][0] - 0.3) < 0.06 and abs(w[1][0] - 0.5) < 0.06, w
PY
# select over K = 1..3 picks 2 states by BIC
expect_exit 0 "$URN" hmm select "$TMP/gamma.csv" --max-states 3 --y y --emission gamma --restarts 3
expect_out "# best_bic,2"
# --dof holds nu; it travels in the parameter file
expect_exit 0 "$URN" hmm fit "$TMP/student.csv" --states 2 --emission student-t --dof 4 --y y --restarts 2 --quiet --out "$TMP/s4.json"
expect_exit 0 grep -q '"emission_dof": 4.0' "$TMP/s4.json"
expect_exit 0 grep -q '"emission_dofs": \[\[4.0\], \[4.0\]\]' "$TMP/s4.json"
expect_exit 0 grep -q '"emission_dofs": \[\[0.0\], \[0.0\]\]' "$TMP/s4.json"
expect_exit 2 "$URN" hmm fit "$TMP/gamma.csv" --states 2 --emission gamma --dof 4 --y y; expect_err "--dof is only used by --emission student"
# --prior none for categorical (maximum likelihood); --init prior for gamma is refused
expect_exit 0 "$URN" hmm fit "$TMP/categorical.csv" --states 2 --emission categorical --y y --prior none --restarts 2 --quiet --out "$TMP/c.json"
expect_exit 0 grep -q '"no_prior": \["initial_probs", "transition_matrix", "emissions"\]' "$TMP/c.json"
expect_exit 1 "$URN" hmm fit "$TMP/gamma.csv" --states 2 --emission gamma --y y --init prior; expect_err "no prior to draw from"
# bad values name the file and line
printf 'y\n0.5\n1.5\n0\n2\n' > "$TMP/bad.csv"
expect_exit 1 "$URN" hmm fit "$TMP/bad.csv" --states 2 --emission gamma --y y; expect_err "bad.csv:4: gamma emission 0 must be > 0"
expect_exit 1 "$URN" hmm fit "$TMP/bad.csv" --states 2 --emission beta --y y; expect_err "bad.csv:3: beta emission 1.5 must be strictly between 0 and 1"
expect_exit 1 "$URN" hmm fit "$TMP/bad.csv" --states 2 --emission categorical --y y; expect_err "bad.csv:2: categorical emission 0.5 must be a class code"
expect_exit 1 "$URN" hmm fit "$TMP/bad.csv" --states 2 --emission exponential --y y; expect_err "bad.csv:4: exponential emission 0 must be > 0"
expect_exit 2 "$URN" hmm fit "$TMP/bad.csv" --states 2 --emission weibull --y y; expect_err "lognormal, beta, categorical, student"
done_tests
