# tests/cli/test_hmm_trans.sh — `urn hmm` with input-driven transitions (--transition-x):
# fit/states/loglik on tests/data/hmm_trans.csv (simulated by tests/data/gen_hmm_trans.py
# with known transition weights), the parameter file round trip, and bad input.
. tests/cli/lib.sh
D=tests/data
expect_exit 0 "$URN" hmm fit --help; expect_out "--transition-x COLS"
expect_exit 0 "$URN" hmm fit $D/hmm_trans.csv --states 2 --y y --transition-x u --seq session --prior none \
  --restarts 6 --out "$TMP/t.json"
expect_err "no standard errors for input-driven transitions"
expect_exit 0 grep -c '"transition_input_dim": 1' "$TMP/t.json"
expect_exit 0 grep -o '"transition_weights": \[\[\[-0.71516[0-9]*\], \[0.71516[0-9]*\]\], \[\[0.86548[0-9]*\], \[-0.86548' "$TMP/t.json"
# the maximum likelihood of the input-driven model; the constant matrix is 103 nats lower
expect_exit 0 grep -o '"loglik": -1198.07456586' "$TMP/t.json"
expect_exit 0 "$URN" hmm fit $D/hmm_trans.csv --states 2 --y y --seq session --prior none --restarts 6 --no-se --out "$TMP/c.json"
expect_exit 0 grep -o '"loglik": -1301.05821' "$TMP/c.json"
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
expect_err "needs the future transition inputs"
expect_exit 1 "$URN" hmm fit $D/hmm_trans.csv --states 2 --y y --transition-x u --seq session --init "$TMP/c.json" --quiet
expect_err "0 transition inputs), but the fit asks for gaussian with 2 states (D=1, M=0, 1 transition inputs)"
done_tests
