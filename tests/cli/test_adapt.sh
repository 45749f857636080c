# tests/cli/test_adapt.sh — `urn sample --adapt stan|fisher`, `--metric lowrank`, `--rank`: usage errors (exit 2),
# --adapt stan gives exactly the draws of the build before the Fisher schemes existed (data rows' checksum recorded
# from e88845d), the default (--metric lowrank, Pathfinder start), the Fisher schemes' default warmup (300 diagonal,
# 400 low rank), their adaptation blocks, files identical whatever --threads, posterior moments of a known
# normal-normal model.
. tests/cli/lib.sh

cp tests/data/normal_normal.stan "$TMP/nm.stan"; cp tests/data/normal_normal.json "$TMP/nm.json"
S="$TMP/nm.stan"; D="$TMP/nm.json"

expect_exit 2 "$URN" sample "$S" --data "$D" --adapt bogus
expect_err "--adapt"
expect_exit 2 "$URN" sample "$S" --data "$D" --metric lowrank --adapt stan
expect_err "Fisher divergence only"
expect_exit 2 "$URN" sample "$S" --data "$D" --metric diag --rank 1 --output-dir "$TMP/r1"
expect_err "--metric lowrank only"
expect_exit 2 "$URN" sample "$S" --data "$D" --metric lowrank --rank 0
expect_exit 2 "$URN" sample "$S" --data "$D" --metric lowrank --rank 3 --output-dir "$TMP/r3"
expect_err "larger than the model's 2 unconstrained parameters"
[ ! -e "$TMP/r3" ] && ok || bad "no output directory for a usage error"
expect_exit 2 "$URN" sample "$S" --data "$D" --adapt fisher --metric unit
expect_exit 0 "$URN" sample --help
expect_out "--adapt fisher|stan"

# --adapt stan = the algorithm before: checksum of the data rows (no comments) of both chains
rows() { grep -v '^#' "$1" | md5sum | cut -c1-32; }
expect_exit 0 "$URN" sample "$S" --data "$D" --chains 2 --warmup 200 --draws 100 --seed 42 --adapt stan \
  --output-dir "$TMP/st" --refresh 0
[ "$(rows "$TMP/st/nm-1.csv")" = "a131a5c40d625f6ed3fd44f992c83a96" ] && ok || bad "--adapt stan chain 1 differs from the earlier build"
[ "$(rows "$TMP/st/nm-2.csv")" = "0cec56cabfd3078a2e54261924f50c45" ] && ok || bad "--adapt stan chain 2 differs from the earlier build"
# the default is --metric lowrank (Fisher divergence, Pathfinder start; 400 warmup iterations unless --warmup is given)
expect_exit 0 "$URN" sample "$S" --data "$D" --chains 2 --warmup 200 --draws 100 --seed 42 \
  --output-dir "$TMP/df" --refresh 0
expect_exit 0 "$URN" sample "$S" --data "$D" --chains 2 --warmup 200 --draws 100 --seed 42 --metric lowrank \
  --output-dir "$TMP/dfl" --refresh 0
for c in 1 2; do
  [ "$(rows "$TMP/df/nm-$c.csv")" = "$(rows "$TMP/dfl/nm-$c.csv")" ] && ok || bad "chain $c: the default is --metric lowrank"
done
[ "$(rows "$TMP/df/nm-1.csv")" != "$(rows "$TMP/st/nm-1.csv")" ] && ok || bad "the default is not --adapt stan"
grep -q '^# init = pathfinder$' "$TMP/df/nm-1.csv" && ok || bad "the default starts from Pathfinder draws"
expect_exit 0 "$URN" sample "$S" --data "$D" --chains 2 --draws 10 --seed 42 --output-dir "$TMP/dfw" --refresh 0
expect_out "2 chains of 400 warmup + 10 draws"
expect_exit 0 "$URN" sample "$S" --data "$D" --chains 2 --warmup 200 --draws 100 --seed 42 --adapt fisher \
  --output-dir "$TMP/dff" --refresh 0
# --metric diag alone: the Fisher divergence's diagonal estimate (--adapt fisher); --metric unit alone: Stan's step size adaptation (no metric to learn)
expect_exit 0 "$URN" sample "$S" --data "$D" --chains 2 --warmup 200 --draws 100 --seed 42 --metric diag \
  --output-dir "$TMP/dfd" --refresh 0
[ "$(rows "$TMP/dfd/nm-1.csv")" = "$(rows "$TMP/dff/nm-1.csv")" ] && ok || bad "--metric diag alone is --adapt fisher"
expect_exit 0 "$URN" sample "$S" --data "$D" --chains 2 --warmup 200 --draws 100 --seed 42 --metric unit \
  --output-dir "$TMP/du" --refresh 0
expect_exit 0 "$URN" sample "$S" --data "$D" --chains 2 --warmup 200 --draws 100 --seed 42 --metric unit \
  --adapt stan --output-dir "$TMP/dus" --refresh 0
[ "$(rows "$TMP/du/nm-1.csv")" = "$(rows "$TMP/dus/nm-1.csv")" ] && ok || bad "--metric unit alone is --adapt stan"

for scheme in "--adapt fisher" "--metric lowrank"; do
  dir="$TMP/$(echo "$scheme" | tr -d ' -')"
  # shellcheck disable=SC2086
  expect_exit 0 "$URN" sample "$S" --data "$D" --chains 4 --seed 7 $scheme --output-dir "$dir" --refresh 0 --threads 2
  if [ "$scheme" = "--adapt fisher" ]; then expect_out "4 chains of 300 warmup + 1000 draws"
  else expect_out "4 chains of 400 warmup + 1000 draws"; fi
  # the Fisher schemes start from Pathfinder draws unless --init is given (docs/sampling.md: bball_drive)
  expect_out "--init pathfinder: 8 paths"
  grep -q '^# init = pathfinder$' "$dir/nm-1.csv" && ok || bad "$scheme: the CSV header records init = pathfinder"
  # shellcheck disable=SC2086
  expect_exit 0 "$URN" sample "$S" --data "$D" --chains 4 --seed 7 $scheme --output-dir "$dir-1" --refresh 0 \
    --threads 1
  same=1
  for c in 1 2 3 4; do [ "$(rows "$dir/nm-$c.csv")" = "$(rows "$dir-1/nm-$c.csv")" ] || same=0; done
  [ $same = 1 ] && ok || bad "$scheme: files differ between --threads 1 and 2"
  if [ "$scheme" = "--adapt fisher" ]; then
    grep -q "^# Diagonal elements of inverse mass matrix:" "$dir/nm-1.csv" && ok || bad "fisher: diagonal block"
  else
    grep -q "^# Elements of inverse mass matrix:" "$dir/nm-1.csv" && ok || bad "lowrank: dense block"
    grep -q "metric = dense_e" "$dir/nm-1.csv" && ok || bad "lowrank: recorded as dense_e"
  fi
  # posterior mean and sd of mu: 1.1113 and 0.3326 by quadrature on a 1601 x 4000 grid (numpy); 4000 draws:
  # mean within 0.06 (~6 MCSE), sd within 12%
  /usr/bin/python3 - "$dir" <<'PY' && ok || bad "$scheme: posterior mean/sd of mu"
import sys, glob, statistics
xs = []
for f in glob.glob(sys.argv[1] + "/nm-*.csv"):
    rows = [l for l in open(f) if l[0] != "#"]
    i = rows[0].split(",").index("mu")
    xs += [float(r.split(",")[i]) for r in rows[1:]]
m, s = statistics.mean(xs), statistics.stdev(xs)
sys.exit(0 if len(xs) == 4000 and abs(m - 1.1113) < 0.06 and abs(s / 0.3326 - 1) < 0.12 else 1)
PY
done
# an explicit --init keeps the random inits (no Pathfinder)
expect_exit 0 "$URN" sample "$S" --data "$D" --chains 1 --seed 7 --metric lowrank --init 2 --output-dir "$TMP/ri" \
  --refresh 0
grep -q "Pathfinder" "$TMP/out" && bad "--init 2 ran Pathfinder" || ok
grep -q '^# init = 2' "$TMP/ri/nm-1.csv" && ok || bad "--init 2 recorded"

done_tests
