# tests/cli/test_bridgestan.sh — `urn compile --bridgestan`: usage and errors of the command, the library
# it writes (22 bs_* symbols, the program appended), then BridgeStan's real Python client on it: the
# shared smoke script on the benchmarks M1-M3 and tests/python/test_bridgestan_client.py (BridgeStan's test
# models, closed forms, errors, prints, threads, the $BRIDGESTAN folder).  The client parts need ../shared
# and Debian's python3-numpy; without them they print one skipped: line.  (The ABI itself is tested in C
# by tests/test_bridgestan.c.)
. tests/cli/lib.sh

printf 'parameters { real y; }\nmodel { y ~ normal(0, 1); }\n' > "$TMP/n.stan"
expect_exit 0 "$URN" compile --help
expect_out "--bridgestan"
expect_exit 2 "$URN" compile
expect_exit 2 "$URN" compile "$TMP/n.stan" --bogus
expect_exit 1 "$URN" compile "$TMP/missing.stan" --bridgestan
expect_err "missing.stan"
expect_exit 0 "$URN" compile "$TMP/n.stan" --bridgestan
[ -f "$TMP/n_model.so" ] && [ -x "$TMP/n_model.so" ] && ok || bad "n_model.so not written beside n.stan"
expect_exit 0 "$URN" compile "$TMP/n.stan" --bridgestan -o "$TMP/other.so"
[ -f "$TMP/other.so" ] && ok || bad "-o other.so not written"
tail -c 40 "$TMP/n_model.so" | head -c 16 | grep -q 'urn-bridgestan-1' && ok || bad "no trailer at the end"
if command -v nm >/dev/null 2>&1; then
  n=$(nm -D --defined-only "$TMP/n_model.so" | awk '{print $3}' | grep -c '^bs_')
  all=$(nm -D --defined-only "$TMP/n_model.so" | awk '$3 != "" {print $3}' | grep -vc '^bs_')
  [ "$n" = 22 ] && ok || bad "exports $n bs_* symbols, not 22"
  [ "$all" = 0 ] && ok || bad "exports $all symbols besides bs_*: $(nm -D --defined-only "$TMP/n_model.so" | grep -v ' bs_' | head -5)"
fi
printf 'parameters { real y; }\nmodel { y ~ normal(0, ; }\n' > "$TMP/bad.stan"
expect_exit 1 "$URN" compile "$TMP/bad.stan" --bridgestan
expect_err "bad.stan:2:"
[ ! -f "$TMP/bad_model.so" ] && ok || bad "a library was written for a bad program"
chmod 555 "$TMP" 2>/dev/null
if [ ! -w "$TMP" ]; then
  expect_exit 1 "$URN" compile "$TMP/n.stan" --bridgestan -o "$TMP/ro.so"
  expect_err "cannot write"
fi
chmod 755 "$TMP"

py=/usr/bin/python3
shared=$(shared_dir)
if [ -z "$shared" ] || [ ! -f "$shared/clients/smoke_bridgestan.py" ]; then
  echo "skipped: BridgeStan's client (needs ../shared/clients)"
elif ! $py -c 'import numpy' 2>/dev/null; then
  echo "skipped: BridgeStan's client (needs python3-numpy)"
else
  # an ASan build's libraries need the sanitizer runtime preloaded into the interpreter
  pre=
  if ldd "$TMP/n_model.so" 2>/dev/null | grep -q libasan; then
    pre=$(${CC:-cc} -print-file-name=libasan.so)
    export ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0
  fi
  for m in m1-normal m2-linreg m3-mixture; do
    cp "$shared/benchmarks/$m/model.stan" "$TMP/$m.stan"
    expect_exit 0 "$URN" compile "$TMP/$m.stan" --bridgestan
    LD_PRELOAD=$pre $py "$shared/clients/smoke_bridgestan.py" "$TMP/${m}_model.so" \
      --data "$shared/benchmarks/$m/data.json" >"$TMP/smoke.out" 2>&1
    line=$(grep '^bridgestan: ' "$TMP/smoke.out")
    echo "$m: $line"
    case "$line" in "bridgestan: 6 passed, 0 failed") ok ;; *) bad "smoke $m: $line $(tail -n 20 "$TMP/smoke.out")" ;; esac
  done
  LD_PRELOAD=$pre $py tests/python/test_bridgestan_client.py "$URN" "$shared" >"$TMP/client.out" 2>&1
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$TMP/client.out" | tail -n 1)
  echo "BridgeStan client: $line"
  p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
  if [ -n "$line" ]; then pass=$((pass + p)); fail=$((fail + f)); else bad "client test crashed: $(tail -n 20 "$TMP/client.out")"; fi
  [ "$f" = 0 ] || grep -E '^FAIL' "$TMP/client.out" >&2
fi
done_tests
