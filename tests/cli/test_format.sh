# tests/cli/test_format.sh — `urn format`: layout on stdout, --canonical in current Stan, -o and
# --in-place, warnings on stderr, exit codes (1 for a program that does not parse or a file that
# cannot be written, 2 for usage errors); and the old-syntax warnings of urn check / logdensity.
. tests/cli/lib.sh
D=tests/data/old_programs
expect_exit 0 "$URN" format $D/schools.stan
expect_out "  real y[J];  # estimated treatment effects"
expect_out "    theta[j] <- mu + tau * eta[j];"
expect_err "schools.stan:1:1: warning: '#' comment (removed in Stan 2.33): write '//'"
expect_exit 0 "$URN" format --canonical $D/schools.stan
expect_out "// Eight schools, non-centered, written as in Stan 2.1x examples"
expect_out "  array[J] real<lower=0> sigma;  // s.e. of effect estimates"
expect_out "  for (j in 1:J) {"
expect_out "    theta[j] = mu + tau * eta[j];"
# -o writes the file; formatting it again changes nothing; it checks without warnings
expect_exit 0 "$URN" format --canonical $D/surgical.stan -o "$TMP/s.stan"
cp "$TMP/s.stan" "$TMP/s2.stan"
expect_exit 0 "$URN" format --in-place "$TMP/s2.stan"
if cmp -s "$TMP/s.stan" "$TMP/s2.stan"; then ok; else bad "format --in-place of a canonical program changed it"; fi
expect_exit 0 "$URN" check "$TMP/s.stan" --data $D/surgical.json
if [ -s "$TMP/err" ]; then bad "warnings for a canonical program: $(cat "$TMP/err")"; else ok; fi
# the old program and its canonical form: the same log density and gradient
printf '{"mu": 0.3, "sigmasq": 1.7, "b": [0.1, -0.2, 0.3, -0.4, 0.5, -0.6]}' > "$TMP/p.json"
expect_exit 0 "$URN" logdensity $D/surgical.stan --data $D/surgical.json --params "$TMP/p.json"
cp "$TMP/out" "$TMP/old.out"
expect_err "surgical.stan:24:3: warning: increment_log_prob(e) (removed in Stan 2.33): write 'target += e;'"
expect_exit 0 "$URN" logdensity "$TMP/s.stan" --data $D/surgical.json --params "$TMP/p.json"
if cmp -s "$TMP/out" "$TMP/old.out"; then ok; else bad "logdensity differs: $(cat "$TMP/old.out") vs $(cat "$TMP/out")"; fi
# urn check reads old syntax with one warning per kind and the hint, exit 0
expect_exit 0 "$URN" check $D/schools.stan --data $D/schools.json
expect_out "program and data are valid"
expect_err "schools.stan:4:8: warning: old array syntax 'real y[J]' (removed in Stan 2.33): write 'array[J] real y' [and 3 more like it]"
expect_err "note: urn reads this old syntax; 'urn format --canonical"
# format only parses: a function urn lacks is fine; comments stay, '#' becomes '//' only with --canonical
printf 'parameters { real x; }\nmodel {\n  // prior\n  x ~ my_unknown_dist(1);  # trailing\n}\n' > "$TMP/u.stan"
expect_exit 0 "$URN" format "$TMP/u.stan"
expect_out "  // prior"
expect_out "  x ~ my_unknown_dist(1);  # trailing"
expect_exit 0 "$URN" format --canonical "$TMP/u.stan"
expect_out "  x ~ my_unknown_dist(1);  // trailing"
expect_exit 1 "$URN" check "$TMP/u.stan"
# --in-place on a file that does not parse leaves it untouched
printf 'model { x = 1 }\n' > "$TMP/bad2.stan"
cp "$TMP/bad2.stan" "$TMP/bad2.orig"
expect_exit 1 "$URN" format --in-place "$TMP/bad2.stan"
if cmp -s "$TMP/bad2.stan" "$TMP/bad2.orig"; then ok; else bad "format --in-place changed a program that does not parse"; fi
# errors
printf 'model { x = 1 }\n' > "$TMP/bad.stan"
expect_exit 1 "$URN" format "$TMP/bad.stan"
expect_err "bad.stan:1:15: expected ';' after the assignment, found '}'"
expect_exit 1 "$URN" format $D/nofile.stan
expect_exit 2 "$URN" format
expect_exit 2 "$URN" format $D/schools.stan --bogus
expect_exit 2 "$URN" format $D/schools.stan -o "$TMP/x.stan" --in-place
expect_exit 1 "$URN" format $D/schools.stan -o "$TMP/no/such/dir/x.stan"
expect_err "urn format: cannot write"
# --in-place on a link formats the file it points to and keeps the link; -o into a pipe or FIFO writes it
cp $D/schools.stan "$TMP/target.stan" && ln -s "$TMP/target.stan" "$TMP/link.stan"
expect_exit 0 "$URN" format --canonical --in-place "$TMP/link.stan"
if [ -L "$TMP/link.stan" ] && grep -q "array\[J\] real y;" "$TMP/target.stan"; then ok; else bad "format --in-place on a link"; fi
# (a FIFO of our own, not /dev/stdout: a urn without the fix replaces the destination by a file)
mkfifo "$TMP/fifo"
timeout 60 cat "$TMP/fifo" > "$TMP/fifo.out" &
expect_exit 0 "$URN" format $D/schools.stan -o "$TMP/fifo"
wait
if [ -p "$TMP/fifo" ] && grep -q "theta" "$TMP/fifo.out"; then ok; else bad "format -o FIFO"; fi
expect_exit 0 "$URN" format --help
expect_out "usage: urn format model.stan"
# --stan2.21: the syntax rstan 2.21 reads (bench/pdb): dimensions after names, no _lupdf / %/% / profile(),
# declarations before statements (a nested block, or hoisted at the top of transformed data / generated
# quantities with the initial value assigned in place); the same log density; formatting it again is stable
cat > "$TMP/n.stan" <<'EOS'
functions {
  real f(array[] real x, data array[,] int k) {
    real s = sum(x);
    s += k[1, 1] %/% 2;
    real t = s * 2;
    return t;
  }
}
data {
  int N;
  array[N] real y;
  array[2, 2] int k;
}
transformed data {
  real m = mean(y);
  array[N] real z;
  for (n in 1:N) z[n] = y[n] - m;
  real sz = sum(z);
}
parameters {
  real mu;
  real<lower=0> sigma;
}
model {
  mu ~ normal(0, 10);
  real c = f(y, k);
  profile("lik") {
    target += normal_lupdf(y | mu + c * 0, sigma);
  }
  sigma ~ exponential(1);
}
generated quantities {
  real a = mu;
  a += 1;
  array[N] real yrep = normal_rng(rep_vector(mu, N), sigma);
  int q = N %/% 2;
}
EOS
expect_exit 0 "$URN" format --stan2.21 "$TMP/n.stan" -o "$TMP/o.stan"
expect_exit 0 cat "$TMP/o.stan"
expect_out "  real f(real[] x, data int[,] k) {"
expect_out "    s += k[1, 1] / 2;"
expect_out "  int k[2, 2];"
expect_out "  real z[N];"
expect_out "  real sz;"
expect_out "  sz = sum(z);"
expect_out "      target += normal_lpdf(y | mu + c * 0, sigma);"
expect_out "  yrep = normal_rng(rep_vector(mu, N), sigma);"
if grep -q 'profile\|lupdf\|%/%\|array\[' "$TMP/o.stan"; then bad "--stan2.21 left current syntax: $(cat "$TMP/o.stan")"; else ok; fi
if awk '/^model/ { m = 1 } m && /^  real c = f/ { exit 1 }' "$TMP/o.stan"; then ok; else bad "--stan2.21: declaration after a statement in model"; fi
printf '{"N": 3, "y": [1, 2, 3.5], "k": [[3, 1], [2, 2]]}' > "$TMP/n.json"
printf '{"mu": 0.3, "sigma": 1.2}' > "$TMP/np.json"
expect_exit 0 "$URN" logdensity "$TMP/n.stan" --data "$TMP/n.json" --params "$TMP/np.json"
cp "$TMP/out" "$TMP/n.out"
expect_exit 0 "$URN" logdensity "$TMP/o.stan" --data "$TMP/n.json" --params "$TMP/np.json"
if cmp -s "$TMP/out" "$TMP/n.out"; then ok; else bad "--stan2.21 logdensity differs: $(cat "$TMP/n.out") vs $(cat "$TMP/out")"; fi
expect_exit 0 "$URN" format --stan2.21 "$TMP/o.stan" -o "$TMP/o2.stan"
if cmp -s "$TMP/o.stan" "$TMP/o2.stan"; then ok; else bad "--stan2.21 of its own output changed it"; fi
done_tests
