#!/bin/sh
# fuzz/run_fuzz.sh SECONDS BIN... — runs each libFuzzer target for SECONDS on
# a working copy of its seed corpus (fuzz/corpus/NAME plus seeds gathered from
# tests/ and ../shared: for the Stan target, also every program of stanc3's
# integration tests), keeping any crash as build-fuzz/crash-NAME-*.
secs=$1; shift
status=0
for bin in "$@"; do
  name=$(basename "$bin" | sed 's/^fuzz_//')
  work=build-fuzz/corpus-$name
  mkdir -p "$work"
  [ -d fuzz/corpus/$name ] && cp -n fuzz/corpus/$name/* "$work"/ 2>/dev/null
  case $name in
    json) for f in tests/data/*.json ../shared/posteriordb/*/data.json ../shared/fixtures/hmm/*.json; do
            [ -f "$f" ] && [ "$(wc -c <"$f")" -lt 200000 ] && cp -n "$f" "$work"/ 2>/dev/null; done ;;
    stan) for f in tests/data/*.stan tests/data/*/*.stan ../shared/posteriordb/models/*.stan; do
            [ -f "$f" ] && cp -n "$f" "$work/$(echo "$f" | tr '/' '_')"; done
          # stanc3's 2,419 compiler test programs (good and bad), unpacked once
          t=${URN_SHARED:-../shared}/stanc3/integration-tests.tar.xz
          if [ -f "$t" ] && [ ! -f build-fuzz/stanc3/.unpacked ]; then
            mkdir -p build-fuzz/stanc3 && tar -xJf "$t" -C build-fuzz/stanc3 && touch build-fuzz/stanc3/.unpacked; fi
          if [ -d build-fuzz/stanc3 ]; then
            find build-fuzz/stanc3 -name '*.stan' | while read -r f; do
              cp -n "$f" "$work/stanc3_$(echo "${f#build-fuzz/stanc3/}" | tr '/' '_')"; done; fi ;;
    stancsv) for f in tests/data/*.csv; do [ -f "$f" ] && cp -n "$f" "$work"/; done ;;
    hmmcsv) for f in tests/data/hmm*.csv; do [ -f "$f" ] && cp -n "$f" "$work"/; done ;;
  esac
  echo "== fuzz $name for ${secs}s"
  "$bin" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -artifact_prefix=build-fuzz/crash-$name- \
    -print_final_stats=1 "$work" 2>&1 | grep -E 'stat::number_of_executed_units|cov:|ERROR|SUMMARY' | tail -n 4 || true
  ls build-fuzz/crash-$name-* >/dev/null 2>&1 && { echo "crash found for $name"; status=1; }
done
exit $status
