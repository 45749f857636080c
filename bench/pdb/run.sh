#!/bin/sh
# bench/pdb/run.sh -- `make bench-pdb`: urn and rstan (Stan 2.21) side by side on posteriordb's posteriors that
# have data: one chain each, WARMUP warmup + DRAWS draws (1000 + 1000), the same seed, random inits; the cost of one log-density
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
#   WARMUP, DRAWS the schedule of both sides (1000, 1000): warmup iterations and draws of urn's chain and of
#                 rstan's (warmup = WARMUP, iter = WARMUP + DRAWS); each side's result records its schedule in
#                 WORK/<posterior>/<side>.sched ("W + D"), and the table marks the rows not run at 1000 + 1000.
#                 A shorter schedule is for the posteriors whose Stan chain of 1000 + 1000 does not fit the CPU
#                 limit (docs/performance.md): both sides always run the same schedule
#   SIDE          urn, stan or both (default): which sides to run (a side whose result exists is not re-run
#                 either way); e.g. one urn-only and one stan-only pass side by side on a 2-core machine
#   COMPILE       1 (default): compile the programs missing from RSTAN_CACHE first (40-150 s each); 0: skip
#                 the Stan side of the ones not compiled
#   TIMEOUT       seconds per run and side (1800)
#   PCH           1 (default): precompile the headers of Stan's programs once (CACHE/pch, ~0.8 GB); 0: don't
#   STAN_CPU      CPU seconds per Stan run (ulimit -t; default: none, TIMEOUT alone): a limit that does not
#                 depend on the machine's load, as TIMEOUT's wall time does
#   NATIVE        a --native mode (on, wait, off): a second urn run per posterior with `--native NATIVE`, its
#                 figures in WORK/<posterior>/urn-native.tsv and a column of its own in the table; unset: none
#   URN_AT        what names the urn binary in the table's "urn at" column (default: the commit of the git
#                 checkout holding URN, with "+" when its src/ or include/ differ), followed by its default --native
#                 mode as `urn sample --help` states it
# The Stan side needs Rscript with rstan and jsonlite (Debian: r-cran-rstan r-cran-jsonlite); programs are
# converted to Stan 2.21's syntax with `urn format --stan2.21`.  Prints one line per posterior:
#   posterior  urn_us  stan_us  ratio  urn_grads  stan_grads   (or the reason a side could not run)
# (with NATIVE, then the --native run's us per gradient and its ratio to Stan), and writes the table to
# WORK/results.tsv (and as Markdown, worst ratio first, to WORK/table.md: bench/pdb/table.py with bench/pdb/WHY.tsv,
# the reasons the posteriors above 0.5 stay there).
URN=${URN:-build/urn}
. "$(dirname "$0")/pdb_dir.sh"
WORK=${WORK:-/tmp/urn-bench-pdb}
CACHE=${RSTAN_CACHE:-$HOME/.cache/urn-rstan}
SEED=${SEED:-1}
WARMUP=${WARMUP:-1000}
DRAWS=${DRAWS:-1000}
SIDE=${SIDE:-both}
TIMEOUT=${TIMEOUT:-1800}
HERE=$(dirname "$0")
mkdir -p "$WORK" "$CACHE" || exit 1
if [ -z "${URN_AT:-}" ]; then
  g=$(dirname "$URN")
  URN_AT=$(git -C "$g" log -1 --format=%h 2>/dev/null) &&
    { git -C "$g" diff --quiet HEAD -- "$(git -C "$g" rev-parse --show-toplevel)"/src "$(git -C "$g" rev-parse --show-toplevel)"/include 2>/dev/null ||
      URN_AT="$URN_AT+"; } || URN_AT="-"
fi
# the default --native mode of this binary (the word before "(default" on the option's help lines: "off (default)",
# "auto (default: ...")
URN_AT="$URN_AT native $("$URN" sample --help 2>&1 | grep -A2 -e '--native' | grep -o '[a-z]* (default' | head -1 | cut -d' ' -f1)"
/usr/bin/python3 "$HERE/extract.py" "$PDB" "$WORK" "$URN" > "$WORK/extract.txt" || { echo "extract failed"; exit 1; }
names=$(awk -F'\t' '$2 == "ok" { print $1 }' "$WORK/extract.txt" | grep -E "${ONLY:-.}")
have_r=1
command -v Rscript >/dev/null && Rscript -e 'suppressMessages({library(rstan); library(jsonlite)})' >/dev/null 2>&1 ||
  { have_r=0; echo "note: Rscript with rstan and jsonlite not installed: urn side only"; }
# Stan's programs compile with R's flags minus -g (debug information is a third of the compile time here and does
# not change the code)
printf 'CXX14FLAGS = -O2 -fstack-protector-strong -D_FORTIFY_SOURCE=2\n' > "$CACHE/Makevars"
R_MAKEVARS_USER=$CACHE/Makevars; export R_MAKEVARS_USER
if [ $have_r = 1 ] && [ "${COMPILE:-1}" = 1 ] && [ "${PCH:-1}" = 1 ]; then
  # The headers every rstan model includes (Stan math, Eigen, Boost, Rcpp: a third of each compile's CPU time),
  # precompiled once with exactly the command R runs for a model (from `R CMD SHLIB --dry-run` with rstan's
  # plugin flags) into CACHE/pch/<md5 of that command>/stanpch.h.gch, and put first on each model's command line
  # by the Makevars (-include; the plugin's own -include of Eigen.hpp comes first in the header).  The object
  # code is unchanged (objdump -d identical with and without, docs/performance.md); if g++ finds the .gch
  # invalid it reads the header text instead: slower, same code.
  t=$(mktemp -d) && : > "$t/d.cpp" &&
  f=$(Rscript -e 'suppressMessages(library(rstan)); rstan_options(boost_lib = system.file("include", package = "StanHeaders")); cat(inline::getPlugin("rstan")$env$PKG_CPPFLAGS)') &&
  c=$(cd "$t" && PKG_CPPFLAGS=$f USE_CXX14=yes R CMD SHLIB --dry-run d.cpp 2>/dev/null | grep -m1 -- ' -c d.cpp -o d.o') &&
  e=$(printf '%s\n' "$c" | sed -n "s/.* -include '\([^']*\)'.*/\1/p") && [ -n "$e" ] && {
    p=$CACHE/pch/$(printf 'v2 %s\n' "$c" | md5sum | cut -c1-32)
    if [ ! -f "$p/stanpch.h.gch" ]; then
      mkdir -p "$p"
      # (C++ only: rstan also compiles a small C file with these flags to check the toolchain)
      { printf '#ifdef __cplusplus\n#include "%s"\n' "$e"; printf '#include <%s>\n' Rcpp.h \
        rstan/io/rlist_ref_var_context.hpp rstan/io/r_ostream.hpp rstan/stan_args.hpp boost/integer/integer_log2.hpp \
        stan/model/model_header.hpp; printf '#endif\n'; } > "$p/stanpch.h"
      b=$(printf '%s\n' "$c" | sed "s| -include '[^']*'||; s| -c d.cpp -o d.o| -x c++-header '$p/stanpch.h' -o '$p/stanpch.h.gch.tmp'|")
      (cd "$t" && eval "nice $b" >/dev/null 2>&1) && mv "$p/stanpch.h.gch.tmp" "$p/stanpch.h.gch"
    fi
    [ -f "$p/stanpch.h.gch" ] && printf 'PKG_CPPFLAGS := -include %s/stanpch.h $(PKG_CPPFLAGS)\n' "$p" >> "$CACHE/Makevars"
  }
  rm -rf "$t"
fi
if [ $have_r = 1 ] && [ "${COMPILE:-1}" = 1 ]; then
  # shellcheck disable=SC2046
  nice Rscript "$HERE/rstan_side.R" compile "$CACHE" "$SEED" $(for n in $names; do echo "$WORK/$n"; done) \
    > "$WORK/compile.txt" 2>"$WORK/compile.err"
fi
# one urn run of posterior folder $1, extra arguments after $2: WORK/<posterior>/$2.tsv = ok, gradients, CPU
# seconds, µs per gradient, bytes of CSV, the run's "native:" line (or "urn: no run report"); status of urn sample
urn_run() {
  u_d=$1 u_t=$2; shift 2
  timeout "$TIMEOUT" "$URN" sample "$u_d/model.stan" --data "$u_d/data.json" --adapt stan --chains 1 --warmup "$WARMUP" \
    --draws "$DRAWS" --seed "$SEED" --refresh 0 --no-summary --output-dir "$u_d/urn-out" "$@" > "$u_d/$u_t.log" 2>&1 || return
  # the run report: "... CPU summed over chains: warmup W s, sampling S s, U us per gradient; G gradient ..."
  sed -n 's/.*CPU summed over chains: warmup \([^ ]*\) s, sampling \([^ ]*\) s, .* us per gradient; \([0-9]*\) gradient evaluations.*/\1 \2 \3/p' \
    "$u_d/$u_t.log" | awk -v b="$(cat "$u_d"/urn-out/*.csv | wc -c)" \
      -v nat="$(grep -m1 '^native: ' "$u_d/$u_t.log" | tr '\t' ' ' | cut -c9-130)" '{ s = $1 + $2
      if ($3 > 0) printf "ok\t%d\t%.4f\t%.4f\t%d\t%s\n", $3, s, 1e6 * s / $3, b, nat }' > "$u_d/$u_t.tsv"
  [ -s "$u_d/$u_t.tsv" ] || echo "urn: no run report" > "$u_d/$u_t.tsv"
}
# urn's side of posterior folder $1 unless $1/$2.tsv exists: urn_run, and a short run (under 2 s of CPU) repeated
# twice with the least time kept (same seed: the same draws); one run of a fraction of a second varies by up to 2x
# on a loaded machine.  Same on Stan's side.  $1/$2.at names the binary (URN_AT).
urn_side() {
  s_d=$1 s_t=$2
  [ -s "$s_d/$s_t.tsv" ] && return
  rm -rf "$s_d/urn-out"
  if urn_run "$@"; then
    for rep in 1 2; do
      awk -F'\t' '$1 == "ok" && $3 < 2 { f = 1 } END { exit !f }' "$s_d/$s_t.tsv" || break
      mv "$s_d/$s_t.tsv" "$s_d/$s_t.prev"; rm -rf "$s_d/urn-out"
      urn_run "$@" || { mv "$s_d/$s_t.prev" "$s_d/$s_t.tsv"; break; }
      sort -t "$(printf '\t')" -k3,3g "$s_d/$s_t.tsv" "$s_d/$s_t.prev" | head -1 > "$s_d/$s_t.min"
      mv "$s_d/$s_t.min" "$s_d/$s_t.tsv"; rm -f "$s_d/$s_t.prev"
    done
  else
    echo "urn failed (exit $?): $(grep -v '^ *$' "$s_d/$s_t.log" | head -1 | cut -c1-120)" > "$s_d/$s_t.tsv"
  fi
  printf '%s\n' "$URN_AT" > "$s_d/$s_t.at"
  printf '%s + %s\n' "$WARMUP" "$DRAWS" > "$s_d/$s_t.sched"
  rm -rf "$s_d/urn-out"
}
printf '%-58s %10s %10s %8s %9s %9s\n' posterior urn_us stan_us ratio urn_grads stan_grads
: > "$WORK/results.tsv"; : > "$WORK/results-native.tsv"
for n in $names; do
  d="$WORK/$n"
  if [ "$SIDE" != stan ]; then
    urn_side "$d" urn
    [ -n "${NATIVE:-}" ] && urn_side "$d" urn-native --native "$NATIVE"
  fi
  if [ "$SIDE" != urn ] && [ ! -s "$d/stan.tsv" ] && [ $have_r = 1 ] && [ -f "$CACHE/$(md5sum < "$d/model221.stan" | cut -c1-32).rds" ]; then
    printf '%s + %s\n' "$WARMUP" "$DRAWS" > "$d/stan.sched"
    (ulimit -t "${STAN_CPU:-unlimited}"; WARMUP=$WARMUP DRAWS=$DRAWS timeout "$TIMEOUT" nice Rscript "$HERE/rstan_side.R" run "$CACHE" "$SEED" "$d" \
      2>"$d/stan.err") | cut -f2- > "$d/stan.tsv"
    [ -s "$d/stan.tsv" ] || echo "rstan failed or timed out (TIMEOUT $TIMEOUT s${STAN_CPU:+, STAN_CPU $STAN_CPU s})" > "$d/stan.tsv"
  fi
  u=$(cut -f1-5 "$d/urn.tsv" 2>/dev/null); s=$(cat "$d/stan.tsv" 2>/dev/null || { [ "$SIDE" = urn ] && echo "not run (SIDE=urn)"; } || grep -h "^$n	" "$WORK/compile.txt" 2>/dev/null | cut -f2 | grep -m1 failed || echo "not compiled")
  v=$([ -n "${NATIVE:-}" ] && cut -f1-5 "$d/urn-native.tsv" 2>/dev/null)
  awk -v n="$n" -v u="$u" -v s="$s" -v v="$v" 'BEGIN { nu = split(u, U, "\t"); ns = split(s, S, "\t"); split(v, V, "\t")
    if (U[1] == "ok" && S[1] == "ok") printf "%-58s %10.2f %10.2f %8.3f %9d %9d", n, U[4], S[4], U[4] / S[4], U[2], S[2]
    else printf "%-58s %s | %s", n, U[1] == "ok" ? sprintf("urn %.2f us", U[4]) : u, S[1] == "ok" ? sprintf("stan %.2f us", S[4]) : s
    if (V[1] == "ok") printf " | native %.2f us%s", V[4], S[1] == "ok" ? sprintf(" %.3f", V[4] / S[4]) : ""
    else if (v != "") printf " | native: %s", v
    printf "\n" }'
  printf '%s\t%s\t%s\n' "$n" "$u" "$s" >> "$WORK/results.tsv"
  [ -n "$v" ] && printf '%s\t%s\t%s\n' "$n" "$v" "$s" >> "$WORK/results-native.tsv"
done
for f in results results-native; do
  [ $f = results ] || [ -s "$WORK/$f.tsv" ] || continue
  awk -F'\t' '$2 == "ok" && $7 == "ok" { print $5 / $10 }' "$WORK/$f.tsv" | sort -g | awk -v f="$f" '{ r[++n] = $1 } END {
    if (!n) { printf "no posterior ran on both sides%s\n", f == "results" ? "" : " with --native"; exit }
    m = n % 2 ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2
    k = 0; for (i = 1; i <= n; i++) if (r[i] <= 0.5) k++
    printf "median urn%s/Stan ratio of us per gradient: %.3f over %d posteriors (%d at most 0.5)\n",
      f == "results" ? "" : " --native", m, n, k }'
done
# the Markdown table of docs/performance.md (every posterior of WORK with results on both sides)
/usr/bin/python3 "$HERE/table.py" "$WORK" "$HERE/WHY.tsv" > "$WORK/table.md" && echo "table: $WORK/table.md"
