# tests/cli/test_kill.sh — no lost work: `urn sample` killed with SIGKILL at 20 pseudo-random moments leaves, for
# every chain, a CSV that `urn summary` reads and that holds every draw reported complete (every complete line);
# SIGTERM stops cleanly with exit 143 and files completed with their timing comments.
. tests/cli/lib.sh

cat > "$TMP/k.stan" <<'STAN'
data { int<lower=0> N; vector[N] y; }
parameters { real mu; real<lower=0> sigma; }
model { mu ~ normal(0, 10); sigma ~ normal(0, 5); y ~ normal(mu, sigma); }
generated quantities { real y_rep = normal_rng(mu, sigma); }
STAN
echo '{"N": 5, "y": [0.3, -1.2, 2.2, 0.9, 1.4]}' > "$TMP/k.json"

"$URN" sample "$TMP/k.stan" --data "$TMP/k.json" --chains 1 --warmup 5 --draws 1 --output-dir "$TMP/probe" \
  --refresh 0 >/dev/null 2>"$TMP/err" || { echo "skipped: urn cannot sample yet: $(head -n 1 "$TMP/err")"; done_tests; exit $?; }

# Delays from a fixed LCG so the test is deterministic in what it asks (the moment of death varies with load).
x=12345
i=0
while [ $i -lt 20 ]; do
  i=$((i+1))
  x=$(( (x * 1103515245 + 12345) % 2147483648 ))
  ms=$(( 5 + x % 400 ))
  d="$TMP/run$i"
  "$URN" sample "$TMP/k.stan" --data "$TMP/k.json" --chains 2 --threads 2 --warmup 2000 --draws 200000 \
    --seed $i --output-dir "$d" --refresh 0 >/dev/null 2>&1 &
  pid=$!
  sleep "$(echo "$ms" | awk '{ printf "%.3f", $1 / 1000 }')"
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  for c in 1 2; do
    f=""
    for g in "$d"/k-$c.csv "$d"/.k-$c.csv* "$d"/k-$c.csv.*; do [ -f "$g" ] && f=$g && break; done
    if [ -z "$f" ]; then
      # Killed before the file was created: acceptable only if the output directory holds nothing half-made.
      ok; continue
    fi
    # The complete lines: all of them when the file ends with a newline, else all but the half-written last one
    # (which may be cut just after a comma and so have the header's number of fields with an empty last value).
    if [ -n "$(tail -c 1 "$f")" ]; then sed '$d' "$f"; else cat "$f"; fi | grep -v '^#' > "$TMP/complete.csv"
    # every complete line has the header's number of fields and no empty value
    nf=$(head -n 1 "$TMP/complete.csv" | awk -F, '{ print NF }')
    badlines=$(awk -F, -v nf="$nf" 'NF != nf || /,,/ || /,$/' "$TMP/complete.csv" | wc -l)
    [ "$badlines" = 0 ] && ok || bad "run $i chain $c: $badlines malformed complete lines in $f"
    rows=$(sed '1d' "$TMP/complete.csv" | wc -l)
    if [ "$rows" -gt 0 ]; then
      # the complete lines must be readable by urn summary
      cp "$TMP/complete.csv" "$TMP/copy.csv"
      "$URN" summary "$TMP/copy.csv" >"$TMP/sum" 2>&1 && ok || bad "run $i chain $c: summary failed: $(head -c 300 "$TMP/sum")"
    else
      ok
    fi
  done
done

# SIGTERM: clean stop, exit 143, files complete with timing comments.
"$URN" sample "$TMP/k.stan" --data "$TMP/k.json" --chains 2 --warmup 1000 --draws 1000000 --seed 7 \
  --output-dir "$TMP/term" --refresh 0 >/dev/null 2>&1 &
pid=$!
# Send SIGTERM once both chains are writing draws (not after a fixed delay: under load or sanitizers the program
# may not have started, and a signal before the handler is installed would test nothing).
n=0
while [ $n -lt 600 ]; do
  # (while the run goes the files are k-C.csv.part; renamed to k-C.csv when complete)
  [ -f "$TMP/term/k-1.csv.part" ] && [ -f "$TMP/term/k-2.csv.part" ] &&
    [ "$(grep -vc '^#' "$TMP/term/k-1.csv.part")" -gt 2 ] && [ "$(grep -vc '^#' "$TMP/term/k-2.csv.part")" -gt 2 ] && break
  sleep 0.1
  n=$((n+1))
done
kill -TERM $pid
wait $pid
rc=$?
[ "$rc" = 143 ] && ok || bad "SIGTERM exit code $rc (want 143)"
for c in 1 2; do
  f="$TMP/term/k-$c.csv"
  [ -f "$f" ] && ok || bad "SIGTERM: $f missing"
  grep -q 'seconds (Total)' "$f" 2>/dev/null && ok || bad "SIGTERM: $f has no timing comment"
done
# chains stop at different iterations, so each is summarized alone (summary refuses unequal chains together)
for c in 1 2; do
  "$URN" summary "$TMP/term/k-$c.csv" >/dev/null 2>&1 && ok || bad "SIGTERM: summary of chain $c failed"
done
# SIGTERM during the default run's Pathfinder start (before the chains begin): exit 143, a message that says so,
# no files (a chain with no iteration has none).  The model's evaluations are slow (~2 ms: Pathfinder's thousands
# of them take many seconds), and the signal goes 1 s after transformed data has printed, so it lands in Pathfinder.
cp tests/data/pathfinder_slow.stan "$TMP/pf.stan"
"$URN" sample "$TMP/pf.stan" --chains 2 --seed 3 --output-dir "$TMP/pf" --refresh 0 >"$TMP/pf.out" 2>"$TMP/pf.err" &
pid=$!
n=0; while [ $n -lt 600 ] && ! grep -q "data ready" "$TMP/pf.out"; do sleep 0.1; n=$((n+1)); done
sleep 1; kill -TERM $pid; wait $pid; rc=$?
[ "$rc" = 143 ] && ok || bad "SIGTERM in Pathfinder: exit code $rc (want 143)"
grep -q "stopped by SIGTERM before any draw was made (during the Pathfinder start, before the chains began): no files were written" "$TMP/pf.err" \
  && ok || bad "SIGTERM in Pathfinder: message $(head -c 300 "$TMP/pf.err")"
[ -z "$(ls -A "$TMP/pf" 2>/dev/null)" ] && ok || bad "SIGTERM in Pathfinder: files left: $(ls "$TMP/pf")"
done_tests
