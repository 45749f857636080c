#!/bin/sh
# bench/native/run.sh — `make bench-native`: the upper bound of a native tier (issue #21 item 3, docs/autodiff.md
# "Native tier"): three posteriordb posteriors' log density and gradient written by hand in C in the evaluator's
# operation order (no fast-math, -ffp-contract=off), microseconds per gradient (CPU time, median of 5 batches at
# a fixed random point; the gradient's weighted sum printed to compare with urn's at the same point).
# WORK: the posteriors unpacked by `make bench-pdb` or `make pdb-draws` (/tmp/urn-bench-pdb, else
# /tmp/urn-pdb-draws); absent: one skipped: line.  Not part of make test.
HERE=$(cd "$(dirname "$0")" && pwd)
W=${WORK:-}
[ -z "$W" ] && for p in /tmp/urn-bench-pdb /tmp/urn-pdb-draws; do [ -d "$p/radon_mn-radon_variable_intercept_slope_centered" ] && { W=$p; break; }; done
[ -n "$W" ] || { echo "skipped: no unpacked posteriordb (run make bench-pdb or make pdb-draws first, or set WORK)"; exit 0; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
/usr/bin/python3 - "$W" "$T" <<'PY'
import json, sys
w, t = sys.argv[1], sys.argv[2]
def arr(ty, name, v): return 'static const %s %s[] = {%s};\n' % (ty, name, ','.join(repr(float(x)) if ty == 'double' else str(x) for x in v))
d = json.load(open(w + '/radon_mn-radon_variable_intercept_slope_centered/data.json'))
open(t + '/radon.h', 'w').write('enum { N = %d, J = %d };\n' % (d['N'], d['J']) + arr('int', 'county', d['county_idx'])
    + arr('double', 'xf', d['floor_measure']) + arr('double', 'y', d['log_radon']))
d = json.load(open(w + '/Mth_data-Mth_model/data.json'))
open(t + '/mth.h', 'w').write('enum { M = %d, T = %d };\nstatic const int yy[M][T] = {%s};\n'
    % (d['M'], d['T'], ','.join('{' + ','.join(str(v) for v in r) + '}' for r in d['y'])))
d = json.load(open(w + '/earnings-logearn_interaction/data.json'))
open(t + '/earnings.h', 'w').write('enum { N = %d };\n' % d['N'] + ''.join(arr('double', k, d[k]) for k in ('earn', 'height', 'male')))
PY
for m in radon mth earnings; do
  cc -O2 -ffp-contract=off -DDATA_H="\"$T/$m.h\"" "$HERE/$m.c" -lm -o "$T/$m" && printf '%-10s %s\n' "$m" "$("$T/$m")"
done
