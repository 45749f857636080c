# tests/cli/test_exports.sh — liburn.so exports only the public API (issue #15): every dynamic symbol it
# defines is an urn_* function of include/urn*.h (built with -fvisibility=hidden, marked URN_API), none of
# the internals (rt_*, dist_*, tut_*, rn_*, ...); and every URN_API function of the headers is exported.
. tests/cli/lib.sh
LIB=$(dirname "$URN")/liburn.so
if ! command -v nm >/dev/null 2>&1 || [ ! -f "$LIB" ]; then
  echo "skipped: nm or $LIB missing"
  done_tests; exit $?
fi
nm -D --defined-only "$LIB" | awk '$2 ~ /^[TDBRW]$/ { print $3 }' | sort -u >"$TMP/exported"
n=$(wc -l <"$TMP/exported")
[ "$n" -gt 100 ] && ok || bad "only $n symbols exported"
others=$(grep -v '^urn_' "$TMP/exported" | grep -v '^_' | head -n 5)
[ -z "$others" ] && ok || bad "exports symbols outside the API: $others"
for p in rt_ dist_ tut_ rn_ urn_ev_ urn_tape_ urn_json_ urn_xmalloc urn_stancsv_open urn_stancsv_row urn_fmt_g urn_nuts_; do
  grep -q "^$p" "$TMP/exported" && bad "internal symbols $p* exported: $(grep "^$p" "$TMP/exported" | head -n 3 | tr '\n' ' ')" || ok
done
# every function declared URN_API in the public headers is exported
# (include/urn/mpi.h only in a `make MPI=1` build, whose library this test does not look at)
grep -h 'URN_API' $(ls include/urn/*.h | grep -v '/mpi\.h$') | grep -o 'urn_[a-z0-9_]*(' | tr -d '(' | sort -u >"$TMP/declared"
missing=$(comm -23 "$TMP/declared" "$TMP/exported" | head -n 5)
[ -z "$missing" ] && ok || bad "declared URN_API but not exported: $missing"
extra=$(comm -13 "$TMP/declared" "$TMP/exported" | grep -v '^_' | head -n 5)
[ -z "$extra" ] && ok || bad "exported but not declared URN_API in include/urn/*.h: $extra"
for f in urn_model_new urn_run_new urn_run_execute urn_run_draws urn_summary_print urn_hmm_viterbi; do
  grep -qx "$f" "$TMP/exported" && ok || bad "$f not exported"
done
done_tests
