"""python/tests/helpers.py -- what the package's tests share: the urn program
(for comparisons with the command line), the repository's test data, a
temporary folder, and reading CSV numbers exactly (pandas' default float parser
is not round-trip exact, numpy's is)."""
import csv
import os
import shutil
import subprocess
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(ROOT, "tests", "data")
URN = os.environ.get("URN") or os.path.join(ROOT, "build", "urn")
SHARED = os.environ.get("URN_SHARED") or os.path.join(os.path.dirname(ROOT), "shared")


def run(*args, check=True):
    """Runs `urn ARGS`; returns (exit status, stdout, stderr)."""
    p = subprocess.run([URN] + [str(a) for a in args], capture_output=True, text=True)
    if check and p.returncode:
        raise AssertionError("urn %s failed (%d): %s" % (" ".join(map(str, args)), p.returncode, p.stderr))
    return p.returncode, p.stdout, p.stderr


def read_csv(path_or_text, comment="#"):
    """(header, rows as float64 ndarray) of a CSV, skipping comment lines; exact parsing."""
    if "\n" in path_or_text:
        lines = path_or_text.splitlines()
    else:
        with open(path_or_text) as f:
            lines = f.read().splitlines()
    lines = [ln for ln in lines if ln and not ln.startswith(comment)]
    header = next(csv.reader([lines[0]]))
    rows = [next(csv.reader([ln])) for ln in lines[1:]]
    return header, rows


def column(rows, header, name, conv=float):
    j = header.index(name)
    return np.array([conv(r[j]) for r in rows])


def sequences(path, ycols, xcols=None, seq="session"):
    """ys, xs (lists of arrays, one per run of equal `seq` values) from a data CSV, exactly."""
    header, rows = read_csv(path)
    sid = [r[header.index(seq)] for r in rows]
    cuts = [0] + [i for i in range(1, len(sid)) if sid[i] != sid[i - 1]] + [len(sid)]
    Y = np.column_stack([column(rows, header, c) for c in ycols])
    X = np.column_stack([column(rows, header, c) for c in xcols]) if xcols else None
    ys = [Y[a:b] if len(ycols) > 1 else Y[a:b, 0] for a, b in zip(cuts, cuts[1:])]
    xs = [X[a:b] if len(xcols) > 1 else X[a:b, 0] for a, b in zip(cuts, cuts[1:])] if xcols else None
    return ys, xs


class TempDir:
    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="urn_py_")
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)
