# tests/cli/test_hmm_trans.sh — `urn hmm` with input-driven transitions (--transition-x):
# fit/states/loglik on tests/data/hmm_trans.csv (simulated by tests/data/gen_hmm_trans.py
# with known transition weights), the parameter file round trip, and bad input.
. tests/cli/lib.sh
D=tests/data
expect_exit 0 "$URN" hmm fit --help; expect_out "--transition-x COLS"
expect_exit 0 "$URN" hmm fit $D/hmm_trans.csv --states 2 --y y --transition-x u --seq session --prior none \
  --restarts 6 --out "$TMP/t.json"
grep -q '"standard_errors": {.*"transition_weights": \[\[\[0\.1' "$TMP/t.json" && ok || bad "no standard errors of the transition weights"
expect_exit 0 grep -c '"transition_input_dim": 1' "$TMP/t.json"
expect_exit 0 grep -o '"transition_weights": \[\[\[-0.71516[0-9]*\], \[0.71516[0-9]*\]\], \[\[0.86548[0-9]*\], \[-0.86548' "$TMP/t.json"
# the maximum likelihood of the input-driven model; the constant matrix is 103 nats lower
expect_exit 0 grep -o '"loglik": -1198.07456586' "$TMP/t.json"
expect_exit 0 "$URN" hmm fit $D/hmm_trans.csv --states 2 --y y --seq session --prior none --restarts 6 --no-se --out "$TMP/c.json"
expect_exit 0 grep -o '"loglik": -1301.05821' "$TMP/c.json"
# standard errors of the transition coefficients against statsmodels' bse (tests/data/gen_hmm_trans_se.py, one
# series of 1000 steps): urn's log-likelihood at statsmodels' optimum is its llf; with the initial distribution
# held at statsmodels' (--freeze initial; its fit (b), initialize_known) the standard errors of W_i0, b_i0 are half
# its bse of the log-odds coefficients p[i->0].tvtp1, .tvtp0, and those of the means and variances its bse
S=$D/hmm_trans_se_statsmodels
expect_exit 0 "$URN" hmm loglik $D/hmm_trans_se.csv --params $S.json --y y --transition-x u
expect_out "# total,-1482.68220166"
expect_exit 0 "$URN" hmm fit $D/hmm_trans_se.csv --states 2 --y y --transition-x u --prior none --init $S.json \
  --freeze initial --quiet --out "$TMP/se.json"
/usr/bin/python3 - "$TMP/se.json" $S.txt <<'PY' && ok || bad "standard errors against statsmodels' bse"
import json, sys
f = json.load(open(sys.argv[1]))["fit"]
se = f["standard_errors"]
ref = {}
for line in open(sys.argv[2]):
    w = line.split()
    if w[0] == "b" and w[1] != "llf":
        ref[w[1]] = float(w[3])
    if w[0] == "b" and w[1] == "llf":
        llf = float(w[2])
assert abs(f["loglik"] - llf) < 0.02, (f["loglik"], llf)  # statsmodels' S_0 distribution moves with P_0 a little
worst = 0.0
for i in range(2):
    for j in range(2):
        worst = max(worst, abs(2 * se["transition_weights"][i][j][0] / ref["p[%d->0].tvtp1" % i] - 1),
                    abs(2 * se["transition_biases"][i][j] / ref["p[%d->0].tvtp0" % i] - 1))
    worst = max(worst, abs(se["emission_means"][i][0] / ref["const[%d]" % i] - 1),
                abs(se["emission_covariances"][i][0][0] / ref["sigma2[%d]" % i] - 1))
assert worst < 3e-3, worst  # measured 1.1e-3 (both Hessians by central differences)
assert se["initial_probs"] == [0.0, 0.0]
PY
# simulation driven by the transition inputs of a file (tests/test_hmm_trans.c checks the frequencies)
expect_exit 0 "$URN" hmm sample --params "$TMP/t.json" --inputs $D/hmm_trans.csv --transition-x u --seq session \
  --seed 3 --out "$TMP/sim.csv"
[ "$(head -1 "$TMP/sim.csv")" = "sequence,t,state,y,u" ] && [ "$(wc -l < "$TMP/sim.csv")" -eq 801 ] &&
  [ "$(sed -n 3p "$TMP/sim.csv" | cut -d, -f5)" = "0.33022800000000002" ] && ok || bad "sample: $(head -3 "$TMP/sim.csv")"
expect_exit 2 "$URN" hmm sample --params "$TMP/t.json" --T 10
expect_err "the model has input-driven transitions: give --inputs U.csv --transition-x COLS"
expect_exit 1 "$URN" hmm sample --params "$TMP/t.json" --inputs $D/hmm_trans.csv --transition-x u,t --seq session
expect_err "--transition-x selects 2 columns, but the model has 1 transition inputs"
expect_exit 2 "$URN" hmm sample --params "$TMP/c.json" --T 10 --transition-x u
expect_err "the model has no input-driven transitions"
# loglik and states read the file back
expect_exit 0 "$URN" hmm loglik $D/hmm_trans.csv --params "$TMP/t.json" --y y --transition-x u --seq session
expect_out "# total,-1198.07456586"
expect_exit 0 "$URN" hmm states $D/hmm_trans.csv --params "$TMP/t.json" --y y --transition-x u --seq session --out "$TMP/st.csv"
expect_exit 0 "$URN" hmm align "$TMP/st.csv" $D/hmm_trans.csv --col2 true_state
expect_out "# agreement after relabelling: 0.97"
# a refit from the file stays at the optimum (converges at once)
expect_exit 0 "$URN" hmm fit $D/hmm_trans.csv --states 2 --y y --transition-x u --seq session --init "$TMP/t.json" --no-se --out "$TMP/t2.json"
expect_exit 0 grep -o '"loglik": -1198.07456586' "$TMP/t2.json"
# the MAP fit (N(0, 10^2) on the coefficients) is close; a tight prior pulls the weights to 0
expect_exit 0 "$URN" hmm fit $D/hmm_trans.csv --states 2 --y y --transition-x u --seq session --no-se --transition-scale 1e-3 --restarts 2 --out "$TMP/t3.json"
expect_exit 0 grep -Eo '"transition_weights": \[\[\[-?[0-9.]+e-0[5-9]\], \[[0-9.]+e-0[5-9]\]\], \[\[[0-9.]+e-0[5-9]\]' "$TMP/t3.json"
# bad input
expect_exit 2 "$URN" hmm states $D/hmm_trans.csv --params "$TMP/t.json" --y y --seq session
expect_err "give --transition-x COLS (its 1 transition inputs)"
expect_exit 1 "$URN" hmm loglik $D/hmm_trans.csv --params "$TMP/t.json" --y y --transition-x u,t --seq session
expect_err "--transition-x selects 2 columns, but the model"
expect_exit 1 "$URN" hmm fit $D/hmm_trans.csv --states 2 --y y --transition-x uu --quiet
expect_err "no column named 'uu'"
sed 's/^0,5,\([^,]*\),[^,]*,/0,5,\1,nan,/' $D/hmm_trans.csv > "$TMP/nan.csv"
expect_exit 1 "$URN" hmm fit "$TMP/nan.csv" --states 2 --y y --transition-x u --seq session --quiet
expect_err "nan.csv"
expect_exit 1 "$URN" hmm forecast $D/hmm_trans.csv --params "$TMP/t.json" --y y --transition-x u --seq session
expect_err "needs the future transition inputs: give --future FILE.csv"
# forecasts with future transition inputs: h = 1..3 per session, checked against the filtered distribution at the
# last step (the states command's smoothed probabilities there) pushed through softmax(W u + b) in Python
printf 'session,u\n0,1.5\n0,-0.5\n0,0.25\n1,-2\n1,0\n1,3\n' > "$TMP/fut.csv"
expect_exit 0 "$URN" hmm forecast $D/hmm_trans.csv --params "$TMP/t.json" --y y --transition-x u --seq session \
  --future "$TMP/fut.csv" --out "$TMP/fc.csv"
/usr/bin/python3 - "$TMP" <<'PY' && ok || bad "forecast with future transition inputs"
import csv, json, math, sys
d = sys.argv[1]
P = json.load(open(d + "/t.json"))["params"]
W, B = P["transition_weights"], P["transition_biases"]
last = {}
for r in csv.DictReader(open(d + "/st.csv")):
    last[r["sequence"]] = [float(r["p_0"]), float(r["p_1"])]
fut = {}
for r in csv.DictReader(open(d + "/fut.csv")):
    fut.setdefault(r["session"], []).append(float(r["u"]))
rows = list(csv.DictReader(open(d + "/fc.csv")))
assert len(rows) == 6, rows
worst = 0.0
for r in rows:
    s, h = r["sequence"], int(r["h"])
    p = last[s]
    for k in range(h):
        u = fut[s][k]
        A = []
        for i in range(2):
            e = [math.exp(W[i][j][0] * u + B[i][j]) for j in range(2)]
            A.append([v / sum(e) for v in e])
        p = [sum(p[i] * A[i][j] for i in range(2)) for j in range(2)]
    got = [float(r["p_0"]), float(r["p_1"])]
    worst = max(worst, max(abs(a - b) for a, b in zip(got, p)))
    mu = P["emission_means"]
    mean = sum(p[k] * mu[k][0] for k in range(2))
    worst = max(worst, abs(float(r["mean_0"]) - mean))
assert worst < 1e-8, worst  # the states file has 10 significant digits
PY
expect_exit 0 "$URN" hmm forecast $D/hmm_trans.csv --params "$TMP/t.json" --y y --transition-x u --seq session \
  --future "$TMP/fut.csv" --steps 2
expect_exit 0 sh -c "\"$URN\" hmm forecast $D/hmm_trans.csv --params $TMP/t.json --y y --transition-x u --seq session --future $TMP/fut.csv --steps 2 | grep -c '^[01],[12],'"
expect_out "4"
expect_exit 1 "$URN" hmm forecast $D/hmm_trans.csv --params "$TMP/t.json" --y y --transition-x u --seq session \
  --future "$TMP/fut.csv" --steps 4
expect_err "--steps 4, but"
printf 'session,u\n1,1.5\n0,-0.5\n' > "$TMP/fut2.csv"
expect_exit 1 "$URN" hmm forecast $D/hmm_trans.csv --params "$TMP/t.json" --y y --transition-x u --seq session \
  --future "$TMP/fut2.csv"
expect_err "future sequence 1 is '1', but the data's sequence 1 is '0'"
printf 'session,u\n0,1.5\n1,nan\n' > "$TMP/fut3.csv"
expect_exit 1 "$URN" hmm forecast $D/hmm_trans.csv --params "$TMP/t.json" --y y --transition-x u --seq session \
  --future "$TMP/fut3.csv"
expect_err "fut3.csv"
expect_exit 1 "$URN" hmm forecast $D/hmm_trans.csv --params "$TMP/c.json" --y y --seq session --future "$TMP/fut.csv"
expect_err "--future is for input-driven transitions"
expect_exit 1 "$URN" hmm fit $D/hmm_trans.csv --states 2 --y y --transition-x u --seq session --init "$TMP/c.json" --quiet
expect_err "0 transition inputs), but the fit asks for gaussian with 2 states (D=1, M=0, 1 transition inputs)"
done_tests
