#!/usr/bin/python3
"""tests/python/test_cmdstanpy_client.py -- the real, unmodified cmdstanpy 1.2.5 and ArviZ 0.21.0
(../shared/clients) on urn's CmdStan-compatible executables (`urn compile`) and CmdStan folder
(`urn cmdstan-home`).

Checked: multi-chain sampling both ways cmdstanpy runs it (one process for all chains when the
executable reports STAN_THREADS=true, one process per chain when URN_STAN_THREADS=false makes it
report false) giving the same draws bit for bit, and the same draws as `urn sample` with the same
seed; posterior means and sds of the benchmarks M1-M3 against Stan's reference posteriors
(../shared/benchmarks, the posteriordb pass rule); fit.summary() against `urn summary` and
fit.diagnose(); CmdStanModel(stan_file=...) compiled through the CmdStan folder; a model without
parameters (fixed_param); bad data, inits, modes, points and variational settings giving RuntimeError
(or ValueError where cmdstanpy raises that) with urn's message; variational (meanfield, fullrank,
not converged) and pathfinder (multi-path, single path, without resampling, same draws for a seed,
inits for sample) against the closed-form bernoulli posterior; ArviZ's
from_cmdstanpy and from_cmdstan on urn's output with the same groups, variables, dims and sample
statistics as on the reference CmdStan file.

usage: test_cmdstanpy_client.py URN SHARED_DIR     (prints "N passed, N failed")
"""
import contextlib
import io
import json
import logging
import math
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import warnings

URN = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else None
SHARED = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else None
CLIENTS = os.path.join(SHARED or "", "clients")
for d in ("cmdstanpy", "stanio", "arviz", "xarray-einstats", "dllist"):
    sys.path.insert(0, os.path.join(CLIENTS, d))
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import cmdstanpy  # noqa: E402
import arviz as az  # noqa: E402

logging.getLogger("cmdstanpy").setLevel(logging.ERROR)
warnings.simplefilter("ignore")
TMP = tempfile.mkdtemp(prefix="urn_cmdstanpy_")
HOME = os.path.join(TMP, "cmdstan-home")  # the CmdStan folder fit.summary() and fit.diagnose() need
BENCH = os.path.join(SHARED or "", "benchmarks")
BERNOULLI = os.path.join(CLIENTS, "reference", "bernoulli.stan")
BERNOULLI_DATA = os.path.join(CLIENTS, "reference", "bernoulli.data.json")


def compile_exe(src, name=None):
    """Copies src to TMP/name.stan and runs `urn compile` on it; the executable's path."""
    name = name or os.path.splitext(os.path.basename(src))[0]
    stan = os.path.join(TMP, name + ".stan")
    shutil.copy(src, stan)
    subprocess.run([URN, "compile", stan], check=True)
    return os.path.join(TMP, name)


def bench(m):
    return os.path.join(BENCH, m, "model.stan"), os.path.join(BENCH, m, "data.json")


def outdir(name):
    d = tempfile.mkdtemp(prefix=name + "_", dir=TMP)
    return d


class Sampling(unittest.TestCase):
    def test_multichain_both_ways_and_urn_sample(self):
        """4 chains in one process == one process per chain == urn sample, bit for bit."""
        exe = compile_exe(BERNOULLI)
        m = cmdstanpy.CmdStanModel(exe_file=exe)
        self.assertEqual(m.exe_info()["STAN_THREADS"], "true")
        one = m.sample(data=BERNOULLI_DATA, chains=4, seed=77, output_dir=outdir("one"), show_progress=False)
        self.assertEqual(len(one.runset.csv_files), 4)
        self.assertEqual(one.runset._num_procs, 1)  # one process ran every chain
        os.environ["URN_STAN_THREADS"] = "false"
        try:
            m2 = cmdstanpy.CmdStanModel(exe_file=exe)
            self.assertEqual(m2.exe_info()["STAN_THREADS"], "false")
            per = m2.sample(data=BERNOULLI_DATA, chains=4, seed=77, output_dir=outdir("per"), show_progress=False)
        finally:
            del os.environ["URN_STAN_THREADS"]
        self.assertEqual(per.runset._num_procs, 4)  # one process per chain
        self.assertEqual(list(per.chain_ids), [1, 2, 3, 4])
        np.testing.assert_array_equal(one.draws(), per.draws())
        # urn sample with the same seed and Stan's adaptation (the executables keep CmdStan's algorithm; urn sample's
        # default is the low-rank Fisher scheme): its chain k is the executable's id=k
        odir = outdir("urn")
        subprocess.run([URN, "sample", BERNOULLI, "--data", BERNOULLI_DATA, "--chains", "4", "--seed", "77",
                        "--adapt", "stan", "--output-dir", odir, "--refresh", "0", "--no-summary"], check=True,
                       stdout=subprocess.DEVNULL)
        urn_fit = cmdstanpy.from_csv([os.path.join(odir, f"bernoulli-{k}.csv") for k in range(1, 5)])
        np.testing.assert_array_equal(one.draws(), urn_fit.draws())

    def test_benchmarks_match_stan_reference(self):
        """M1-M3: 4 chains x 1000 draws; every quantity within the posteriordb pass rule of Stan's reference."""
        for name in ("m1-normal", "m2-linreg", "m3-mixture"):
            src, data = bench(name)
            fit = cmdstanpy.CmdStanModel(exe_file=compile_exe(src, name)).sample(
                data=data, chains=4, seed=2024, output_dir=outdir(name), show_progress=False)
            with open(os.path.join(BENCH, name, "reference.json")) as f:
                ref = json.load(f)
            summ = fit.summary()
            for q in ref["quantities"]:
                row = summ.loc[q["name"]]
                e = row["ESS_bulk"]
                self.assertGreaterEqual(e, 400, f"{name} {q['name']}: ESS_bulk {e}")
                self.assertLessEqual(row["R_hat"], 1.01, f"{name} {q['name']}")
                tol_m = 4 * math.sqrt(q["sd"] ** 2 / e + q["mcse_mean"] ** 2)
                self.assertLessEqual(abs(row["Mean"] - q["mean"]), tol_m, f"{name} {q['name']} mean")
                tol_s = 4 * math.sqrt(q["sd"] ** 2 * (q["kurtosis"] - 1) / (4 * e) + q["mcse_sd"] ** 2)
                self.assertLessEqual(abs(row["StdDev"] - q["sd"]), tol_s, f"{name} {q['name']} sd")

    def test_summary_and_diagnose(self):
        exe = compile_exe(BERNOULLI)
        fit = cmdstanpy.CmdStanModel(exe_file=exe).sample(data=BERNOULLI_DATA, chains=2, seed=5,
                                                          output_dir=outdir("summ"), show_progress=False)
        s = fit.summary(percentiles=(10, 50, 90), sig_figs=8)
        self.assertEqual(list(s.columns), ["Mean", "MCSE", "StdDev", "MAD", "10%", "50%", "90%", "ESS_bulk",
                                           "ESS_tail", "R_hat"])
        self.assertEqual(list(s.index[:2]), ["lp__", "theta"])
        out = subprocess.run([URN, "summary", "--csv"] + fit.runset.csv_files, check=True, capture_output=True,
                             text=True).stdout.splitlines()
        head = out[0].split(",")
        theta = dict(zip(head, next(line for line in out if line.startswith("theta,")).split(",")))
        self.assertAlmostEqual(s.loc["theta", "Mean"], float(theta["mean"]), delta=1e-7)
        self.assertAlmostEqual(s.loc["theta", "StdDev"], float(theta["sd"]), delta=1e-7)
        self.assertAlmostEqual(s.loc["theta", "R_hat"], float(theta["rhat"]), delta=1e-7)
        d = fit.diagnose()
        self.assertIn("Checking sampler transitions for divergences.", d)
        self.assertIn("Processing complete", d)

    def test_compile_through_cmdstan_folder(self):
        if True:
            self.assertEqual(cmdstanpy.cmdstan_version(), (2, 36))
            stan = os.path.join(TMP, "viafolder.stan")
            shutil.copy(BERNOULLI, stan)
            m = cmdstanpy.CmdStanModel(stan_file=stan)
            self.assertTrue(os.path.exists(m.exe_file))
            self.assertEqual(sorted(m.src_info()["parameters"]), ["theta"])
            fit = m.sample(data=BERNOULLI_DATA, chains=2, seed=3, output_dir=outdir("folder"), show_progress=False)
            self.assertEqual(fit.draws().shape, (1000, 2, 10))
            with open(stan, "a") as f:
                f.write("\n// edited\n")
            m.compile(force=True)  # recompiles through make
            self.assertTrue(os.path.exists(m.exe_file))
            bad = os.path.join(TMP, "badfolder.stan")
            with open(bad, "w") as f:
                f.write("parameters { real x }\n")
            with self.assertRaises(ValueError) as cm:
                cmdstanpy.CmdStanModel(stan_file=bad)
            self.assertIn("badfolder.stan:1:", str(cm.exception))

    def test_metrics(self):
        """unit_e and dense_e CSVs parse as CmdStan's; a metric file is used as given with adaptation off."""
        m = cmdstanpy.CmdStanModel(exe_file=compile_exe(BERNOULLI))
        unit = m.sample(data=BERNOULLI_DATA, chains=2, seed=4, metric="unit_e", output_dir=outdir("unit"),
                        show_progress=False)
        self.assertEqual(unit.draws().shape, (1000, 2, 10))
        self.assertIsNone(unit.metric)
        dense = m.sample(data=BERNOULLI_DATA, chains=2, seed=4, metric="dense_e", output_dir=outdir("dense"),
                         show_progress=False)
        self.assertEqual(dense.metric.shape, (2, 1, 1))
        fixed = m.sample(data=BERNOULLI_DATA, chains=2, seed=4, metric={"inv_metric": [0.37]}, adapt_engaged=False,
                         iter_warmup=0, step_size=0.9, output_dir=outdir("given"), show_progress=False)
        self.assertEqual(fixed.draws().shape, (1000, 2, 10))
        self.assertTrue(np.all(fixed.draws_pd()["stepsize__"] == 0.9))

    def test_fixed_param(self):
        src = os.path.join(TMP, "noparam_src.stan")
        with open(src, "w") as f:
            f.write("generated quantities { real u = uniform_rng(0, 1); }\n")
        m = cmdstanpy.CmdStanModel(exe_file=compile_exe(src, "noparam"))
        fit = m.sample(chains=2, seed=9, output_dir=outdir("np"), show_progress=False)
        u = fit.stan_variable("u")
        self.assertEqual(u.shape, (2000,))
        self.assertTrue(0.45 < u.mean() < 0.55, u.mean())


class Errors(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = cmdstanpy.CmdStanModel(exe_file=compile_exe(BERNOULLI))

    def test_bad_data(self):
        bad = os.path.join(TMP, "bad.data.json")
        with open(bad, "w") as f:
            f.write('{"N": 10, "y": [0, 1]}')
        for run in (lambda: self.m.sample(data=bad, chains=2, show_progress=False, output_dir=outdir("bd")),
                    lambda: self.m.sample(data=bad, chains=1, show_progress=False, output_dir=outdir("bd1")),
                    lambda: self.m.optimize(data=bad, output_dir=outdir("bdo"))):
            with self.assertRaises(RuntimeError) as cm:
                run()
            self.assertIn("bad.data.json", str(cm.exception))
            self.assertIn("'y'", str(cm.exception))
        with self.assertRaises(RuntimeError) as cm:  # a data dict missing a variable
            self.m.sample(data={"N": 2}, chains=1, show_progress=False, output_dir=outdir("bd2"))
        self.assertIn("y", str(cm.exception))

    def test_bad_inits_and_points(self):
        with self.assertRaises(RuntimeError) as cm:
            self.m.sample(data=BERNOULLI_DATA, inits={"theta": 1.5}, chains=1, show_progress=False,
                          output_dir=outdir("bi"))
        self.assertIn("theta", str(cm.exception))
        # cmdstanpy's log_prob raises a bare RuntimeError and logs the executable's stderr: urn's message is there
        logged = io.StringIO()
        handler = logging.StreamHandler(logged)
        logging.getLogger("cmdstanpy").addHandler(handler)
        try:
            with self.assertRaises(RuntimeError):
                self.m.log_prob({"theta": -0.5}, data=BERNOULLI_DATA)
        finally:
            logging.getLogger("cmdstanpy").removeHandler(handler)
        self.assertIn("Error", logged.getvalue())
        self.assertIn("theta", logged.getvalue())

    def test_bad_data_variational_pathfinder(self):
        """Data outside the declared range: RuntimeError carrying urn's message from both methods."""
        bad = {"N": 2, "y": [0, 3]}
        with self.assertRaises(RuntimeError) as cm:
            self.m.variational(data=bad, output_dir=outdir("vbbad"), require_converged=False)
        self.assertIn("y[2] is 3, but must be <= 1", str(cm.exception))
        with self.assertRaises(RuntimeError) as cm:
            self.m.pathfinder(data=bad, output_dir=outdir("pfbad"))
        self.assertIn("y[2] is 3, but must be <= 1", str(cm.exception))


class Variational(unittest.TestCase):
    """model.variational() and model.pathfinder() on the bernoulli reference model (posterior Beta(3, 9):
    mean 0.25, sd 0.120): the approximations' means within 0.3 sd, CmdStan's CSV as cmdstanpy reads it."""
    MEAN, SD = 0.25, 0.1201

    @classmethod
    def setUpClass(cls):
        cls.m = cmdstanpy.CmdStanModel(exe_file=compile_exe(BERNOULLI))

    def check_mean(self, draws, tol=0.3):
        self.assertLess(abs(float(np.mean(draws)) - self.MEAN), tol * self.SD, f"mean {np.mean(draws)}")

    def test_variational(self):
        for algo in ("meanfield", "fullrank"):
            vb = self.m.variational(data=BERNOULLI_DATA, algorithm=algo, seed=3, output_dir=outdir("vb" + algo),
                                    draws=500, require_converged=False)
            self.assertEqual(vb.variational_sample.shape, (500, 6))
            self.assertGreater(vb.eta, 0)
            self.assertEqual(vb.column_names[:3], ("lp__", "log_p__", "log_g__"))
            self.check_mean(vb.stan_variable("theta", mean=False), 0.5)
            self.assertAlmostEqual(vb.variational_params_dict["lp__"], 0.0)

    def test_variational_not_converged(self):
        """iter below the first ELBO check: CmdStan's message, RuntimeError unless require_converged=False."""
        with self.assertRaises(RuntimeError) as cm:
            self.m.variational(data=BERNOULLI_DATA, iter=50, seed=3, output_dir=outdir("vbnc"))
        self.assertIn("may not have converged", str(cm.exception))
        vb = self.m.variational(data=BERNOULLI_DATA, iter=50, seed=3, output_dir=outdir("vbnc2"),
                                require_converged=False)
        self.assertEqual(vb.variational_sample.shape[0], 1000)

    def test_pathfinder(self):
        pf = self.m.pathfinder(data=BERNOULLI_DATA, seed=5, output_dir=outdir("pf"))
        self.assertEqual(pf.draws().shape, (1000, 5))
        self.assertEqual(pf.column_names[:2], ("lp_approx__", "lp__"))
        self.check_mean(pf.stan_variable("theta"))
        one = self.m.pathfinder(data=BERNOULLI_DATA, seed=5, num_paths=1, draws=300, output_dir=outdir("pf1"))
        self.assertEqual(one.draws().shape[0], 300)
        self.check_mean(one.stan_variable("theta"))
        raw = self.m.pathfinder(data=BERNOULLI_DATA, seed=5, num_paths=3, num_single_draws=100, psis_resample=False,
                                calculate_lp=False, output_dir=outdir("pfr"))
        self.assertEqual(raw.draws().shape[0], 300)
        self.assertTrue(np.all(np.isnan(raw.draws()[:, 1])))
        again = self.m.pathfinder(data=BERNOULLI_DATA, seed=5, output_dir=outdir("pf2"))
        self.assertTrue(np.array_equal(pf.draws(), again.draws()), "the same draws for the same seed")

    def test_sample_from_pathfinder_inits(self):
        """CmdStan's recommended workflow: inits from pathfinder's draws."""
        pf = self.m.pathfinder(data=BERNOULLI_DATA, seed=5, output_dir=outdir("pfi"))
        inits = pf.create_inits(seed=1, chains=2)
        fit = self.m.sample(data=BERNOULLI_DATA, inits=inits, chains=2, seed=2, show_progress=False,
                            output_dir=outdir("pfs"))
        self.check_mean(fit.stan_variable("theta"), 0.1)


class ArviZ(unittest.TestCase):
    REF = os.path.join(CLIENTS, "reference", "sample_bernoulli_cmdstan-2.32.csv")

    @classmethod
    def setUpClass(cls):
        exe = compile_exe(BERNOULLI)
        cls.fit = cmdstanpy.CmdStanModel(exe_file=exe).sample(data=BERNOULLI_DATA, chains=2, seed=11,
                                                              output_dir=outdir("az"), show_progress=False)

    def test_from_cmdstan_like_reference(self):
        """az.from_cmdstan on urn's files: the groups, sample statistics and attrs of CmdStan's own file."""
        ref = az.from_cmdstan(posterior=[self.REF])
        ours = az.from_cmdstan(posterior=self.fit.runset.csv_files)
        self.assertEqual(set(ref.groups()), set(ours.groups()))
        self.assertEqual(set(ref.sample_stats.data_vars), set(ours.sample_stats.data_vars))
        for v in ref.sample_stats.data_vars:
            self.assertEqual(ref.sample_stats[v].dtype, ours.sample_stats[v].dtype, v)
        self.assertIn("theta", ours.posterior.data_vars)
        self.assertEqual(ours.posterior.sizes["chain"], 2)
        self.assertEqual(ours.posterior.sizes["draw"], 1000)
        for key in ("step_size", "warmup_time_seconds", "sampling_time_seconds", "total_time_seconds"):
            self.assertIn(key, ref.posterior.attrs)
            self.assertIn(key, ours.posterior.attrs)

    def test_from_cmdstanpy_like_reference(self):
        ref = az.from_cmdstanpy(posterior=cmdstanpy.from_csv([self.REF]))
        ours = az.from_cmdstanpy(posterior=self.fit)
        self.assertEqual(set(ref.groups()), set(ours.groups()))
        self.assertEqual(set(ref.sample_stats.data_vars), set(ours.sample_stats.data_vars))
        self.assertEqual(ours.sample_stats["diverging"].dtype, bool)
        self.assertEqual(ours.sample_stats["tree_depth"].dtype, np.int64)
        self.assertEqual(dict(ours.posterior.sizes), {"chain": 2, "draw": 1000})
        np.testing.assert_array_equal(ours.posterior["theta"].values.T, self.fit.stan_variable("theta").reshape(2, 1000).T)

    def test_log_likelihood_group(self):
        src = os.path.join(TMP, "loglik_src.stan")
        with open(src, "w") as f:
            f.write("data { int N; array[N] int y; }\nparameters { real<lower=0,upper=1> theta; }\n"
                    "model { y ~ bernoulli(theta); }\n"
                    "generated quantities { vector[N] log_lik;\n"
                    "  for (n in 1:N) log_lik[n] = bernoulli_lpmf(y[n] | theta); }\n")
        fit = cmdstanpy.CmdStanModel(exe_file=compile_exe(src, "loglik")).sample(
            data=BERNOULLI_DATA, chains=2, seed=1, output_dir=outdir("ll"), show_progress=False)
        idata = az.from_cmdstanpy(posterior=fit, log_likelihood="log_lik")
        self.assertIn("log_likelihood", idata.groups())
        self.assertEqual(idata.log_likelihood["log_lik"].shape, (2, 1000, 10))
        idata2 = az.from_cmdstan(posterior=fit.runset.csv_files, log_likelihood="log_lik")
        self.assertEqual(idata2.log_likelihood["log_lik"].shape, (2, 1000, 10))
        loo = az.loo(idata)
        self.assertTrue(np.isfinite(loo["elpd_loo"]))


if __name__ == "__main__":
    if not URN or not SHARED:
        print(__doc__)
        sys.exit(2)
    subprocess.run([URN, "cmdstan-home", HOME], check=True, stdout=subprocess.DEVNULL)
    os.environ["CMDSTAN"] = HOME
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    buf = io.StringIO()
    result = unittest.TextTestRunner(stream=buf, verbosity=2).run(suite)
    sys.stdout.write(buf.getvalue())
    failed = len(result.failures) + len(result.errors)
    for test, tb in result.failures + result.errors:
        print(f"FAIL {test}: {tb.strip().splitlines()[-1]}")
    shutil.rmtree(TMP, ignore_errors=True)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
