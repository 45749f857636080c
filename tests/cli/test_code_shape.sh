# tests/cli/test_code_shape.sh — code-shape checks of the guide (docs/CONTRIBUTING.md, "Code shape"):
# no function of src/ over 150 lines beyond those listed in tests/code_shape.allow (tests/code_shape.py);
# no global mutable state in liburn.a beyond builtins.c's lazily built lookup table (nm: bss/common symbols,
# and writable exported data other than the constant built-in tables); no getenv in the library.
. tests/cli/lib.sh
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
if command -v "$PY" >/dev/null 2>&1; then
  "$PY" tests/code_shape.py --check tests/code_shape.allow >"$TMP/shape" 2>&1
  grep -E '^(FAIL|note)' "$TMP/shape" >&2
  grep -q '^FAIL' "$TMP/shape" && bad "functions over 150 lines not in tests/code_shape.allow" || ok
else
  echo "skipped: no python3 for tests/code_shape.py"
fi
LIB=$(dirname "$URN")/liburn.a
if ! command -v nm >/dev/null 2>&1 || [ ! -f "$LIB" ]; then
  echo "skipped: nm or $LIB missing"
  done_tests; exit $?
fi
nm -A "$LIB" >"$TMP/nm" 2>/dev/null
# writable zero-initialised data (b, B, C) or initialised global data (D): object, type, name; sanitizer and
# compiler-generated symbols (__asan_*, .L*) left out
awk '$(NF-1) ~ /^[BbCD]$/ { n = split($1, p, ":"); print p[n-1], $(NF-1), $NF }' "$TMP/nm" |
  grep -v ' \(__\|\.\)' | sort -u >"$TMP/globals"
[ -s "$TMP/globals" ] && ok || bad "nm found no data symbols at all in $LIB"
# allowed: builtins.c's table (built once under pthread_once, then read only) and its tuple-type cache (under a
# mutex); the constant tables of built-in functions and distributions (const, relocated pointers: D)
others=$(grep -v '^builtins\.o [bB] \(table\|table_n\|table_once\|tup_lock\|tup_rets\)$' "$TMP/globals" |
  grep -v ' D urn_\(fn_[a-z_]*\|dist\)_table$' | head -n 5)
[ -z "$others" ] && ok || bad "global mutable state in the library (make it const, or pass it in): $others"
getenv=$(grep -E ' U (secure_)?getenv$' "$TMP/nm" | head -n 3)
[ -z "$getenv" ] && ok || bad "the library calls getenv (options come from the caller): $getenv"
done_tests
