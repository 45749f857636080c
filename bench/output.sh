# bench/output.sh — make bench-output: the share of sampling time spent writing draws, before (snprintf per
# value, a write per draw) and after (io/numfmt.c, rows batched by at most 2 ms) in the same run, on models from
# many generated quantities to tiny rows (bench/bench_output.c; docs/performance.md, "Output").
# usage: sh bench/output.sh BUILD   (posteriordb's Mth/Mtbh from ${URN_SHARED:-../shared} when present)
b=${1:-build}
S=${URN_SHARED:-../shared}/posteriordb
run() { nice "$b/bench/bench_output" "$@" || echo "FAILED: $*"; }
echo "bench-output: $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
for m in Mth Mtbh; do
  if [ -f "$S/models/${m}_model.stan" ]; then
    run "$S/models/${m}_model.stan" "$S/models/${m}_model.data.json" 300 1000 6
  else
    echo "skipped: $S/models/${m}_model.stan not found"
  fi
done
[ -f "$S/models/Mth_model.stan" ] && run "$S/models/Mth_model.stan" "$S/models/Mth_model.data.json" 300 1000 9 &&
  run "$S/models/Mth_model.stan" "$S/models/Mth_model.data.json" 300 1000 15
run bench/output/gq5000.stan - 300 2000 6
e=$S/eight_schools-eight_schools_noncentered
[ -f "$e/model.stan" ] && run "$e/model.stan" "$e/data.json" 300 20000 6
run bench/output/small.stan bench/output/small.json 300 50000 6
