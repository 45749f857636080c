# tests/cli/test_files.sh — issue #16: nothing lost, nothing clobbered, nothing written where it should not be,
# and every command stops on SIGINT/SIGTERM/--timeout.  An earlier run's .part files are kept unless --overwrite;
# a link at a .part name is never followed; two runs never write into one folder at once; a full device (a
# 64 KB tmpfs, skipped when it cannot be mounted; /dev/full) fails the command and keeps the incomplete .part;
# --overwrite with fewer chains removes the earlier run's extra chains; urn generate does not overwrite; urn summary
# reads an interrupted run (an incomplete last line, unequal chains); an endless loop in a program stops on a
# signal in sample, optimize, generate, check and logdensity.
. tests/cli/lib.sh

cat > "$TMP/m.stan" <<'STAN'
parameters { real mu; }
model { mu ~ normal(1, 2); }
generated quantities { real y = normal_rng(mu, 1); }
STAN
Q="--warmup 50 --draws 20 --refresh 0 --no-summary --seed 5"

# ---- an earlier run's .part files are kept unless --overwrite ----
mkdir -p "$TMP/p"
echo "the draws of a killed run" > "$TMP/p/m-1.csv.part"
expect_exit 1 "$URN" sample "$TMP/m.stan" --chains 2 $Q --output-dir "$TMP/p"
expect_err "m-1.csv.part exists (the incomplete draws of an earlier run that was stopped or killed)"
[ "$(cat "$TMP/p/m-1.csv.part")" = "the draws of a killed run" ] && ok || bad ".part clobbered without --overwrite"
[ ! -e "$TMP/p/m-1.csv" ] && [ ! -e "$TMP/p/m-2.csv" ] && [ ! -e "$TMP/p/m-2.csv.part" ] && ok || bad "files left by a refused run"
expect_exit 0 "$URN" sample "$TMP/m.stan" --chains 2 $Q --output-dir "$TMP/p" --overwrite
[ -s "$TMP/p/m-1.csv" ] && [ ! -e "$TMP/p/m-1.csv.part" ] && ok || bad "--overwrite: the .part was not replaced"

# ---- a link at the .part name is never followed ----
mkdir -p "$TMP/l"
echo "precious" > "$TMP/victim.txt"
ln -s "$TMP/victim.txt" "$TMP/l/m-1.csv.part"
expect_exit 1 "$URN" sample "$TMP/m.stan" --chains 1 $Q --output-dir "$TMP/l"
expect_exit 0 "$URN" sample "$TMP/m.stan" --chains 1 $Q --output-dir "$TMP/l" --overwrite
[ "$(cat "$TMP/victim.txt")" = "precious" ] && ok || bad "the file behind a .part link was overwritten"
[ -s "$TMP/l/m-1.csv" ] && [ ! -L "$TMP/l/m-1.csv" ] && ok || bad "link at .part: no regular output file"
# a link at the final name is replaced by the file, not followed
ln -sf "$TMP/victim.txt" "$TMP/l/m-1.csv"
expect_exit 0 "$URN" sample "$TMP/m.stan" --chains 1 $Q --output-dir "$TMP/l" --overwrite
[ "$(cat "$TMP/victim.txt")" = "precious" ] && [ ! -L "$TMP/l/m-1.csv" ] && ok || bad "a link at the final name was followed"
# one-shot outputs too: plot and hmm fit write through a fresh temporary file
ln -s "$TMP/victim.txt" "$TMP/l/t.svg.part"
expect_exit 0 "$URN" plot trace "$TMP/l/m-1.csv" -o "$TMP/l/t.svg"
[ "$(cat "$TMP/victim.txt")" = "precious" ] && [ -s "$TMP/l/t.svg" ] && ok || bad "plot followed a link at its temporary name"

# ---- two runs writing one file at once: the second is refused (the .part is locked while written) ----
cat > "$TMP/slow.stan" <<'STAN'
parameters { real mu; }
model { real s = 0; for (i in 1:20000) s += 1e-9; mu ~ normal(s, 1); }
STAN
"$URN" sample "$TMP/slow.stan" --chains 1 --warmup 100000 --draws 10 --refresh 0 --no-summary --seed 1 \
  --output-dir "$TMP/c" >/dev/null 2>"$TMP/first.err" &
pid=$!
n=0
while [ $n -lt 300 ] && [ ! -e "$TMP/c/slow-1.csv.part" ]; do sleep 0.1; n=$((n+1)); done
expect_exit 1 "$URN" sample "$TMP/slow.stan" --chains 1 $Q --output-dir "$TMP/c" --overwrite
expect_err "slow-1.csv.part is being written by another run, now; wait for it to finish"
expect_exit 1 "$URN" sample "$TMP/slow.stan" --chains 1 $Q --output-dir "$TMP/c"
expect_err "slow-1.csv.part is being written by another run, now"
[ -e "$TMP/c/slow-1.csv.part" ] && ok || bad "the second run touched the first run's file"
# runs writing other files into the same folder go on side by side (cmdstanpy runs one process per chain)
expect_exit 0 "$URN" sample "$TMP/m.stan" --chains 1 $Q --output-dir "$TMP/c"
kill -TERM $pid
wait $pid
rc=$?
[ "$rc" = 143 ] && ok || bad "the first run after SIGTERM: exit $rc (want 143): $(head -c 300 "$TMP/first.err")"
[ -s "$TMP/c/slow-1.csv" ] && ok || bad "the first run's file after SIGTERM"

# ---- --overwrite with fewer chains removes the earlier run's extra chains ----
expect_exit 0 "$URN" sample "$TMP/m.stan" --chains 4 $Q --output-dir "$TMP/o"
expect_exit 0 "$URN" sample "$TMP/m.stan" --chains 2 $Q --output-dir "$TMP/o" --overwrite
[ -e "$TMP/o/m-1.csv" ] && [ -e "$TMP/o/m-2.csv" ] && [ ! -e "$TMP/o/m-3.csv" ] && [ ! -e "$TMP/o/m-4.csv" ] &&
  ok || bad "--overwrite --chains 2 left: $(ls "$TMP/o" | tr '\n' ' ')"

# ---- urn generate does not overwrite without --overwrite ----
expect_exit 0 "$URN" generate "$TMP/m.stan" --fitted "$TMP/o/m-1.csv" --output "$TMP/o/gq.csv"
cp "$TMP/o/gq.csv" "$TMP/gq.keep"
expect_exit 1 "$URN" generate "$TMP/m.stan" --fitted "$TMP/o/m-1.csv" --output "$TMP/o/gq.csv" --seed 9
expect_err "gq.csv exists (from an earlier run); use --overwrite to replace it"
cmp -s "$TMP/o/gq.csv" "$TMP/gq.keep" && ok || bad "generate replaced its earlier output"
expect_exit 0 "$URN" generate "$TMP/m.stan" --fitted "$TMP/o/m-1.csv" --output "$TMP/o/gq.csv" --seed 9 --overwrite
# ---- optimize, pathfinder, variational refuse an existing output as sample and generate do ----
for cmd in optimize pathfinder variational; do
  expect_exit 0 "$URN" $cmd "$TMP/m.stan" --output "$TMP/o/$cmd.csv"
  cp "$TMP/o/$cmd.csv" "$TMP/$cmd.keep"
  expect_exit 1 "$URN" $cmd "$TMP/m.stan" --output "$TMP/o/$cmd.csv" --seed 9
  expect_err "urn $cmd: $TMP/o/$cmd.csv exists (from an earlier run); use --overwrite to replace it, or --output to write elsewhere"
  cmp -s "$TMP/o/$cmd.csv" "$TMP/$cmd.keep" && ok || bad "$cmd replaced its earlier output"
  expect_exit 0 "$URN" $cmd "$TMP/m.stan" --output "$TMP/o/$cmd.csv" --seed 9 --overwrite
  cmp -s "$TMP/o/$cmd.csv" "$TMP/$cmd.keep" && bad "$cmd --overwrite kept the earlier output" || ok
done
expect_exit 1 "$URN" generate "$TMP/m.stan" --fitted /dev/zero --output "$TMP/o/gz.csv"
expect_err "urn generate: /dev/zero: not a text file (a NUL byte at offset 0)"
# ---- an output folder that is a file: said so, nothing written ----
echo "not a folder" > "$TMP/afile"
expect_exit 1 "$URN" sample "$TMP/m.stan" --chains 1 --warmup 10 --draws 10 --output-dir "$TMP/afile"
expect_err "cannot create the output directory $TMP/afile: Not a directory"
[ "$(cat "$TMP/afile")" = "not a folder" ] && ok || bad "the file named as the output folder was changed"

# ---- urn summary of an interrupted run: an incomplete last line, chains of different lengths ----
grep -v '^#' "$TMP/o/m-1.csv" | head -n 16 > "$TMP/i1.csv"            # header + 15 draws
grep -v '^#' "$TMP/o/m-2.csv" | head -n 12 > "$TMP/i2.csv"            # header + 11 draws
grep -v '^#' "$TMP/o/m-2.csv" | sed -n 13p | cut -c1-9 | tr -d '\n' >> "$TMP/i2.csv"   # a cut 12th draw
expect_exit 0 "$URN" summary "$TMP/i1.csv" "$TMP/i2.csv"
expect_err "i2.csv: the last line was incomplete (a run stopped while writing it) and is left out"
expect_err "the chains have different numbers of draws (11 to 15: an interrupted run?); using the first 11 draws of each"
expect_out "2 chains x 11 draws"
expect_exit 0 "$URN" plot trace "$TMP/i1.csv" "$TMP/i2.csv" -o "$TMP/i.svg"
expect_out "2 chains x 11 draws"

# ---- a full device: non-zero exit, the incomplete file kept as .part, nothing half-written under a final name ----
for cmd in "summary $TMP/o/m-1.csv" "check $TMP/m.stan" "logdensity $TMP/m.stan --params $TMP/mu.json"; do
  echo '{"mu": 0.5}' > "$TMP/mu.json"
  "$URN" $cmd > /dev/full 2>"$TMP/err"; rc=$?
  [ "$rc" = 1 ] && grep -q "No space left on device" "$TMP/err" && ok || bad "$cmd > /dev/full: exit $rc: $(head -c 200 "$TMP/err")"
done
printf 't,y\n1,0.5\n2,0.7\n3,2.5\n4,2.4\n5,0.1\n6,2.2\n' > "$TMP/h.csv"
expect_exit 0 "$URN" hmm fit "$TMP/h.csv" --states 2 --y y --out "$TMP/h.json" --quiet
expect_exit 1 "$URN" hmm fit "$TMP/h.csv" --states 2 --y y --out /dev/full --quiet
expect_err "/dev/full: write failed: No space left on device"
expect_exit 1 "$URN" hmm states "$TMP/h.csv" --params "$TMP/h.json" --y y --out /dev/full
expect_exit 1 "$URN" plot trace "$TMP/o/m-1.csv" -o /dev/full
if [ "$(id -u)" = 0 ] && mkdir -p "$TMP/small" && mount -t tmpfs -o size=64k tmpfs "$TMP/small" 2>/dev/null; then
  expect_exit 1 "$URN" sample "$TMP/m.stan" --chains 1 --warmup 10 --draws 20000 --refresh 0 --no-summary --seed 1 \
    --output-dir "$TMP/small/run"
  expect_err "No space left on device"
  [ -s "$TMP/small/run/m-1.csv.part" ] && [ ! -e "$TMP/small/run/m-1.csv" ] && ok ||
    bad "full tmpfs: want the kept .part and no m-1.csv, have: $(ls "$TMP/small/run" | tr '\n' ' ')"
  rm -rf "$TMP/small/run"
  cat /dev/zero > "$TMP/small/fill" 2>/dev/null   # the device is full now
  expect_exit 1 "$URN" plot trace "$TMP/o/m-1.csv" "$TMP/o/m-2.csv" -o "$TMP/small/t.svg"
  [ ! -e "$TMP/small/t.svg" ] && [ -z "$(ls "$TMP/small" | grep -v '^fill$')" ] && ok || bad "full tmpfs: plot left $(ls "$TMP/small" | tr '\n' ' ')"
  expect_exit 1 "$URN" hmm fit "$TMP/h.csv" --states 2 --y y --out "$TMP/small/h.json" --quiet --iters 3
  [ ! -e "$TMP/small/h.json" ] && ok || bad "full tmpfs: hmm fit left a half file"
  "$URN" summary "$TMP/o/m-1.csv" > "$TMP/small/s.txt" 2>"$TMP/err"; rc=$?
  [ "$rc" = 1 ] && ok || bad "summary to a full tmpfs: exit $rc"
  umount "$TMP/small"
else
  echo "skipped: a 64 KB tmpfs (needs root and mount): the full-device checks used /dev/full only"
fi

# ---- SIGINT stops an endless loop in the model, in every command, leaving readable files ----
cat > "$TMP/loop.stan" <<'STAN'
parameters { real x; }
model { real k = 0; while (1) { k += 1; } x ~ normal(0, 1); }
generated quantities { real z = x; }
STAN
cat > "$TMP/tdloop.stan" <<'STAN'
transformed data { int k = 0; while (1) { k += 1; if (k > 1000) k = 0; } }
parameters { real x; }
model { x ~ normal(0, 1); }
STAN
cat > "$TMP/gqloop.stan" <<'STAN'
parameters { real x; }
model { x ~ normal(0, 1); }
generated quantities { real z = 0; while (1) { z += 1; } }
STAN
printf 'x,lp__\n0.5,0\n' > "$TMP/fit.csv"
echo '{"x": 0.5}' > "$TMP/x.json"
stops() { # SIGNAL EXIT cmd... : the command is running, gets the signal, exits with EXIT (watchdog: 60 s)
  sig=$1; want=$2; shift 2
  "$@" >/dev/null 2>"$TMP/stop.err" &
  p=$!
  # wait until the command has installed its handlers (SigCgt has SIGINT, bit 1): a background job of a
  # non-interactive shell starts with SIGINT ignored, so a signal sent before that would be lost (under a loaded
  # ASan build the start-up alone can take over a second)
  n=0
  while [ $n -lt 300 ] && kill -0 $p 2>/dev/null; do
    m=$(sed -n 's/^SigCgt:[[:space:]]*//p' /proc/$p/status 2>/dev/null)
    [ -n "$m" ] && [ $(( 0x$m & 2 )) -ne 0 ] && break
    sleep 0.1; n=$((n+1))
  done
  sleep 0.5
  kill -"$sig" $p
  n=0
  while kill -0 $p 2>/dev/null && [ $n -lt 600 ]; do sleep 0.1; n=$((n+1)); done
  if kill -0 $p 2>/dev/null; then kill -9 $p; wait $p; bad "$* did not stop on SIG$sig"; return; fi
  wait $p
  got=$?
  [ "$got" = "$want" ] && ok || bad "$* on SIG$sig: exit $got (want $want): $(head -c 200 "$TMP/stop.err")"
  # handled (not killed before the handler was there): the command says so
  grep -q "interrupted\|stopped by SIGTERM" "$TMP/stop.err" && ok || bad "$* on SIG$sig: no message: $(head -c 200 "$TMP/stop.err")"
}
stops INT 130 "$URN" sample "$TMP/loop.stan" --chains 2 --refresh 0 --output-dir "$TMP/s1"
stops TERM 143 "$URN" sample "$TMP/tdloop.stan" --refresh 0 --output-dir "$TMP/s2"
stops INT 130 "$URN" optimize "$TMP/loop.stan" --output "$TMP/s3.csv"
stops INT 130 "$URN" generate "$TMP/gqloop.stan" --fitted "$TMP/fit.csv" --output "$TMP/s4.csv"
stops INT 130 "$URN" check "$TMP/tdloop.stan" --data "$TMP/x.json"
stops TERM 143 "$URN" logdensity "$TMP/loop.stan" --params "$TMP/x.json"
[ ! -e "$TMP/s3.csv" ] && ok || bad "optimize stopped: wrote an estimate"
# hmm fit: EM stops at its next iteration (one thread or several), nothing written
awk 'BEGIN { print "t,y"; srand(1); for (i = 0; i < 20000; i++) printf "%d,%.4f\n", i, (i % 500 < 250 ? 0 : 3) + rand() }' \
  > "$TMP/h.csv"
stops INT 130 "$URN" hmm fit "$TMP/h.csv" --states 30 --y y --iters 1000000 --quiet --out "$TMP/h1.json"
stops TERM 143 "$URN" hmm fit "$TMP/h.csv" --states 30 --y y --iters 1000000 --threads 2 --quiet --out "$TMP/h2.json"
[ ! -e "$TMP/h1.json" ] && [ ! -e "$TMP/h2.json" ] && ok || bad "hmm fit stopped: wrote parameters"
expect_exit 124 "$URN" hmm fit "$TMP/h.csv" --states 30 --y y --iters 1000000 --quiet --timeout 0.5
expect_err "nothing written"
# the CmdStan-compatible executable of `urn compile` too
if "$URN" compile "$TMP/loop.stan" -o "$TMP/loop_exe" >/dev/null 2>&1; then
  stops INT 130 "$TMP/loop_exe" sample output file="$TMP/s7.csv"
else
  bad "urn compile of loop.stan failed"
fi
# --timeout: the same stop after the time given (exit 124)
expect_exit 124 "$URN" sample "$TMP/loop.stan" --adapt stan --chains 1 --refresh 0 --output-dir "$TMP/s5" --timeout 0.5
expect_err "stopped at the time limit (--timeout 0.5 s) before any draw was made"
expect_exit 124 "$URN" check "$TMP/tdloop.stan" --data "$TMP/x.json" --timeout 0.3
# a run stopped by --timeout after some draws leaves complete files that urn summary reads (a fast model, thinned:
# under ASan on a loaded machine slow.stan had not finished its warmup in 1.5 s, so its files had no draws; 4 s
# leaves room for the start of two chains under ASan at a load of 15 per core) (--adapt stan: no Pathfinder start before the chains)
expect_exit 124 "$URN" sample "$TMP/m.stan" --adapt stan --chains 2 --warmup 10 --draws 100000000 --thin 1000 --refresh 0 \
  --no-summary --seed 1 --output-dir "$TMP/s6" --timeout 4
for c in 1 2; do grep -q 'seconds (Total)' "$TMP/s6/m-$c.csv" && ok || bad "--timeout: m-$c.csv incomplete"; done
expect_exit 0 "$URN" summary "$TMP/s6/m-1.csv" "$TMP/s6/m-2.csv"
# a FIFO that never delivers, or /dev/zero, as data does not hang
mkfifo "$TMP/fifo"
expect_exit 124 "$URN" check "$TMP/m.stan" --data "$TMP/fifo" --timeout 0.5
expect_exit 1 "$URN" check "$TMP/m.stan" --data /dev/zero
done_tests
