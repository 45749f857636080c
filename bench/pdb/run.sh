#!/bin/sh
# bench/pdb/run.sh -- `make bench-pdb`: urn and rstan (Stan 2.21) side by side on posteriordb's posteriors that
# have data: one chain each, 1000 warmup + 1000 draws, the same seed, random inits; the cost of one log-density
# gradient inside NUTS counting warmup on both sides:
#   urn:  CPU seconds of the chain's thread in warmup + sampling / gradient evaluations (both from its run report)
#   Stan: sum(get_elapsed_time) / n_leapfrog__ summed over warmup and draws (get_sampler_params(inc_warmup));
#         Stan 2.21 times the sampler with clock(), the process's CPU time (one chain: one thread)
# CPU time on both sides, since the machine is shared: wall time would measure the load.
# and the ratio urn/Stan per posterior, then the median ratio.  Not part of make test.
#
# Variables:
#   URN           the urn binary (build/urn)
#   POSTERIORDB   a git directory of stan-dev/posteriordb (default: the `fetch` mirror
#                 /work/.mirror/stan-dev+posteriordb/repo, else ../posteriordb); absent: one skipped: line
#   WORK          where the posteriors are unpacked and the runs written (/tmp/urn-bench-pdb; kept, so a re-run
#                 only redoes what is missing: delete WORK/<posterior>/urn.tsv or stan.tsv to redo one side)
#   RSTAN_CACHE   compiled Stan models, saveRDS'd by md5 of the 2.21-syntax program ($HOME/.cache/urn-rstan)
#   ONLY          a grep -E pattern: run only the posteriors whose names match
#   SEED          the seed of both sides (1)
#   COMPILE       1 (default): compile the programs missing from RSTAN_CACHE first (40-150 s each); 0: skip
#                 the Stan side of the ones not compiled
#   TIMEOUT       seconds per run and side (1800)
# The Stan side needs Rscript with rstan and jsonlite (Debian: r-cran-rstan r-cran-jsonlite); programs are
# converted to Stan 2.21's syntax with `urn format --stan2.21`.  Prints one line per posterior:
#   posterior  urn_us  stan_us  ratio  urn_grads  stan_grads   (or the reason a side could not run)
# and writes the table to WORK/results.tsv.
URN=${URN:-build/urn}
PDB=${POSTERIORDB:-}
if [ -z "$PDB" ]; then
  for p in /work/.mirror/stan-dev+posteriordb/repo ../posteriordb; do [ -e "$p" ] && { PDB=$p; break; }; done
fi
if [ -z "$PDB" ] || ! git -C "$PDB" rev-parse HEAD >/dev/null 2>&1; then
  echo "skipped: no posteriordb git directory (set POSTERIORDB=path to a clone of stan-dev/posteriordb)"; exit 0
fi
WORK=${WORK:-/tmp/urn-bench-pdb}
CACHE=${RSTAN_CACHE:-$HOME/.cache/urn-rstan}
SEED=${SEED:-1}
TIMEOUT=${TIMEOUT:-1800}
HERE=$(dirname "$0")
mkdir -p "$WORK" "$CACHE" || exit 1
/usr/bin/python3 "$HERE/extract.py" "$PDB" "$WORK" "$URN" > "$WORK/extract.txt" || { echo "extract failed"; exit 1; }
names=$(awk -F'\t' '$2 == "ok" { print $1 }' "$WORK/extract.txt" | grep -E "${ONLY:-.}")
have_r=1
command -v Rscript >/dev/null && Rscript -e 'suppressMessages({library(rstan); library(jsonlite)})' >/dev/null 2>&1 ||
  { have_r=0; echo "note: Rscript with rstan and jsonlite not installed: urn side only"; }
# Stan's programs compile with R's flags minus -g (debug information is a third of the compile time here and does
# not change the code)
printf 'CXX14FLAGS = -O2 -fstack-protector-strong -D_FORTIFY_SOURCE=2\n' > "$CACHE/Makevars"
R_MAKEVARS_USER=$CACHE/Makevars; export R_MAKEVARS_USER
if [ $have_r = 1 ] && [ "${COMPILE:-1}" = 1 ]; then
  # shellcheck disable=SC2046
  nice Rscript "$HERE/rstan_side.R" compile "$CACHE" "$SEED" $(for n in $names; do echo "$WORK/$n"; done) \
    > "$WORK/compile.txt" 2>"$WORK/compile.err"
fi
printf '%-58s %10s %10s %8s %9s %9s\n' posterior urn_us stan_us ratio urn_grads stan_grads
: > "$WORK/results.tsv"
for n in $names; do
  d="$WORK/$n"
  if [ ! -s "$d/urn.tsv" ]; then
    rm -rf "$d/urn-out"
    if timeout "$TIMEOUT" "$URN" sample "$d/model.stan" --data "$d/data.json" --chains 1 --warmup 1000 --draws 1000 \
        --seed "$SEED" --refresh 0 --no-summary --output-dir "$d/urn-out" > "$d/urn.log" 2>&1; then
      # the run report: "... CPU summed over chains: warmup W s, sampling S s, U us per gradient; G gradient ..."
      sed -n 's/.*CPU summed over chains: warmup \([^ ]*\) s, sampling \([^ ]*\) s, .* us per gradient; \([0-9]*\) gradient evaluations.*/\1 \2 \3/p' \
        "$d/urn.log" | awk -v b="$(cat "$d"/urn-out/*.csv | wc -c)" '{ s = $1 + $2
          if ($3 > 0) printf "ok\t%d\t%.4f\t%.4f\t%d\n", $3, s, 1e6 * s / $3, b }' > "$d/urn.tsv"
      [ -s "$d/urn.tsv" ] || echo "urn: no run report" > "$d/urn.tsv"
    else
      echo "urn failed (exit $?): $(grep -v '^ *$' "$d/urn.log" | head -1 | cut -c1-120)" > "$d/urn.tsv"
    fi
    rm -rf "$d/urn-out"
  fi
  if [ ! -s "$d/stan.tsv" ] && [ $have_r = 1 ] && [ -f "$CACHE/$(md5sum < "$d/model221.stan" | cut -c1-32).rds" ]; then
    timeout "$TIMEOUT" nice Rscript "$HERE/rstan_side.R" run "$CACHE" "$SEED" "$d" 2>"$d/stan.err" | cut -f2- > "$d/stan.tsv"
    [ -s "$d/stan.tsv" ] || echo "rstan failed or timed out" > "$d/stan.tsv"
  fi
  u=$(cat "$d/urn.tsv"); s=$(cat "$d/stan.tsv" 2>/dev/null || grep -h "^$n	" "$WORK/compile.txt" 2>/dev/null | cut -f2 | grep -m1 failed || echo "not compiled")
  awk -v n="$n" -v u="$u" -v s="$s" 'BEGIN { nu = split(u, U, "\t"); ns = split(s, S, "\t")
    if (U[1] == "ok" && S[1] == "ok") printf "%-58s %10.2f %10.2f %8.3f %9d %9d\n", n, U[4], S[4], U[4] / S[4], U[2], S[2]
    else printf "%-58s %s | %s\n", n, U[1] == "ok" ? sprintf("urn %.2f us", U[4]) : u, S[1] == "ok" ? sprintf("stan %.2f us", S[4]) : s }'
  printf '%s\t%s\t%s\n' "$n" "$u" "$s" >> "$WORK/results.tsv"
done
awk -F'\t' '$2 == "ok" && $7 == "ok" { print $5 / $10 }' "$WORK/results.tsv" | sort -g | awk '{ r[++n] = $1 } END {
  if (!n) { print "no posterior ran on both sides"; exit }
  m = n % 2 ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2
  k = 0; for (i = 1; i <= n; i++) if (r[i] <= 0.5) k++
  printf "median urn/Stan ratio of us per gradient: %.3f over %d posteriors (%d at most 0.5)\n", m, n, k }'
