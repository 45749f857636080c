#!/bin/sh
# bench/pdb/draws.sh -- `make pdb-draws`: for every posteriordb posterior with data, one short chain (150 warmup +
# 100 draws, seed SEED) with loop batching and fused expressions on and one with them off (URN_NOBATCH=1), and
# whether the two CSV files' draws are the same bits (docs/autodiff.md, "Same bits").  Not part of make test
# (tests/cli/test_batch_draws.sh runs a slice of it on ../shared/posteriordb).
# Variables: URN (build/urn), POSTERIORDB (a git directory of stan-dev/posteriordb; default: the `fetch` mirror,
# else ../posteriordb; absent: one skipped: line), WORK (/tmp/urn-pdb-draws), ONLY (a grep -E pattern on the
# posteriors' names), SEED (1), TIMEOUT (seconds per run, 600).
# Prints one line per posterior: name, then "same" or "DIFF <first differing draw line>" or why it could not
# run; then the counts.
URN=${URN:-build/urn}
. "$(dirname "$0")/pdb_dir.sh"
WORK=${WORK:-/tmp/urn-pdb-draws}
SEED=${SEED:-1}
TIMEOUT=${TIMEOUT:-600}
mkdir -p "$WORK" || exit 1
/usr/bin/python3 "$(dirname "$0")/extract.py" "$PDB" "$WORK" "$URN" > "$WORK/extract.txt" || { echo "extract failed"; exit 1; }
same=0 diff=0 other=0
for n in $(awk -F'\t' '$2 == "ok" { print $1 }' "$WORK/extract.txt" | grep -E "${ONLY:-.}"); do
  d="$WORK/$n"
  rm -rf "$d/on" "$d/off"
  timeout "$TIMEOUT" "$URN" sample "$d/model.stan" --data "$d/data.json" --adapt stan --chains 1 --warmup 150 --draws 100 \
    --seed "$SEED" --refresh 0 --no-summary --output-dir "$d/on" > "$d/on.log" 2>&1; r1=$?
  URN_NOBATCH=1 timeout "$TIMEOUT" "$URN" sample "$d/model.stan" --data "$d/data.json" --adapt stan --chains 1 --warmup 150 \
    --draws 100 --seed "$SEED" --refresh 0 --no-summary --output-dir "$d/off" > "$d/off.log" 2>&1; r2=$?
  if [ $r1 != 0 ] || [ $r2 != 0 ]; then
    echo "$n: could not run (exit $r1 / $r2)"; other=$((other + 1)); continue
  fi
  grep -v '^#' "$d"/on/*.csv > "$d/on.txt"; grep -v '^#' "$d"/off/*.csv > "$d/off.txt"
  if cmp -s "$d/on.txt" "$d/off.txt"; then
    echo "$n: same"; same=$((same + 1))
  else
    echo "$n: DIFF from draw line $(cmp "$d/on.txt" "$d/off.txt" | sed 's/.* line //')"; diff=$((diff + 1))
  fi
  rm -rf "$d/on" "$d/off"
done
echo "same draws with and without batching: $same; different: $diff; not run: $other"
