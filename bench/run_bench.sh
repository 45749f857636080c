#!/bin/sh
# bench/run_bench.sh BUILD — runs every benchmark program BUILD/bench/bench_*
# and every bench/*.sh script in turn; each prints its own table.
build=${1:-build}
URN=$(cd "$build" && pwd)/urn; export URN
[ -z "$URN_SHARED" ] && [ -d ../shared ] && URN_SHARED=$(cd ../shared && pwd)
export URN_SHARED
for b in "$build"/bench/bench_*; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b" || echo "   (exit $?)"
done
for s in bench/bench_*.sh; do
  [ -f "$s" ] || continue
  echo "== $(basename "$s" .sh)"
  sh "$s" || echo "   (exit $?)"
done
