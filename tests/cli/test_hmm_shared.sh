# tests/cli/test_hmm_shared.sh — linear-regression HMMs with coefficients shared by all states
# (`urn hmm fit --emission linreg --shared-coef COLS`, with or without --shared-cov): statsmodels'
# MarkovRegression (switching_exog, switching_variance; tests/data/gen_hmm_shared.py) gives the same
# log-likelihood at its parameters (to 1e-9) and urn's fit reaches at least its optimum; standard errors of the
# shared coefficient agree with its bse; EM is monotone; K = 1 is numpy's OLS; the fitted parameters are the
# fixed point of the joint weighted least squares over the smoothed state probabilities (numpy); recovery of
# known parameters; the parameter file round trip; bad flags and files.
. tests/cli/lib.sh
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
DIR=tests/data/hmm_shared
FIT="$URN hmm fit $DIR/data.csv --states 2 --y y --x x1,x2 --emission linreg --prior none --quiet"
check() { # DESCRIPTION PYTHON-EXPRESSION... (exit status of the script)
  d=$1; shift
  if "$PY" -c "$@"; then ok; else bad "$d"; fi
}
for c in x1 x1_sharedvar all_sharedvar all; do
  case $c in all*) sc=x1,x2 ;; *) sc=x1 ;; esac
  case $c in *sharedvar) sv=--shared-cov ;; *) sv= ;; esac
  "$PY" -c 'import json, sys; json.dump(json.load(open(sys.argv[1]))["statsmodels"][sys.argv[2]]["params"], open(sys.argv[3], "w"))' \
    $DIR/ref.json $c "$TMP/sm-$c.json"
  # the log-likelihood at statsmodels' optimum (its stationary initial distribution) is its llf
  expect_exit 0 "$URN" hmm loglik $DIR/data.csv --params "$TMP/sm-$c.json" --y y --x x1,x2
  ll=$(sed -n 's/^# total,//p' "$TMP/out")
  check "$c: loglik at statsmodels' parameters $ll" 'import json, sys
llf = json.load(open(sys.argv[1]))["statsmodels"][sys.argv[2]]["llf"]
sys.exit(0 if abs(float(sys.argv[3]) - llf) <= 1e-9 * abs(llf) else 1)' $DIR/ref.json $c "$ll"
  # the search and a start from statsmodels' parameters both reach at least its optimum
  expect_exit 0 $FIT --shared-coef $sc $sv --restarts 6 --out "$TMP/fit-$c.json"
  expect_exit 0 $FIT --shared-coef $sc $sv --init "$TMP/sm-$c.json" --out "$TMP/fit2-$c.json"
  for f in fit fit2; do
    check "$c ($f): below statsmodels, not monotone, or shared coefficients that differ" 'import json, sys
ref = json.load(open(sys.argv[1]))["statsmodels"][sys.argv[2]]
d = json.load(open(sys.argv[3])); fit, W = d["fit"], d["params"]["emission_weights"]
tr = fit["log_joint_trace"] + [fit["final_log_joint"]]
mono = all(b >= a - 1e-9 * abs(a) for a, b in zip(tr, tr[1:]))
shared = [j for j in range(2) if j in d["shared_coefficients"]]
same = all(W[0][0][j] == W[1][0][j] for j in shared) and len(shared) == (2 if sys.argv[2].startswith("all") else 1)
se = fit["standard_errors"]["emission_weights"]
se_ok = se[0][0][0] == se[1][0][0] and abs(se[0][0][0] / ref["bse_x1"] - 1) < 5e-3
npar = {"x1": 10, "x1_sharedvar": 9, "all_sharedvar": 8, "all": 9}[sys.argv[2]]
ok = fit["loglik"] >= ref["llf"] - 1e-6 and mono and same and se_ok and fit["num_params"] == npar and fit["converged"]
print(sys.argv[2], fit["loglik"], ref["llf"], mono, same, se[0][0][0], ref["bse_x1"], fit["num_params"])
sys.exit(0 if ok else 1)' $DIR/ref.json $c "$TMP/$f-$c.json"
  done
done
# K = 1: ordinary least squares (numpy), whatever is shared
expect_exit 0 "$URN" hmm fit $DIR/data.csv --states 1 --y y --x x1,x2 --emission linreg --prior none --shared-coef x1 --quiet --out "$TMP/k1.json"
check "K = 1 is not numpy's OLS" 'import json, sys
o = json.load(open(sys.argv[1]))["ols"]; d = json.load(open(sys.argv[2])); p = d["params"]
got = p["emission_weights"][0][0] + [p["emission_biases"][0][0], p["emission_covariances"][0][0][0], d["fit"]["loglik"]]
want = o["weights"] + [o["bias"], o["variance"], o["loglik"]]
sys.exit(0 if all(abs(a - b) <= 1e-8 * max(1, abs(b)) for a, b in zip(got, want)) else 1)' $DIR/ref.json "$TMP/k1.json"
# the fit is the fixed point of the M-step computed independently: with the smoothed probabilities g_tk of
# `urn hmm states`, weighted least squares over both states jointly (weights g_tk / s_k^2, x1's column shared,
# the intercept and x2 per state) gives the coefficients, and sum_t g_tk r_tk^2 / sum_t g_tk the variances
expect_exit 0 "$URN" hmm states $DIR/data.csv --params "$TMP/fit-x1.json" --y y --x x1,x2 --out "$TMP/st.csv"
if "$PY" -c 'import numpy' 2>/dev/null; then
  check "the fit is not the joint weighted least squares fixed point" 'import json, sys
import numpy as np
d = json.load(open(sys.argv[1])); p = d["params"]
data = np.genfromtxt(sys.argv[2], delimiter=",", names=True); st = np.genfromtxt(sys.argv[3], delimiter=",", names=True)
y, x1, x2, g = data["y"], data["x1"], data["x2"], np.column_stack([st["p_0"], st["p_1"]])
s2 = [p["emission_covariances"][k][0][0] for k in range(2)]
T = len(y); rows, rhs, w = [], [], []
for k in range(2):
    Z = np.zeros((T, 5)); Z[:, 0] = x1; Z[:, 1 + 2 * k] = x2; Z[:, 2 + 2 * k] = 1.0
    rows.append(Z); rhs.append(y); w.append(g[:, k] / s2[k])
Z, Y, W = np.vstack(rows), np.concatenate(rhs), np.concatenate(w)
beta = np.linalg.solve(Z.T @ (W[:, None] * Z), Z.T @ (W * Y))
want = [beta[0], beta[1], beta[2], beta[0], beta[3], beta[4]]
got = [p["emission_weights"][0][0][0], p["emission_weights"][0][0][1], p["emission_biases"][0][0],
       p["emission_weights"][1][0][0], p["emission_weights"][1][0][1], p["emission_biases"][1][0]]
var = [np.sum(g[:, k] * (y - beta[0] * x1 - beta[1 + 2 * k] * x2 - beta[2 + 2 * k]) ** 2) / np.sum(g[:, k]) for k in range(2)]
err = max([abs(a - b) for a, b in zip(got, want)] + [abs(a / b - 1) for a, b in zip(s2, var)])
print("fixed point", err)
sys.exit(0 if err < 1e-6 else 1)' "$TMP/fit-x1.json" $DIR/data.csv "$TMP/st.csv"
else
  echo "skipped: numpy (the fixed-point check)"
fi
# recovery: 3000 steps sampled from known parameters (the sample carries the inputs) (x1's coefficient 1.3 in both states)
cat > "$TMP/true.json" <<'EOF'
{"model": "linreg", "num_states": 2, "emission_dim": 1, "input_dim": 2, "shared_coefficients": [0],
 "params": {"initial_probs": [0.5, 0.5], "transition_matrix": [[0.95, 0.05], [0.1, 0.9]],
  "emission_weights": [[[1.3, 0.5]], [[1.3, -1.0]]], "emission_biases": [[-1.0], [1.5]],
  "emission_covariances": [[[0.36]], [[1.0]]]}}
EOF
awk 'BEGIN { print "x1,x2"; for (t = 0; t < 3000; t++) printf "%.6f,%.6f\n", sin(t * 1.7) * 1.5, cos(t * 0.61 + 0.3 * t * t) }' > "$TMP/inputs.csv"
expect_exit 0 "$URN" hmm sample --params "$TMP/true.json" --inputs "$TMP/inputs.csv" --x x1,x2 --seed 3 --out "$TMP/sim.csv"
expect_exit 0 "$URN" hmm fit "$TMP/sim.csv" --states 2 --y y --x x1,x2 --emission linreg --shared-coef x1 --quiet --no-se --out "$TMP/rec.json"
check "recovery" 'import json, sys
p = json.load(open(sys.argv[1]))["params"]
k = 0 if p["emission_biases"][0][0] < p["emission_biases"][1][0] else 1
got = [p["emission_weights"][k][0][0], p["emission_weights"][k][0][1], p["emission_weights"][1 - k][0][1],
       p["emission_biases"][k][0], p["emission_biases"][1 - k][0]]
print("recovered", got)
sys.exit(0 if all(abs(a - b) < 0.1 for a, b in zip(got, [1.3, 0.5, -1.0, -1.0, 1.5])) else 1)' "$TMP/rec.json"
# the parameter file keeps the shared columns: a fit from it shares them without the flag
expect_exit 0 grep -q '"shared_coefficients": \[0\]' "$TMP/fit-x1.json"
expect_exit 0 "$URN" hmm fit $DIR/data.csv --states 2 --y y --x x1,x2 --emission linreg --init "$TMP/fit-x1.json" --quiet --no-se --out "$TMP/again.json"
expect_exit 0 grep -q '"shared_coefficients": \[0\]' "$TMP/again.json"
expect_exit 0 grep -q '"num_params": 10' "$TMP/again.json"
# bad flags and files
expect_exit 2 "$URN" hmm fit $DIR/data.csv --states 2 --y y --shared-coef x1
expect_err "--shared-coef is only used by --emission linreg"
expect_exit 1 $FIT --shared-coef zz
expect_err "no column named 'zz'"
expect_exit 1 $FIT --shared-coef y
expect_err "--shared-coef: column 'y' is not one of the first 64 --x columns"
sed 's/"shared_coefficients": \[0\]/"shared_coefficients": [2]/' "$TMP/fit-x1.json" > "$TMP/bad.json"
expect_exit 1 "$URN" hmm loglik $DIR/data.csv --params "$TMP/bad.json" --y y --x x1,x2
expect_err "\"shared_coefficients\" must be a list of input indices 0..1 of a linreg model"
done_tests
