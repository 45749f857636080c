# tests/cli/test_cmdstanpy.sh — the real, unmodified cmdstanpy and ArviZ (../shared/clients) on urn's
# CmdStan-compatible executables: the shared smoke scripts on the benchmarks M1-M3 (smoke_cmdstanpy.py:
# sample single- and multi-chain, optimize, variational, pathfinder, laplace, log_prob, from_csv — generate_quantities needs a
# generated quantities block, which M1-M3 lack, so it runs on the bernoulli model; smoke_arviz.py on the
# executable and on urn sample's CSV files), the one-process-per-chain form (URN_STAN_THREADS=false), and
# tests/python/test_cmdstanpy_client.py (draws equal across process layouts and to urn sample, the
# benchmarks against Stan's reference posteriors, summary/diagnose, the CmdStan folder, errors, variational and
# pathfinder against the closed-form bernoulli posterior, ArviZ).
# Needs ../shared and Debian's python3-numpy, -pandas, -xarray; without them one skipped: line.
. tests/cli/lib.sh

py=/usr/bin/python3
shared=$(shared_dir)
if [ -z "$shared" ] || [ ! -f "$shared/clients/smoke_cmdstanpy.py" ]; then
  echo "skipped: cmdstanpy and ArviZ clients (needs ../shared/clients)"
  done_tests; exit $?
fi
if ! $py -c 'import numpy, pandas, xarray' 2>/dev/null; then
  echo "skipped: cmdstanpy and ArviZ clients (needs python3-numpy, python3-pandas, python3-xarray)"
  done_tests; exit $?
fi
C="$shared/clients"
export MPLBACKEND=Agg

# smoke_cmdstanpy.py EXE DATA METHODS WANT : the smoke script ends with "cmdstanpy: WANT passed, 0 failed"
smoke() { exe=$1; data=$2; methods=$3; want=$4
  $py "$C/smoke_cmdstanpy.py" "$exe" --data "$data" --methods "$methods" --no-progress >"$TMP/smoke.out" 2>&1
  line=$(grep '^cmdstanpy: ' "$TMP/smoke.out")
  echo "$(basename "$exe") [$methods${URN_STAN_THREADS:+, STAN_THREADS=$URN_STAN_THREADS}]: $line"
  [ "$line" = "cmdstanpy: $want passed, 0 failed" ] && ok || bad "smoke $exe: $line $(grep -B 12 FAILED "$TMP/smoke.out" | head -n 40)"
}
arviz() { label=$1; shift
  $py "$C/smoke_arviz.py" "$@" >"$TMP/arviz.out" 2>&1
  line=$(grep '^arviz: ' "$TMP/arviz.out")
  echo "$label: $line"
  [ "$line" = "arviz: 7 passed, 0 failed" ] && ok || bad "arviz $label: $line $(grep -B 12 FAILED "$TMP/arviz.out" | head -n 40)"
}

for m in m1-normal m2-linreg m3-mixture; do
  cp "$shared/benchmarks/$m/model.stan" "$TMP/$m.stan"
  expect_exit 0 "$URN" compile "$TMP/$m.stan"
  smoke "$TMP/$m" "$shared/benchmarks/$m/data.json" sample,optimize,variational,pathfinder,laplace,log_prob,from_csv 10
  arviz "$m (executable)" "$TMP/$m" --data "$shared/benchmarks/$m/data.json"
done
cp "$C/reference/bernoulli.stan" "$TMP/bernoulli.stan"
expect_exit 0 "$URN" compile "$TMP/bernoulli.stan"
smoke "$TMP/bernoulli" "$C/reference/bernoulli.data.json" sample,variational,pathfinder,generate_quantities,from_csv 7
URN_STAN_THREADS=false smoke "$TMP/m1-normal" "$shared/benchmarks/m1-normal/data.json" sample 3
# ArviZ on urn sample's own files
expect_exit 0 "$URN" sample "$TMP/m2-linreg.stan" --data "$shared/benchmarks/m2-linreg/data.json" --chains 2 \
  --warmup 300 --draws 200 --seed 8 --output-dir "$TMP/us" --refresh 0 --no-summary
arviz "m2-linreg (urn sample's CSV files)" "$TMP/us/m2-linreg-1.csv" "$TMP/us/m2-linreg-2.csv"

$py tests/python/test_cmdstanpy_client.py "$URN" "$shared" >"$TMP/client.out" 2>&1
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$TMP/client.out" | tail -n 1)
echo "cmdstanpy/ArviZ client tests: $line"
p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
if [ -n "$line" ]; then pass=$((pass + p)); fail=$((fail + f)); else bad "client test crashed: $(tail -n 30 "$TMP/client.out")"; fi
[ "$f" = 0 ] || grep -E '^FAIL' "$TMP/client.out" >&2
done_tests
