# tests/cli/test_python.sh — the Python package (python/urn): its unittest suite (python/tests: numbers against
# the CLI and closed forms) on this build's liburn.so, then `pip install` of the package into a folder and an
# import from there.  Needs Debian's python3-numpy and python3-pandas; prints one skipped: line without them.
. tests/cli/lib.sh
py=/usr/bin/python3
lib=$(cd "$(dirname "$URN")" && pwd)/liburn.so
if [ ! -f "$lib" ]; then
  bad "$lib is missing (make builds it; the tests must not fall back to another build's library)"
  done_tests; exit
fi
if ! $py -c 'import numpy, pandas' 2>/dev/null; then
  echo "skipped: the Python package's tests (need python3-numpy and python3-pandas)"
  done_tests; exit
fi
# an ASan build's library needs the sanitizer runtime preloaded into the interpreter
pre=
if ldd "$lib" 2>/dev/null | grep -q libasan; then
  pre=$(${CC:-cc} -print-file-name=libasan.so)
  export ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0
fi
LD_PRELOAD=$pre URN_LIBRARY=$lib PYTHONDONTWRITEBYTECODE=1 $py python/tests/run.py >"$TMP/out" 2>"$TMP/err"
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$TMP/out" | tail -n 1)
if [ -n "$line" ]; then
  p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
  pass=$((pass + p)); fail=$((fail + f))
  grep -E '^(FAIL|skipped:)' "$TMP/out"
  [ "$f" = 0 ] || tail -n 60 "$TMP/err" >&2
else
  bad "the Python tests crashed: $(tail -n 30 "$TMP/err")"
fi
echo "python/tests: $line"

# pip install into a folder, then import from a process that sees only that folder
if [ -n "$pre" ]; then
  echo "skipped: pip install of the package (sanitizer build)"
elif $py -m pip --version >/dev/null 2>&1; then
  cp -r python "$TMP/pkg"
  if URN_LIBRARY=$lib $py -m pip install -q --no-deps --no-index --no-build-isolation --target "$TMP/site" "$TMP/pkg" \
       >"$TMP/pip.out" 2>&1; then ok; else bad "pip install failed: $(tail -n 20 "$TMP/pip.out")"; fi
  (cd "$TMP" && env -u URN_LIBRARY PYTHONPATH="$TMP/site" $py -c '
import urn, os, sys
assert urn.library_path().startswith(os.environ["PWD"] + "/site/urn/lib/"), urn.library_path()
m = urn.Model(code="parameters { real mu; } model { mu ~ normal(1, 2); }")
lp, g = m.log_density([0.0], grad=True)
assert g[0] == 0.25, g
print("installed urn", urn.version(), "at", urn.library_path())
') >"$TMP/inst.out" 2>&1 && ok || bad "the installed package does not work: $(cat "$TMP/inst.out")"
  cat "$TMP/inst.out"
else
  echo "skipped: pip install of the package (needs python3-pip)"
fi
done_tests
