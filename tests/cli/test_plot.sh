# tests/cli/test_plot.sh — `urn plot`: posterior, trace and rank SVGs from Stan
# CSV files (made here with awk), --vars selection (bracket and element
# names), --ref, and the errors: unknown kind, missing file, unknown
# variable, bad --ref, files that disagree.
. tests/cli/lib.sh
mkcsv() { # file chain-offset
  awk -v off="$2" 'BEGIN {
    print "# model = t"; print "lp__,accept_stat__,divergent__,mu,theta.1,theta.2";
    print "# Adaptation terminated"; print "# Step size = 0.5";
    s = 12345 + off * 7;
    for (i = 0; i < 200; i++) {
      s = (s * 1103515245 + 12345) % 2147483648; u1 = (s + 0.5) / 2147483648;
      s = (s * 1103515245 + 12345) % 2147483648; u2 = (s + 0.5) / 2147483648;
      z = sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
      printf "%.6f,0.9,%d,%.6f,%.6f,%.6f\n", -z*z/2, (i % 50 == 3), 1 + 0.1 * z, off + z, u1
    } }' > "$1"
}
mkcsv "$TMP/c1.csv" 0; mkcsv "$TMP/c2.csv" 1
expect_exit 0 "$URN" plot posterior "$TMP/c1.csv" "$TMP/c2.csv" -o "$TMP/p.svg" --ref mu=1 --title "A & B"
expect_out "wrote $TMP/p.svg (3 quantities, 2 chains x 200 draws)"
grep -q '<svg' "$TMP/p.svg" && grep -q 'mu' "$TMP/p.svg" && grep -q 'theta\[2\]' "$TMP/p.svg" && grep -q 'A &amp; B' "$TMP/p.svg" && ok || bad "posterior SVG content"
grep -q '&lt; 1 &lt;' "$TMP/p.svg" && ok || bad "reference value not marked"
expect_exit 0 "$URN" plot trace "$TMP/c1.csv" "$TMP/c2.csv" -o "$TMP/t.svg" --vars 'theta[1]'
expect_out "(1 quantities, 2 chains x 200 draws)"
grep -q '8 divergent' "$TMP/t.svg" && ok || bad "divergences not marked in the trace"
expect_exit 0 "$URN" plot rank "$TMP/c1.csv" "$TMP/c2.csv" -o "$TMP/r.svg" --vars theta,mu --cols 2
expect_out "(3 quantities"
grep -q 'chain 2' "$TMP/r.svg" && ok || bad "rank plot lacks chain rows"
(cd "$TMP" && "$URN" plot rank c1.csv >/dev/null) && [ -s "$TMP/rank.svg" ] && ok || bad "default output name"
expect_exit 2 "$URN" plot histogram "$TMP/c1.csv"; expect_err "unknown plot kind 'histogram'"
expect_exit 2 "$URN" plot posterior; expect_err "no Stan CSV files"
expect_exit 2 "$URN" plot posterior "$TMP/c1.csv" --ref mu; expect_err "is not NAME=VALUE"
expect_exit 2 "$URN" plot posterior "$TMP/c1.csv" --ref mu=abc; expect_err "is not a finite number"
expect_exit 2 "$URN" plot posterior "$TMP/c1.csv" --frobnicate; expect_err "unknown option '--frobnicate'"
expect_exit 1 "$URN" plot posterior "$TMP/nope.csv"; expect_err "nope.csv"
expect_exit 1 "$URN" plot posterior "$TMP/c1.csv" --vars sigma; expect_err "no column 'sigma'"
expect_exit 1 "$URN" plot posterior "$TMP/c1.csv" --vars mu --ref theta.1=0; expect_err "'theta.1' is not among"
head -n 50 "$TMP/c2.csv" > "$TMP/short.csv"
# chains of different lengths (an interrupted run): the first draws of each, with a note (issue #16)
expect_exit 0 "$URN" plot trace "$TMP/c1.csv" "$TMP/short.csv" -o "$TMP/short.svg"
expect_err "using the first 46 draws of each"
printf 'a,b\n1,x\n' > "$TMP/bad.csv"
expect_exit 1 "$URN" plot posterior "$TMP/bad.csv"; expect_err "bad.csv:2"
expect_exit 1 "$URN" plot posterior "$TMP/c1.csv" -o /nonexistent-dir/p.svg; expect_err "/nonexistent-dir/p.svg"
done_tests
