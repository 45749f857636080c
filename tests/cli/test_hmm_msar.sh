# tests/cli/test_hmm_msar.sh — `urn hmm msar` against statsmodels' MarkovAutoregression /
# MarkovRegression on real series: for every case in tests/data/hmm_msar (made by
# tests/data/gen_hmm_msar.py with Debian's statsmodels 0.13.5), urn's log likelihood at
# statsmodels' optimum equals its llf to 1e-6, and urn's own fit (restarts of EM) reaches at
# least that llf; urn's standard errors at statsmodels' optimum equal its bse (its numerical Hessian, the
# transition probabilities and variances on their own scale) within 1%, and where statsmodels' Hessian is
# singular (NaN bse: the fedfunds cases whose AR coefficient is about 1) urn warns and writes none.  Then the
# states output, a continued fit, and bad input.
. tests/cli/lib.sh
M=tests/data/hmm_msar
key() { tr -d '\n' < "$1" | sed -n "s/.*\"$2\": *\([^,}]*\).*/\1/p" | tr -d '" '; }
# arr FILE KEY: a top-level array's items, comma-separated, without quotes or spaces
arr() { tr -d '\n' < "$1" | sed -n "s/.*\"$2\": *\[\([^]]*\)\].*/\1/p" | tr -d '" '; }
# near A B TOL: |A - B| <= TOL;  atleast A B TOL: A >= B - TOL
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= t) }'; }
atleast() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { exit !(a != "" && a >= b - t) }'; }
# sebse EVAL.json CASE.json: each finite statsmodels standard error (by its name: p[i->j], const[k], sigma2[k],
# ar.Lj[k], xj[k]) against urn's entry; prints "compared worst-relative-difference worst-name"
sebse() {
  { tr -d '\n ' < "$1" | sed -n 's/.*"standard_errors":{\(.*\)}}}$/\1/p'; echo
    sed -n '/"statsmodels_bse"/,/}/p' "$2" | tr -d ' ,"'; } | awk '
  NR == 1 { s = $0; d = 0; key = ""; num = ""
    for (i = 1; i <= length(s); i++) {
      c = substr(s, i, 1)
      if (c ~ /[-0-9.eE+]/ && d > 0) { num = num c; continue }
      if (num != "") { v[key, r, k] = num; num = "" }
      if (c == "\"") { e = index(substr(s, i + 1), "\""); key = substr(s, i + 1, e - 1); i += e; continue }
      if (c == "[") { d++; if (d == 1) r = 0; k = 0 }
      else if (c == "]") d--
      else if (c == ",") { if (d == 1) r++; else if (d == 2) k++ }
    }
    next }
  /:/ { split($0, a, ":"); n = a[1]; b = a[2]; if (b == "null" || b == "{") next
    u = ""
    if (match(n, /^p\[[0-9]+->[0-9]+\]$/)) { split(substr(n, 3, length(n) - 3), ij, "->"); u = v["transition_matrix", ij[1], ij[2]] }
    else if (match(n, /^const\[[0-9]+\]$/)) u = v["means", substr(n, 7, length(n) - 7), 0]
    else if (n == "sigma2") u = v["variances", 0, 0]
    else if (match(n, /^sigma2\[[0-9]+\]$/)) u = v["variances", substr(n, 8, length(n) - 8), 0]
    else if (match(n, /^ar\.L[0-9]+(\[[0-9]+\])?$/)) { split(substr(n, 5), q, /[][]/); u = v["ar", q[2] == "" ? 0 : q[2], q[1] - 1] }
    else if (match(n, /^x[0-9]+\[[0-9]+\]$/)) { split(substr(n, 2), q, /[][]/); u = v["exog", q[2], q[1] - 1] }
    if (u == "") { cnt = -1000; wn = n }
    rel = (u - b) / b; if (rel < 0) rel = -rel
    cnt++; if (rel >= worst) { worst = rel; wn = n }
  }
  END { print cnt + 0, worst + 0, wn }'
}
expect_exit 0 "$URN" hmm msar --help; expect_out "usage: urn hmm msar"
n=0; nx=0; nse=0; nsing=0
for c in $M/*.json; do
  n=$((n + 1))
  data=$(key "$c" data); col=$(key "$c" column); K=$(key "$c" num_states); P=$(key "$c" order)
  sm=$(key "$c" statsmodels_llf)
  flags=""
  [ "$(key "$c" switching_ar)" = false ] && flags="$flags --shared-ar"
  [ "$(key "$c" switching_variance)" = false ] && flags="$flags --shared-var"
  xc=$(arr "$c" x_columns)
  if [ -n "$xc" ]; then # exogenous regressors: --x, and the shared ones (indices in the file) by name
    nx=$((nx + 1)); flags="$flags --x $xc"
    sc=$(arr "$c" shared_coef | tr ',' '\n' | while read -r i; do [ -n "$i" ] && echo "$xc" | cut -d, -f$((i + 1)); done | paste -sd, -)
    [ -n "$sc" ] && flags="$flags --shared-coef $sc"
  fi
  expect_exit 0 "$URN" hmm msar "$data" --y "$col" --start "$c" --eval --out "$TMP/e.json"
  ev=$(key "$TMP/e.json" loglik)
  near "$ev" "$sm" 1e-6 && ok || bad "$(basename "$c"): urn's log likelihood at statsmodels' parameters $ev, statsmodels' llf $sm"
  if grep -q '": null' "$c"; then # statsmodels' Hessian is singular here: so is urn's
    nsing=$((nsing + 1))
    grep -q standard_errors "$TMP/e.json" && bad "$(basename "$c"): standard errors where statsmodels has none" || ok
    expect_err "observed information is not positive definite"
  else
    nse=$((nse + 1))
    set -- $(sebse "$TMP/e.json" "$c")
    [ "$1" -ge 6 ] && atleast 0.01 "$2" 0 && ok || bad "$(basename "$c"): standard errors against statsmodels' bse: $*"
  fi
  expect_exit 0 "$URN" hmm msar "$data" --y "$col" --states "$K" --order "$P" $flags --out "$TMP/f.json"
  fl=$(key "$TMP/f.json" loglik)
  atleast "$fl" "$sm" 1e-6 && ok || bad "$(basename "$c"): urn's fit $fl below statsmodels' $sm"
done
[ "$n" -ge 10 ] && ok || bad "only $n statsmodels cases"
[ "$nx" -ge 5 ] && ok || bad "only $nx statsmodels cases with regressors"
[ "$nse" -ge 8 ] && [ "$nsing" -le 3 ] && ok || bad "standard errors compared on $nse cases ($nsing singular)"
# states: t = P..T-1, probabilities summing to 1; a fit continued from its own output stays put
D=tests/data/hmm_real/fedfunds.csv
expect_exit 0 "$URN" hmm msar $D --y rate --states 2 --order 1 --out "$TMP/a.json" --states-out "$TMP/s.csv"
expect_exit 0 head -2 "$TMP/s.csv"; expect_out "t,state,p_0,p_1"; expect_out "1,"
expect_exit 0 "$URN" hmm msar $D --y rate --start "$TMP/a.json" --out "$TMP/b.json"
near "$(key "$TMP/a.json" loglik)" "$(key "$TMP/b.json" loglik)" 1e-7 && ok || bad "a continued fit moved"
expect_exit 0 "$URN" hmm msar $D --y rate --states 2 --order 1 --initial free --out "$TMP/fr.json"
atleast "$(key "$TMP/fr.json" loglik)" "$(key "$TMP/a.json" loglik)" 1e-6 && ok || bad "a free initial distribution fits worse"
# bad input
expect_exit 2 "$URN" hmm msar $D --y rate --states 2; expect_err "missing --states K and --order P"
expect_exit 1 "$URN" hmm msar $D --y rte --states 2 --order 1; expect_err "no column named 'rte'"
expect_exit 1 "$URN" hmm msar $D --y rate --states 3 --order 8; expect_err "19683 expanded states"
printf 'y\n1\n2\n' > "$TMP/short.csv"
expect_exit 1 "$URN" hmm msar "$TMP/short.csv" --y y --states 2 --order 2; expect_err "order 2 needs more than 3"
printf 'y\n1\nnan\n3\n4\n' > "$TMP/nan.csv"
expect_exit 1 "$URN" hmm msar "$TMP/nan.csv" --y y --states 2 --order 1; expect_err "nan.csv"
# regressors: the fit's file carries x_columns / shared_coef / exog and continues from itself; bad input
X=tests/data/hmm_msar/macro.csv
expect_exit 0 "$URN" hmm msar $X --y tbilrate --x infl,unemp --shared-coef unemp --states 2 --order 1 --restarts 3 --out "$TMP/x.json"
expect_exit 0 cat "$TMP/x.json"; expect_out '"x_columns": ["infl", "unemp"]'; expect_out '"shared_coef": [1]'; expect_out '"exog": [['
expect_exit 0 "$URN" hmm msar $X --y tbilrate --start "$TMP/x.json" --out "$TMP/x2.json"
near "$(key "$TMP/x.json" loglik)" "$(key "$TMP/x2.json" loglik)" 1e-7 && ok || bad "a continued fit with regressors moved"
[ "$(key "$TMP/x.json" num_params)" = 11 ] && ok || bad "num_params with a switching and a shared regressor: $(key "$TMP/x.json" num_params)"
expect_exit 1 "$URN" hmm msar $X --y tbilrate --start "$TMP/x.json" --x infl; expect_err "--x names 1 columns, but the --start file's model has 2 regressors"
expect_exit 1 "$URN" hmm msar $X --y tbilrate --states 2 --order 1 --shared-coef infl; expect_err "--shared-coef needs --x COLS"
expect_exit 1 "$URN" hmm msar $X --y tbilrate --states 2 --order 1 --x infl --shared-coef unemp; expect_err "'unemp' is not an --x column"
expect_exit 1 "$URN" hmm msar $X --y tbilrate --states 2 --order 1 --x inf; expect_err "no column named 'inf'"
printf 'y,c,z\n1,1,0\n2,1,1\n3,1,\n4,1,2\n5,1,1\n' > "$TMP/xc.csv"
expect_exit 1 "$URN" hmm msar "$TMP/xc.csv" --y y --states 2 --order 1 --x c; expect_err "regressor 0 is constant"
expect_exit 1 "$URN" hmm msar "$TMP/xc.csv" --y y --states 2 --order 1 --x z; expect_err "xc.csv"
echo '{"num_states": 2, "order": 1, "params": {"transition_matrix": [[0.5, 0.6], [0.5, 0.5]], "means": [0, 1], "ar": [[0], [0]], "variances": [1, 1]}}' > "$TMP/bad.json"
expect_exit 1 "$URN" hmm msar $D --y rate --start "$TMP/bad.json"; expect_err "row 0 of transition_matrix"
done_tests
