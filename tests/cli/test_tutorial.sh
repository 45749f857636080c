# tests/cli/test_tutorial.sh — `urn tutorial`: options, the per-step tables and
# total wall time on stdout, the files in --out, and its errors.  (The numbers
# of every step are checked by tests/test_tutorial.c.)
. tests/cli/lib.sh
expect_exit 0 "$URN" tutorial --help; expect_out "--steps LIST"
expect_exit 2 "$URN" tutorial --steps 9; expect_err "option --steps: '9' is not a list of steps 1-8"
expect_exit 2 "$URN" tutorial --steps 3-1; expect_err "is not a list of steps"
expect_exit 2 "$URN" tutorial --bogus; expect_err "unknown option '--bogus'"
expect_exit 2 "$URN" tutorial --seed -4; expect_err "option --seed"
expect_exit 0 "$URN" tutorial --steps 1,4,7 --quick --out "$TMP/t1"
expect_out "step 1  balls"; expect_out "P(red) n=10000"; expect_out "step 4  gaussian-hmm"
expect_out "step 7  glm-hmm"; expect_out "total wall time"; expect_out "0 quantities outside their tolerance"
for f in report.html results.json balls.svg balls.csv gaussian-hmm-em.svg gaussian-hmm-transitions.svg \
         gaussian-hmm.params.json glm-hmm-states.svg glm-hmm.data.json glm-hmm.params.json; do
  [ -s "$TMP/t1/$f" ] && ok || bad "missing $f"
done
grep -q '"method": "em"' "$TMP/t1/results.json" && grep -q '"within": true' "$TMP/t1/results.json" &&
  ! grep -q '"within": false' "$TMP/t1/results.json" && ok || bad "results.json content"
# The Stan programs shown for reference in steps 1 and 4 check against their data; step 1's, sampled, gives
# the closed-form Beta(1 + red, 1 + blue) posterior means (red = 4 of 5 and 5015 of 10000 at this seed).
for m in balls gaussian-hmm; do
  expect_exit 0 "$URN" check "$TMP/t1/$m.stan" --data "$TMP/t1/$m.data.json"; expect_out "program and data are valid"
done
grep -q '"red": \[4,5,59,519,5015\]' "$TMP/t1/balls.data.json" && ok || bad "balls.data.json: $(cat "$TMP/t1/balls.data.json")"
expect_exit 0 "$URN" sample "$TMP/t1/balls.stan" --data "$TMP/t1/balls.data.json" --seed 3 --output-dir "$TMP/bs"
expect_exit 0 "$URN" summary "$TMP/bs/"*.csv
awk '$1 == "p.1" { d = $2 - 5 / 7; ok1 = d < 0.015 && d > -0.015 } $1 == "p.5" { d = $2 - 5016 / 10002; ok5 = d < 0.001 && d > -0.001 }
     END { exit !(ok1 && ok5) }' "$TMP/out" && ok || bad "balls.stan posterior means: $(head -c 600 "$TMP/out")"
# The same seed gives the same numbers; another seed other data.
expect_exit 0 "$URN" tutorial --steps 1 --out "$TMP/again"
grep -o '"estimate": [^,]*' "$TMP/t1/results.json" | head -n 5 > "$TMP/a"; grep -o '"estimate": [^,]*' "$TMP/again/results.json" > "$TMP/b"
cmp -s "$TMP/a" "$TMP/b" && ok || bad "same seed, different step 1 numbers"
expect_exit 0 "$URN" tutorial --steps 1 --seed 7 --out "$TMP/other"
grep -o '"estimate": [^,]*' "$TMP/other/results.json" > "$TMP/c"
cmp -s "$TMP/a" "$TMP/c" && bad "another seed gave the same draws" || ok
: > "$TMP/file"
expect_exit 1 "$URN" tutorial --steps 1 --out "$TMP/file/sub"; expect_err "$TMP/file"
done_tests
