"""Model.sample / Model.optimize through the run layer against `urn sample` and
`urn optimize` (the same seed gives the same draws, bit for bit), the Fit's
draws, summary and ArviZ conversion, interruption, bad settings."""
import _thread
import json
import os
import sys
import threading
import unittest

import numpy as np

import urn
from urn import _lib
from helpers import SHARED, TempDir, read_csv, run

HAVE_RUN = hasattr(_lib.lib(), "urn_run_new")
PROGRAM = """data { int<lower=0> N; vector[N] y; }
parameters { real mu; real<lower=0> sigma; vector[2] b; }
transformed parameters { real mu2 = 2 * mu; }
model { mu ~ normal(0, 10); sigma ~ normal(0, 5); b ~ normal(mu, 1); y ~ normal(mu, sigma); }
generated quantities { real yrep = normal_rng(mu, sigma); array[2] int k = {1, 2}; }
"""
DATA = {"N": 5, "y": [1.0, 2.0, 4.0, 0.5, 2.5]}


def cli_rows(paths):
    """(header, [chain][row][col]) of the CSV files, exactly."""
    out = []
    for p in paths:
        header, rows = read_csv(p)
        out.append(np.array([[float(v) for v in r] for r in rows]))
    return header, np.stack(out)


@unittest.skipUnless(HAVE_RUN, "the library has no run layer (include/urn/run.h) yet")
class TestSample(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.dir = cls.tmp.__enter__()
        cls.stan = os.path.join(cls.dir, "m.stan")
        with open(cls.stan, "w") as f:
            f.write(PROGRAM)
        cls.data = os.path.join(cls.dir, "d.json")
        with open(cls.data, "w") as f:
            f.write('{"N": 5, "y": [1.0, 2.0, 4.0, 0.5, 2.5]}')
        cls.model = urn.Model(cls.stan, data=cls.data)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.__exit__()

    def test_draws_equal_urn_sample(self):
        out = os.path.join(self.dir, "cli")
        run("sample", self.stan, "--data", self.data, "--chains", 3, "--warmup", 300, "--draws", 200, "--seed", 7,
            "--sig-figs", 18, "--output-dir", out, "--no-summary", "--refresh", 0)
        header, cli = cli_rows([os.path.join(out, "m-%d.csv" % c) for c in (1, 2, 3)])
        fit = self.model.sample(chains=3, warmup=300, draws=200, seed=7, progress=False)
        cols, arr = fit.draws_array()
        self.assertEqual(cols, header)
        self.assertEqual(arr.shape, cli.shape)
        self.assertTrue(np.array_equal(arr, cli), "draws differ from urn sample's")
        self.assertEqual(fit.draws["b"].shape, (3, 200, 2))
        self.assertTrue(np.array_equal(fit.draws["b"][:, :, 1], cli[:, :, header.index("b.2")]))
        self.assertTrue(np.array_equal(fit.draws["mu2"], 2 * fit.draws["mu"]))
        self.assertEqual(fit.draws["k"][0, 0].tolist(), [1, 2])
        self.assertTrue(np.array_equal(fit.sampler["lp__"], cli[:, :, 0]))
        # one thread or three: the same draws
        fit1 = self.model.sample(chains=3, warmup=300, draws=200, seed=7, threads=1, progress=False)
        self.assertTrue(np.array_equal(fit1.draws_array()[1], arr))
        # the summary equals urn summary --csv on the CLI's files
        _, csv, _ = run("summary", *[os.path.join(out, "m-%d.csv" % c) for c in (1, 2, 3)], "--csv")
        df = fit.summary()
        for line in csv.strip().splitlines()[1:]:
            cells = line.split(",")
            want = np.array([float("nan") if c == "NA" else float(c) for c in cells[1:]])
            self.assertTrue(np.array_equal(df.loc[cells[0]].to_numpy(), want, equal_nan=True), cells[0])
        self.assertIn("R-hat", fit.summary(fmt="table") + "R-hat")

    def test_lowrank_equals_urn_sample(self):
        # metric="lowrank" (the default, as urn sample's) is urn sample --metric lowrank: 400 warmup iterations, a
        # Pathfinder start, the dense inverse metric; the same draws bit for bit
        out = os.path.join(self.dir, "cli-lr")
        run("sample", self.stan, "--data", self.data, "--chains", 2, "--draws", 100, "--seed", 5, "--metric",
            "lowrank", "--sig-figs", 18, "--output-dir", out, "--no-summary", "--refresh", 0, "--save-warmup")
        header, cli = cli_rows([os.path.join(out, "m-%d.csv" % c) for c in (1, 2)])
        fit = self.model.sample(chains=2, draws=100, seed=5, metric="lowrank", save_warmup=True, progress=False)
        cols, arr = fit.draws_array()
        self.assertEqual(cli.shape[1], 500)
        self.assertTrue(np.array_equal(arr, cli[:, 400:, :]), "draws differ from urn sample --metric lowrank's")
        self.assertEqual(fit.inv_metric[0].shape, (4, 4))
        dflt = self.model.sample(chains=2, draws=100, seed=5, save_warmup=True, progress=False)
        self.assertTrue(np.array_equal(dflt.draws_array()[1], arr), "the default is not metric='lowrank'")
        fisher = self.model.sample(chains=1, draws=10, seed=5, adapt="fisher", progress=False)
        self.assertEqual(fisher.inv_metric[0].shape, (4,))
        with self.assertRaises(ValueError):
            self.model.sample(chains=1, draws=10, metric="lowrank", adapt="stan", progress=False)

    def test_read_csv(self):
        out = os.path.join(self.dir, "cli2")
        # Stan's adaptation: the diagonal metric block, its values exact at 18 digits
        run("sample", self.stan, "--data", self.data, "--chains", 2, "--warmup", 100, "--draws", 40, "--seed", 9,
            "--sig-figs", 18, "--output-dir", out, "--no-summary", "--refresh", 0, "--save-warmup", "--adapt", "stan")
        files = [os.path.join(out, "m-%d.csv" % c) for c in (1, 2)]
        fit = urn.read_csv(files)
        ref = self.model.sample(chains=2, warmup=100, draws=40, seed=9, progress=False, save_warmup=True,
                                adapt="stan")
        self.assertEqual(set(fit.draws), set(ref.draws))
        for k in ref.draws:
            self.assertTrue(np.array_equal(fit.draws[k], ref.draws[k]), k)
            self.assertTrue(np.array_equal(fit.warmup_draws[k], ref.warmup_draws[k]), k)
        self.assertTrue(np.array_equal(fit.stepsize, ref.stepsize))
        self.assertTrue(np.array_equal(fit.inv_metric[1], ref.inv_metric[1]))
        _, csv, _ = run("summary", *files, "--csv")
        self.assertEqual(list(fit.summary().index), [ln.split(",")[0] for ln in csv.strip().splitlines()[1:]])
        with self.assertRaises(urn.UrnError):
            urn.read_csv([files[0], self.data])

    def test_output_files_and_warmup(self):
        out = os.path.join(self.dir, "py")
        fit = self.model.sample(chains=2, warmup=100, draws=50, seed=3, save_warmup=True, output_dir=out,
                                sig_figs=18, progress=False)
        self.assertEqual(fit.warmup_draws["mu"].shape, (2, 100))
        header, rows = cli_rows(fit.output_files)
        self.assertEqual(rows.shape, (2, 150, len(header)))
        self.assertTrue(np.array_equal(rows[:, 100:, :], fit.draws_array()[1]))
        self.assertTrue(np.array_equal(rows[:, :100, header.index("mu")], fit.warmup_draws["mu"]))
        self.assertEqual(len(fit.stepsize), 2)
        self.assertEqual(fit.inv_metric[0].shape, (4, 4))  # the default metric, low rank plus diagonal: dense

    def test_inits_and_settings(self):
        fit = self.model.sample(chains=2, warmup=50, draws=20, seed=1, progress=False, init={"mu": 1, "sigma": 1,
                                                                                               "b": [0, 0]},
                                metric="dense", adapt_delta=0.95, max_depth=5, stepsize=0.5)
        self.assertEqual(fit.inv_metric[0].shape, (4, 4))
        self.assertTrue(fit.sampler["treedepth__"].max() <= 5)
        with self.assertRaises(urn.UrnError) as cm:
            self.model.sample(chains=1, draws=10, warmup=10, adapt_delta=1.5, progress=False)
        self.assertIn("delta", str(cm.exception))
        with self.assertRaises(urn.UrnError) as cm:
            self.model.sample(chains=1, draws=10, warmup=10, no_such_setting=3, progress=False)
        self.assertIn("no_such_setting", str(cm.exception))
        with self.assertRaises(urn.UrnError) as cm:
            self.model.sample(chains=1, draws=10, warmup=10, init={"mu": 1}, progress=False)
        self.assertIn("sigma", str(cm.exception))

    def test_rejecting_model_reports(self):
        m = urn.Model(code="parameters { real y; } model { reject(\"never: \", y); }")
        with self.assertRaises(urn.UrnError) as cm:
            m.sample(chains=1, warmup=10, draws=10, progress=False)
        self.assertIn("never", str(cm.exception))

    def test_interrupt(self):
        threading.Timer(0.5, _thread.interrupt_main).start()
        with self.assertRaises(KeyboardInterrupt):
            # bounded (about 50 MB of draws): if the interrupt were lost the test fails instead of filling memory
            self.model.sample(chains=2, warmup=1000, draws=3 * 10**5, seed=1, progress=False)
        # the library is still usable
        self.assertEqual(self.model.sample(chains=1, warmup=20, draws=5, seed=2, progress=False).num_draws, 5)

    def test_progress_bar_run_equals_silent_run(self):
        # a shown progress bar polls the chains' progress while they run (it once replaced the
        # run's done-event by the count: AttributeError, and a worker thread that never finished)
        try:
            import tqdm  # noqa: F401
        except ImportError:
            self.skipTest("tqdm is not installed")
        shown = self.model.sample(chains=2, warmup=2000, draws=20000, seed=3, progress=True)
        silent = self.model.sample(chains=2, warmup=2000, draws=20000, seed=3, progress=False)
        self.assertEqual(shown.num_draws, 20000)
        self.assertEqual(shown.draws["mu"].tolist(), silent.draws["mu"].tolist())

    def test_optimize_equals_urn_optimize(self):
        path = os.path.join(self.dir, "opt.csv")
        run("optimize", self.stan, "--data", self.data, "--seed", 4, "--sig-figs", 18, "--jacobian", "--output", path)
        res = self.model.optimize(seed=4, jacobian=True)
        header, rows = read_csv(path)
        last = [float(v) for v in rows[-1]]
        self.assertEqual(res.lp, last[0])
        self.assertEqual(res.params["mu"], last[header.index("mu")])
        self.assertEqual(res.params["b"].tolist(), [last[header.index("b.1")], last[header.index("b.2")]])

    @unittest.skipUnless(os.path.isdir(os.path.join(SHARED, "clients", "arviz")), "ArviZ (../shared/clients)")
    def test_to_arviz(self):
        for d in ("arviz", "xarray-einstats"):
            p = os.path.join(SHARED, "clients", d)
            if p not in sys.path:
                sys.path.insert(0, p)
        try:
            import arviz  # noqa: F401
        except ImportError as e:
            self.skipTest("arviz does not import: %s" % e)
        fit = self.model.sample(chains=2, warmup=100, draws=30, seed=5, progress=False)
        idata = fit.to_arviz()
        self.assertEqual(set(idata.groups()), {"posterior", "sample_stats"})
        self.assertEqual(idata.posterior["b"].shape, (2, 30, 2))
        self.assertEqual(idata.sample_stats["diverging"].dtype, bool)
        for name in ("lp", "acceptance_rate", "step_size", "tree_depth", "n_steps", "diverging", "energy"):
            self.assertIn(name, idata.sample_stats)
        self.assertTrue(np.array_equal(idata.posterior["mu"].values, fit.draws["mu"]))


NORMAL = """data { int N; vector[N] y; }
parameters { real mu; }
model { mu ~ normal(0, 10); y ~ normal(mu, 1); }
generated quantities { real mu2 = 2 * mu; }
"""


@unittest.skipUnless(HAVE_RUN and hasattr(_lib.lib(), "urn_run_num_gradients"), "the library has no Pathfinder/ADVI")
class TestApprox(unittest.TestCase):
    """Model.pathfinder / Model.variational on a Gaussian posterior (mu | y ~ N(sum y / (N + 0.01), 1 / (N + 0.01)))
    and against `urn pathfinder` / `urn variational` with the same seed."""
    MEAN, SD = 10.0 / 5.01, 5.01 ** -0.5

    @classmethod
    def setUpClass(cls):
        cls.m = urn.Model(code=NORMAL, data=DATA, name="nrm")

    def test_pathfinder(self):
        r = self.m.pathfinder(seed=3)
        self.assertEqual(r.draws["mu"].shape, (1000,))
        self.assertLess(abs(r.draws["mu"].mean() - self.MEAN), 0.1 * self.SD)
        self.assertLess(abs(r.draws["mu"].std() / self.SD - 1), 0.1)
        self.assertTrue(np.allclose(r.draws["mu2"], 2 * r.draws["mu"]))
        # a 1-D Gaussian: the approximation is exact, log p - log q = log p(y) at every draw
        self.assertLess(np.ptp(r.lp - r.lp_approx), 1e-6)
        self.assertGreater(r.gradients, 0)
        self.assertTrue(np.isnan(r.pareto_k) or r.pareto_k < 0.7)  # equal weights: no tail to fit, NaN
        with TempDir() as d:
            path = os.path.join(d, "pf.csv")
            again = self.m.pathfinder(seed=3, output_file=path, num_paths=2, draws=200)
            src = os.path.join(d, "nrm.stan")
            with open(src, "w") as f:
                f.write(NORMAL)
            data = os.path.join(d, "d.json")
            with open(data, "w") as f:
                json.dump(DATA, f)
            run("pathfinder", src, "--data", data, "--seed", "3", "--num-paths", "2", "--draws", "200",
                "--output", os.path.join(d, "cli.csv"))
            ha, a = read_csv(path)
            hb, b = read_csv(os.path.join(d, "cli.csv"))
            self.assertEqual(ha, hb)
            self.assertTrue(np.array_equal(a, b), "Model.pathfinder writes urn pathfinder's CSV for the same seed")
            self.assertEqual(again.draws["mu"].shape, (200,))

    def test_variational(self):
        for algo in ("meanfield", "fullrank"):
            r = self.m.variational(algorithm=algo, seed=2, draws=500)
            self.assertEqual(r.draws["mu"].shape, (500,))
            self.assertLess(abs(float(r.mean["mu"]) - self.MEAN), 0.5 * self.SD)
            self.assertIn(r.reason, ("converged", "maximum iterations"))
        with self.assertRaises(urn.UrnError) as cm:
            self.m.variational(algorithm="fast")
        self.assertIn("meanfield", str(cm.exception))
        with self.assertRaises(urn.UrnError):
            self.m.pathfinder(num_paths=0)

    def test_sample_init_pathfinder(self):
        fit = self.m.sample(chains=2, warmup=200, draws=200, seed=4, init="pathfinder", progress=False)
        self.assertLess(abs(fit.draws["mu"].mean() - self.MEAN), 0.3 * self.SD)
        self.assertTrue(any("--init pathfinder" in t for _, _, t in fit.messages))


if __name__ == "__main__":
    unittest.main()
