# tests/cli/test_batch_draws.sh — identical draws for a seed with and without loop batching and fused
# expressions (URN_NOBATCH=1): a radon-shaped batched loop (gathers, an element read back) on its own data, and a
# slice of ../shared/posteriordb (fused vector arguments, a batched AR loop, a mixture loop; skipped without it).
# The whole corpus: make pdb-draws (bench/pdb/draws.sh).
. tests/cli/lib.sh

# a radon-shaped model (gathers, an element read back) and its data: tests/data/radon_small.{stan,json}
cp tests/data/radon_small.stan "$TMP/radon.stan"; cp tests/data/radon_small.json "$TMP/radon.json"

# same_draws NAME MODEL DATA: one short chain each way, the draws' lines identical
same_draws() {
  rm -rf "$TMP/on" "$TMP/off"
  "$URN" sample "$2" --data "$3" --chains 1 --warmup 100 --draws 60 --seed 3 --refresh 0 --no-summary \
    --output-dir "$TMP/on" >"$TMP/out" 2>"$TMP/err" &&
  URN_NOBATCH=1 "$URN" sample "$2" --data "$3" --chains 1 --warmup 100 --draws 60 --seed 3 --refresh 0 \
    --no-summary --output-dir "$TMP/off" >"$TMP/out" 2>"$TMP/err" || { bad "$1: sampling failed: $(head -c 300 "$TMP/err")"; return; }
  grep -v '^#' "$TMP"/on/*.csv > "$TMP/on.txt"; grep -v '^#' "$TMP"/off/*.csv > "$TMP/off.txt"
  if [ "$(wc -l < "$TMP/on.txt")" -ge 61 ] && cmp -s "$TMP/on.txt" "$TMP/off.txt"; then ok
  else bad "$1: draws differ with URN_NOBATCH=1 ($(cmp "$TMP/on.txt" "$TMP/off.txt"))"; fi
}

same_draws radon-shaped "$TMP/radon.stan" "$TMP/radon.json"

if d=$(shared_dir) && [ -d "$d/posteriordb" ]; then
  for n in earnings-logearn_interaction arK-arK kidiq-kidscore_interaction eight_schools-eight_schools_noncentered \
           mesquite-logmesquite_logvash; do
    p="$d/posteriordb/$n"
    [ -f "$p/model.stan" ] && same_draws "$n" "$p/model.stan" "$p/data.json"
  done
else
  echo "skipped: no ../shared/posteriordb (only the radon-shaped case ran)"
fi
done_tests
