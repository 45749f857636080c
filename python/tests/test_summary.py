"""urn.summarize against `urn summary --csv` on the same draws (written to Stan
CSV files at full precision): the same rows, names, columns and numbers, bit
for bit; options (percentiles, HDI, variables); bad input."""
import os
import unittest

import numpy as np

import urn
from urn.summary import flatten
from helpers import TempDir, run


def draws(seed=3, chains=4, n=250):
    rng = np.random.default_rng(seed)
    mu = rng.normal(1.0, 0.5, size=(chains, n)).cumsum(axis=1) * 0.02 + rng.normal(size=(chains, n))
    return {"lp__": -rng.gamma(3.0, size=(chains, n)),
            "treedepth__": rng.integers(1, 5, size=(chains, n)).astype(float),
            "divergent__": (rng.uniform(size=(chains, n)) < 0.01).astype(float),
            "mu": mu,
            "theta": rng.normal(size=(chains, n, 3)) * [1.0, 2.0, 0.1],
            "S": rng.gamma(2.0, size=(chains, n, 2, 2))}


def write_chains(d, names, arr):
    paths = []
    for c in range(arr.shape[0]):
        p = os.path.join(d, "chain-%d.csv" % (c + 1))
        with open(p, "w") as f:
            f.write("# a comment\n" + ",".join(names) + "\n")
            for row in arr[c]:
                f.write(",".join("%.17g" % v for v in row) + "\n")
        paths.append(p)
    return paths


class TestSummary(unittest.TestCase):
    def test_flatten_is_column_major(self):
        names, arr = flatten({"S": np.arange(2 * 3 * 2 * 2, dtype=float).reshape(2, 3, 2, 2)})
        self.assertEqual(names, ["S.1.1", "S.2.1", "S.1.2", "S.2.2"])
        self.assertEqual(arr[0, 0].tolist(), [0.0, 2.0, 1.0, 3.0])

    def test_equals_cli(self):
        dr = draws()
        names, arr = flatten(dr)
        with TempDir() as d:
            files = write_chains(d, names, arr)
            for args, kw in (((), {}), (("--percentiles", "2.5,50,97.5"), {"percentiles": [2.5, 50, 97.5]}),
                             (("--hdi", "0.9"), {"hdi": 0.9}), (("--vars", "theta,mu"), {"variables": ["theta", "mu"]})):
                _, out, _ = run("summary", *files, "--csv", *args)
                df = urn.summarize(dr, **kw)
                lines = out.strip().splitlines()
                self.assertEqual(lines[0].split(","), ["name"] + list(df.columns))
                self.assertEqual([ln.split(",")[0] for ln in lines[1:]], list(df.index))
                for ln in lines[1:]:
                    cells = ln.split(",")
                    got = df.loc[cells[0]].to_numpy()
                    want = np.array([float("nan") if c == "NA" else float(c) for c in cells[1:]])
                    self.assertTrue(np.array_equal(got, want, equal_nan=True), cells[0])
            table = urn.summarize(dr, fmt="table")
            _, cli_table, _ = run("summary", *files)
            self.assertIn("4 chains x 250 draws", table)
            self.assertEqual(table.splitlines()[:8], cli_table.splitlines()[:8])

    def test_bad_input(self):
        with self.assertRaises(ValueError):
            urn.summarize({"a": np.zeros(10)})
        with self.assertRaises(ValueError):
            urn.summarize({"a": np.zeros((2, 10)), "b": np.zeros((3, 10))})
        with self.assertRaises(urn.UrnError) as cm:
            urn.summarize(draws(), variables=["nope"])
        self.assertIn("nope", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
