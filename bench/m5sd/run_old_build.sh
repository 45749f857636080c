#!/bin/sh
# bench/m5sd/run_old_build.sh — the urn-mode runs on the session-2 build that recorded the seed-4 failure:
# `git archive 73715b6 | tar -x -C /tmp/m5sd/old && make -C /tmp/m5sd/old -j2 build/urn`, then from the worktree
# root: sh bench/m5sd/run_old_build.sh SEED...  (rows labelled urn-73715b6-mode in quantities.tsv, sampler.tsv)
B=../shared/benchmarks/m5-glmhmm
for s in "$@"; do
  d=/tmp/m5sd/old-mode/s$s; rm -rf $d; mkdir -p $d
  nice -n 5 /tmp/m5sd/old/build/urn sample $B/model_hmm_marginal.stan --data $B/data.json --init mode --seed $s \
    --threads 1 --refresh 0 --no-summary --output-dir $d > /dev/null 2>&1
  nice -n 5 Rscript bench/m5sd/summarise_urn.R bench/m5sd urn-73715b6-mode $s $d
  echo "old seed $s done"
done
