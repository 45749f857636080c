#!/usr/bin/python3
"""bench/pdb/table.py -- the Markdown table of `make bench-pdb`'s results for docs/performance.md.

usage: table.py WORK [WHY.tsv]

Reads WORK/<posterior>/urn.tsv and stan.tsv (bench/pdb/run.sh's per-side results) and prints one row per posterior
that ran on both sides, worst ratio first: urn and Stan µs per gradient (counting warmup), urn/Stan and both
gradient counts; then one row per posterior with urn's figure only, the Stan column saying why it has none
(WORK/<posterior>/stan.tsv's reason, else WORK/<posterior>/stan.why, else "not compiled"); then the median ratio
and how many are at most 0.5 and 0.25, then the posteriors with no urn figure (and why; the ones run on neither
side in one line). WHY.tsv (posterior TAB text) adds a last column: why a posterior stays above 0.5. A column "urn
at" names the urn binary that timed the row and its default --native mode (WORK/<posterior>/urn.at, written by
run.sh; else an older driver's note urn.timed or urn.sha: a commit), else "-". When some posterior has a run with
`--native` (WORK/<posterior>/urn-native.tsv, run.sh's NATIVE), two more columns give its µs per gradient and its
ratio to Stan ("interp." where the native tier did not take the program and the run stayed on the interpreter),
and a second median line covers them. A Stan figure carried over from an earlier table rather than run in WORK
(WORK/<posterior>/stan.at holds where it comes from) is marked † and the note says where from. A row whose sides ran
another schedule than 1000 warmup + 1000 draws (WORK/<posterior>/urn.sched, stan.sched: "W + D", written by run.sh's
WARMUP and DRAWS) has "‡ W + D" after its name ("‡ urn W + D, Stan W' + D'" if the sides differ) and a note says
so; no file: 1000 + 1000."""
import os
import re
import sys


def side(path):
    """(gradients, µs per gradient) of one side's result file, or the reason it has none"""
    if not os.path.exists(path):
        return None
    with open(path) as f:
        fields = f.read().strip().split("\t")
    if not fields[0]:
        return None  # still running
    if fields[0] != "ok":
        return fields[0]
    return int(fields[1]), float(fields[3]), fields[5] if len(fields) > 5 else ""


def urn_at(d):
    """the urn binary that timed d's urn side (and its default --native mode), from run.sh's or a driver's notes,
    or "-" """
    for f in ("urn.at", "urn.timed", "urn.sha"):
        p = os.path.join(d, f)
        if os.path.exists(p):
            with open(p) as h:
                return h.read().strip() or "-"
    return "-"


def schedule(d):
    """the row's schedule when it is not 1000 + 1000 on both sides ("W + D", or both sides' when they differ),
    else "" """
    sides = []
    for f in ("urn.sched", "stan.sched"):
        p = os.path.join(d, f)
        sides.append(open(p).read().strip() if os.path.exists(p) else "1000 + 1000")
    if sides[0] == sides[1]:
        return "" if sides[0] == "1000 + 1000" else sides[0]
    return "urn %s, Stan %s" % tuple(sides)


def cell(text):
    """text for a Markdown table cell: a "|" not already escaped is escaped"""
    return re.sub(r"(?<!\\)\|", r"\\|", text)


def fmt(us):
    return "%.3g" % us if us < 100 else "%.0f" % us


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    work = sys.argv[1]
    why = {}
    if len(sys.argv) > 2:
        with open(sys.argv[2]) as f:
            for line in f:
                if "\t" in line:
                    k, v = line.rstrip("\n").split("\t", 1)
                    why[k] = v
    both, urn_only, one, carried = [], [], [], {}
    for name in sorted(os.listdir(work)):
        d = os.path.join(work, name)
        if not os.path.isdir(d):
            continue
        u, s = side(os.path.join(d, "urn.tsv")), side(os.path.join(d, "stan.tsv"))
        v = side(os.path.join(d, "urn-native.tsv"))
        if isinstance(u, tuple) and isinstance(s, tuple):
            p = os.path.join(d, "stan.at")
            if os.path.exists(p):
                with open(p) as h:
                    carried[name] = h.read().strip()
            both.append((u[1] / s[1], name, u, s, urn_at(d), v))
        elif isinstance(u, tuple):
            if not isinstance(s, str):
                p = os.path.join(d, "stan.why")
                s = open(p).read().strip() if os.path.exists(p) else "not compiled"
            urn_only.append((name, u, s, urn_at(d), v))
        elif os.path.exists(os.path.join(d, "model.stan")):
            p = os.path.join(d, "stan.why")
            one.append((name, u or "not run", s or (open(p).read().strip() if os.path.exists(p) else "not run")))
    marked = {}
    for name in [r[1] for r in both] + [r[0] for r in urn_only]:
        sc = schedule(os.path.join(work, name))
        if sc:
            marked[name] = sc

    def label(name):
        return name + (" ‡ " + marked[name] if name in marked else "")

    native = any(r[5] is not None for r in both) or any(r[4] is not None for r in urn_only)
    both.sort(key=lambda r: -r[0])
    print("| posterior | urn µs/gradient | Stan µs/gradient | urn/Stan | urn gradients | Stan gradients | urn at "
          + ("| urn --native µs/gradient | native/Stan " if native else "") + "| above 0.5: why |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- " + ("| ---: | ---: " if native else "") + "| --- |")
    for r, name, u, s, at, v in both:
        nat = ""
        if native:
            if isinstance(v, tuple):
                interp = " (interp.)" if v[2].startswith("interpreter only") else ""
                nat = "| %s | %.2f%s " % (fmt(v[1]), v[1] / s[1], interp)
            else:
                nat = "| %s | - " % (v or "-")
        print("| %s | %s | %s%s | %.2f | %s | %s | %s %s| %s |" % (label(name), fmt(u[1]), fmt(s[1]),
                                                            " †" if name in carried else "", r, format(u[0], ","),
                                                            format(s[0], ","), at, nat,
                                                            cell(why.get(name, "")) if r > 0.5 else ""))
    for name, u, s, at, v in urn_only:
        nat = ""
        if native:
            if isinstance(v, tuple):
                nat = "| %s | -%s " % (fmt(v[1]), " (interp.)" if v[2].startswith("interpreter only") else "")
            else:
                nat = "| %s | - " % (v or "-")
        print("| %s | %s | %s | - | %s | - | %s %s| |" % (label(name), fmt(u[1]), cell("no figure: " + s),
                                                      format(u[0], ","), at, nat))
    columns = [("", [r[0] for r in both])]
    if native:
        # a program the native tier does not take runs on the interpreter under --native too: its figure counts
        columns.append((" with --native (the interpreter's figure where the tier does not take the program)",
                        [(r[5] if isinstance(r[5], tuple) else r[2])[1] / r[3][1] for r in both
                         if isinstance(r[5], tuple) or r[5] == "interp."]))
    for label, ratios in columns:
        rs = sorted(ratios)
        n = len(rs)
        if n:
            med = rs[n // 2] if n % 2 else (rs[n // 2 - 1] + rs[n // 2]) / 2
            print("\nMedian%s over these %d: %.2f; %d of %d at most 0.5, %d at most 0.25." %
                  (label, n, med, sum(r <= 0.5 for r in rs), n, sum(r <= 0.25 for r in rs)))
    for src in sorted(set(carried.values())):
        print("\n† Stan's figure from %s (%d posteriors)." % (src, sum(v == src for v in carried.values())))
    if marked:
        groups = {}
        for name, sc in sorted(marked.items()):
            groups.setdefault(sc, []).append(name)
        print("\n‡ Not 1000 warmup + 1000 draws: %s (the same schedule, seed and settings on both sides; µs per "
              "gradient counting warmup as the others)." % "; ".join("%s: %d posterior%s" % (sc, len(v), "s" * (len(v) > 1))
                                                                  for sc, v in sorted(groups.items())))
    idle = [name for name, u, s in one if u == s == "not run"]
    if idle:
        print("- not run on either side (%d): %s" % (len(idle), ", ".join(idle)))
    for name, u, s in one:
        if u == s == "not run":
            continue
        print("- %s: %s" % (name, "; ".join("%s %s" % (k, v if isinstance(v, str) else "%.3g µs" % v[1])
                                          for k, v in (("urn", u), ("Stan", s)) if v is not None)))

if __name__ == "__main__":
    main()
