# tests/cli/test_check.sh — `urn check`: usage errors, a valid program with and without data (the
# parameter layout), and the catalogue of wrong data files in tests/data/bad_data/ (each NAME.json
# must be refused with exit 1 and the message in NAME.expected).
. tests/cli/lib.sh
D=tests/data/bad_data

expect_exit 2 "$URN" check
expect_err "missing the model file"
expect_exit 2 "$URN" check "$D/model.stan" --bogus
expect_exit 0 "$URN" check --help
expect_out "usage: urn check"

expect_exit 0 "$URN" check "$D/model.stan" --data "$D/good.json"
expect_out "program and data are valid"
expect_out "mu"
expect_exit 0 "$URN" check "$D/model.stan"
expect_out "program is valid"

cat > "$TMP/lay.stan" <<'STAN'
data { int<lower=1> K; }
parameters { simplex[K] p; vector<lower=0>[K] s; array[2] real<lower=-1, upper=1> r; cholesky_factor_corr[K] L; }
model { }
STAN
echo '{"K": 3}' > "$TMP/lay.json"
expect_exit 0 "$URN" check "$TMP/lay.stan" --data "$TMP/lay.json"
expect_out "simplex[3]  (3 values, 2 unconstrained)"
expect_out "vector<lower=0>[3]  (3 values, 3 unconstrained)"
expect_out "array[2] real<lower=-1, upper=1>  (2 values, 2 unconstrained)"
expect_out "cholesky_factor_corr[3, 3]  (9 values, 3 unconstrained)"
expect_out "parameters: 4 (10 unconstrained values)"

# a program error names file:line:col
printf 'parameters { real mu; }\nmodel { mu ~ normal(0, undefined_thing); }\n' > "$TMP/bad.stan"
expect_exit 1 "$URN" check "$TMP/bad.stan"
expect_err "bad.stan:2:"
expect_err "undefined_thing"
expect_exit 1 "$URN" check "$TMP/nonexistent.stan"

n=0
for f in "$D"/*.json; do
  name=$(basename "$f" .json)
  [ "$name" = good ] && continue
  n=$((n+1))
  expect_exit 1 "$URN" check "$D/model.stan" --data "$f"
  expect_err "$(cat "$D/$name.expected")"
done
[ "$n" -ge 20 ] && ok || bad "only $n bad data files"
done_tests
