"""urn.hmm against the command line, number for number, for every emission
model: fit (parameters, trace and final log joint bit for bit), states and
smoothed probabilities, log likelihoods, simulation, alignment, parameter
files both ways; the ctypes structures against urn's defaults; bad data as
Python exceptions with urn's message."""
import ctypes
import json
import os
import unittest

import numpy as np

import urn
import urn.hmm as H
from urn import _lib
from urn._hmm_types import Model
from helpers import DATA, TempDir, column, read_csv, run, sequences

CATREG = {"model": "catreg", "num_states": 2, "emission_dim": 1, "input_dim": 1, "num_classes": 3,
          "params": {"initial_probs": [0.6, 0.4], "transition_matrix": [[0.9, 0.1], [0.2, 0.8]],
                     "emission_weights": [[[1.5], [0.0], [-1.5]], [[-1.0], [0.5], [1.0]]],
                     "emission_biases": [[0.5, 0.0, -0.5], [0.0, 1.0, -1.0]]}}
GAUSS2 = {"model": "gaussian", "num_states": 2, "emission_dim": 2,
          "params": {"initial_probs": [0.5, 0.5], "transition_matrix": [[0.95, 0.05], [0.1, 0.9]],
                     "emission_means": [[-2.0, 1.0], [2.0, 0.0]],
                     "emission_covariances": [[[1.0, 0.3], [0.3, 0.5]], [[0.6, -0.2], [-0.2, 1.2]]]}}

CHAIN = {"initial_probs": [0.5, 0.5], "transition_matrix": [[0.95, 0.05], [0.1, 0.9]]}
GAMMA = {"model": "gamma", "num_states": 2, "emission_dim": 1,
         "params": dict(CHAIN, emission_shapes=[[2.0], [8.0]], emission_rates=[[1.0], [2.0]])}
STUDENT = {"model": "student", "num_states": 2, "emission_dim": 1,
           "params": dict(CHAIN, emission_means=[[0.0], [5.0]], emission_scale_diags=[[1.0], [0.5]],
                          emission_dofs=[[3.0], [6.0]])}
CATEGORICAL = {"model": "categorical", "num_states": 2, "emission_dim": 1, "num_classes": 3,
               "params": dict(CHAIN, emission_probs=[[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])}


def write_csv(path, ys, xs=None, ycols=("y",), xcols=("x",)):
    with open(path, "w") as f:
        f.write(",".join(["session", "t"] + list(ycols) + (list(xcols) if xs is not None else [])) + "\n")
        for b, y in enumerate(ys):
            y2 = np.asarray(y).reshape(len(y), -1)
            x2 = np.asarray(xs[b]).reshape(len(y), -1) if xs is not None else None
            for t in range(len(y)):
                vals = ["%.17g" % v for v in y2[t]] + (["%.17g" % v for v in x2[t]] if x2 is not None else [])
                f.write(",".join(["s%d" % b, str(t)] + vals) + "\n")


class CliCase:
    """One model: the data file and columns, a fit both ways, and every comparison."""
    kind, states, path, ycols, xcols, extra = None, 2, None, ("y",), None, ()
    py_kw = {}

    def data(self):
        return sequences(self.path, list(self.ycols), list(self.xcols) if self.xcols else None)

    def cli_args(self):
        a = ["--y", ",".join(self.ycols), "--seq", "session"]
        if self.xcols:
            a += ["--x", ",".join(self.xcols)]
        return a

    def test_matches_cli(self):
        ys, xs = self.data()
        h = H.fit(ys, self.states, self.kind, x=xs, progress=False, **self.py_kw)
        with TempDir() as d:
            out = os.path.join(d, "fit.json")
            # the CLI with dynamax's defaults (urn.hmm.fit keeps them: 50 iterations, its k-means/prior start)
            run("hmm", "fit", self.path, "--states", self.states, "--emission", self.kind, *self.cli_args(),
                "--init", "dynamax", "--iters", "50", "--tol", "0",
                *self.extra, "--quiet", "--out", out)
            with open(out) as f:
                cli = json.load(f)
            self.assertEqual(set(cli["params"]), set(h.params))
            for k, v in cli["params"].items():
                self.assertTrue(np.array_equal(np.asarray(v), h.params[k]), "%s differs from the CLI's" % k)
            self.assertEqual(h.trace.tolist(), cli["fit"]["log_joint_trace"])
            self.assertEqual(h.log_joint, cli["fit"]["final_log_joint"])
            self.assertEqual(h.fit_info["seed"], cli["fit"]["seed"])
            # states and smoothed probabilities
            _, st, _ = run("hmm", "states", self.path, "--params", out, *self.cli_args())
            header, rows = read_csv(st)
            z = np.concatenate(H.states(h, ys, xs))
            g = np.concatenate(H.posterior(h, ys, xs))
            self.assertEqual(z.tolist(), column(rows, header, "state", int).tolist())
            for k in range(self.states):
                np.testing.assert_allclose(g[:, k], column(rows, header, "p_%d" % k), rtol=1e-9, atol=1e-10)
            # log likelihoods
            _, ll, _ = run("hmm", "loglik", self.path, "--params", out, *self.cli_args())
            header, rows = read_csv(ll)
            per = H.loglik(h, ys, xs, per_sequence=True)
            self.assertEqual(per.tolist(), column(rows, header, "loglik").tolist())
            total = float(ll.split("# total,")[1].split()[0])
            self.assertEqual(H.loglik(h, ys, xs), total)
            self.assertEqual(h.log_prior(), float(ll.split("# log_prior,")[1].split()[0]))
            # a parameter file written by Python reads the same in the CLI
            py = os.path.join(d, "py.json")
            h.save(py)
            _, ll2, _ = run("hmm", "loglik", self.path, "--params", py, *self.cli_args())
            self.assertEqual(ll2, ll)
            h2 = H.load(py)
            for k in h.params:
                self.assertTrue(np.array_equal(h2.params[k], h.params[k]))


class TestGaussian(CliCase, unittest.TestCase):
    kind, states, path = "gaussian", 3, os.path.join(DATA, "hmm_tutorial_gauss.csv")
    extra, py_kw = ("--restarts", "2", "--seed", "4"), {"restarts": 2, "seed": 4}


class TestDiag(CliCase, unittest.TestCase):
    kind, states, path = "diag", 3, os.path.join(DATA, "hmm_tutorial_gauss.csv")
    extra, py_kw = ("--iters", "30", "--stickiness", "5"), {"iters": 30, "stickiness": 5}


class TestLinreg(CliCase, unittest.TestCase):
    kind, states, path, xcols = "linreg", 3, os.path.join(DATA, "hmm_tutorial_glm.csv"), ("x",)


class TestLogreg(CliCase, unittest.TestCase):
    kind, states, path, xcols = "bernoulli-glm", 2, os.path.join(DATA, "hmm_logreg.csv"), ("x",)
    extra, py_kw = ("--iters", "20", "--weight-scale", "3"), {"iters": 20, "weight_scale": 3}


class TestPoisson(CliCase, unittest.TestCase):
    kind, states, path = "poisson", 2, os.path.join(DATA, "hmm_poisson.csv")
    extra, py_kw = ("--iters", "20", "--tol", "1e-9", "--init", "prior"), {"iters": 20, "tol": 1e-9, "init": "prior"}


class Simulated:
    """A model simulated by Python (and by the CLI: the same draws), then fitted both ways."""

    @classmethod
    def setUpClass(cls):
        cls.dir = TempDir()
        d = cls.dir.__enter__()
        cls.params = os.path.join(d, "true.json")
        with open(cls.params, "w") as f:
            json.dump(cls.truth, f)
        truth = H.load(cls.params)
        if cls.xcols:
            xin = [np.linspace(-2, 2, 150) + 0.1 * b for b in range(3)]
            z, y = H.sample(truth, x=xin, seed=11)
            xpath = os.path.join(d, "x.csv")
            write_csv(xpath, xin, ycols=("x",))
            _, out, _ = run("hmm", "sample", "--params", cls.params, "--inputs", xpath, "--x", "x", "--seq", "session",
                            "--seed", "11")
        else:
            z, y = H.sample(truth, 200, sequences=3, seed=11)
            _, out, _ = run("hmm", "sample", "--params", cls.params, "--T", "200", "--sequences", "3", "--seed", "11")
            xin = None
        header, rows = read_csv(out)
        ycol = ["y"] if "y" in header else ["y_%d" % i for i in range(truth.emission_dim)]
        cls.cli_sample = (column(rows, header, "state", int),
                          np.column_stack([column(rows, header, c) for c in ycol]))
        cls.py_sample = (np.concatenate(z), np.concatenate([np.asarray(a).reshape(len(a), -1) for a in y]))
        cls.path = os.path.join(d, "data.csv")
        write_csv(cls.path, y, xin, ycols=cls.ycols)

    @classmethod
    def tearDownClass(cls):
        cls.dir.__exit__()

    def test_sample_matches_cli(self):
        self.assertEqual(self.py_sample[0].tolist(), self.cli_sample[0].tolist())
        self.assertTrue(np.array_equal(self.py_sample[1], self.cli_sample[1]))


class TestCatreg(Simulated, CliCase, unittest.TestCase):
    kind, states, xcols, truth = "categorical-glm", 2, ("x",), CATREG
    extra, py_kw = ("--iters", "15"), {"iters": 15}


class TestGaussian2D(Simulated, CliCase, unittest.TestCase):
    kind, states, ycols, truth = "gaussian", 2, ("y_0", "y_1"), GAUSS2
    extra, py_kw = ("--iters", "25", "--freeze", "initial"), {"iters": 25, "freeze": ["initial"]}


class TestGammaFamily(Simulated, CliCase, unittest.TestCase):
    kind, states, truth = "gamma", 2, GAMMA


class TestStudentFamily(Simulated, CliCase, unittest.TestCase):
    kind, states, truth = "student", 2, STUDENT


class TestCategoricalPlain(Simulated, CliCase, unittest.TestCase):
    kind, states, truth = "categorical", 2, CATEGORICAL

    def test_search_prior_none_and_std_errors_match_cli(self):
        ys, _ = self.data()
        h = H.fit(ys, 2, "categorical", init="search", restarts=4, prior="none", iters=2000, tol=1e-10,
                  progress=False)
        self.assertEqual(h.fit_info["init"], "search")
        self.assertTrue(h.fit_info["converged"])
        with TempDir() as d:
            out = os.path.join(d, "fit.json")
            run("hmm", "fit", self.path, "--states", 2, "--emission", "categorical", *self.cli_args(), "--restarts",
                4, "--prior", "none", "--quiet", "--out", out)
            with open(out) as f:
                cli = json.load(f)
        self.assertAlmostEqual(h.fit_info["loglik"], cli["fit"]["loglik"], delta=1e-9 * abs(cli["fit"]["loglik"]))
        se = H.std_errors(h, ys)
        for k, v in cli["fit"]["standard_errors"].items():
            np.testing.assert_allclose(se[k], np.asarray(v), rtol=1e-4, atol=1e-8)
        with self.assertRaises(ValueError):
            H.fit(ys, 2, "categorical", prior="emission", progress=False)


class TestSharedCoefficients(unittest.TestCase):
    """linreg with non-switching coefficients (shared_coef) and a shared covariance: the CLI's fit bit for bit
    (tests/cli/test_hmm_shared.sh checks it against statsmodels)."""

    def test_shared_coef_matches_cli(self):
        path = os.path.join(DATA, "hmm_shared", "data.csv")
        rows = np.loadtxt(path, delimiter=",", skiprows=1)
        y, x = rows[:, 0], rows[:, 1:3]
        for shared_cov in (False, True):
            h = H.fit(y, 2, "linreg", x=x, init="search", restarts=3, prior="none", iters=2000, tol=1e-10,
                      shared_coef=[0], shared_cov=shared_cov, progress=False)
            self.assertEqual(h.options["shared_coefficients"], [0])
            W = h.params["emission_weights"]
            self.assertEqual(W[0, 0, 0], W[1, 0, 0])
            with TempDir() as d:
                out = os.path.join(d, "fit.json")
                run("hmm", "fit", path, "--states", 2, "--emission", "linreg", "--y", "y", "--x", "x1,x2",
                    "--shared-coef", "x1", *(["--shared-cov"] if shared_cov else []), "--restarts", 3,
                    "--prior", "none", "--no-se", "--quiet", "--out", out)
                with open(out) as f:
                    cli = json.load(f)
            for k, v in cli["params"].items():
                self.assertTrue(np.array_equal(np.asarray(v), h.params[k]), "%s differs from the CLI's" % k)
            self.assertEqual(h.fit_info["loglik"], cli["fit"]["loglik"])
            self.assertEqual(bool(h.options.get("shared_covariance")), shared_cov)
            # the options travel through the parameter file text
            self.assertIn('"shared_coefficients": [0]', h.to_json())
        with self.assertRaises(ValueError):
            H.fit(y, 2, "gaussian", shared_coef=[0], progress=False)
        with self.assertRaises(ValueError):
            H.fit(y, 2, "linreg", x=x, shared_coef=[2], progress=False)


class TestTransitionInputs(unittest.TestCase):
    """Input-driven transitions (transition_x, the CLI's --transition-x) on tests/data/hmm_trans.csv: fit,
    standard errors, loglik, states, forecast with future inputs and sample against the CLI bit for bit; zero
    weights equal the constant-matrix model; bad input as ValueError."""
    path = os.path.join(DATA, "hmm_trans.csv")
    cols = ["--y", "y", "--transition-x", "u", "--seq", "session"]

    @classmethod
    def setUpClass(cls):
        cls.ys, cls.us = sequences(cls.path, ["y"], ["u"])
        cls.h = H.fit(cls.ys, 2, transition_x=cls.us, init="search", restarts=6, prior="none", iters=5000,
                      tol=1e-10, progress=False)

    def test_fit_and_std_errors_match_cli(self):
        h = self.h
        self.assertEqual(h.transition_input_dim, 1)
        with TempDir() as d:
            out = os.path.join(d, "t.json")
            run("hmm", "fit", self.path, "--states", 2, *self.cols, "--prior", "none", "--restarts", 6, "--quiet",
                "--out", out)
            with open(out) as f:
                cli = json.load(f)
            self.assertEqual(set(cli["params"]), set(h.params))
            for k, v in cli["params"].items():
                self.assertTrue(np.array_equal(np.asarray(v), h.params[k]), "%s differs from the CLI's" % k)
            self.assertEqual(h.fit_info["loglik"], cli["fit"]["loglik"])
            self.assertEqual(h.fit_info["log_joint_trace"], cli["fit"]["log_joint_trace"])
            se = H.std_errors(h, self.ys, transition_x=self.us)
            self.assertEqual(set(se), set(cli["fit"]["standard_errors"]))
            for k, v in cli["fit"]["standard_errors"].items():
                self.assertTrue(np.array_equal(np.asarray(v), se[k]), "standard errors of %s differ" % k)
            self.assertEqual(se["transition_weights"].shape, (2, 2, 1))
            # the parameter file both ways: the CLI reads Python's, Python reads the CLI's
            py = os.path.join(d, "py.json")
            h.save(py)
            self.assertIn('"transition_input_dim": 1', h.to_json())
            _, ll, _ = run("hmm", "loglik", self.path, "--params", out, *self.cols)
            _, ll2, _ = run("hmm", "loglik", self.path, "--params", py, *self.cols)
            self.assertEqual(ll2, ll)
            self.assertEqual(H.load(out).transition_input_dim, 1)
            # a MAP fit with a tight prior on the coefficients (--transition-scale)
            out3 = os.path.join(d, "t3.json")
            run("hmm", "fit", self.path, "--states", 2, *self.cols, "--no-se", "--transition-scale", "1e-3",
                "--restarts", 2, "--quiet", "--out", out3)
            h3 = H.fit(self.ys, 2, transition_x=self.us, init="search", restarts=2, iters=5000, tol=1e-10,
                       transition_scale=1e-3, progress=False)
            with open(out3) as f:
                cli3 = json.load(f)
            for k, v in cli3["params"].items():
                self.assertTrue(np.array_equal(np.asarray(v), h3.params[k]), "MAP: %s differs from the CLI's" % k)
            self.assertEqual(h3.hyperparameters["transition_weights_scale"], 1e-3)

    def test_loglik_states_forecast_sample_match_cli(self):
        h, ys, us = self.h, self.ys, self.us
        with TempDir() as d:
            pf = os.path.join(d, "t.json")
            h.save(pf)
            _, ll, _ = run("hmm", "loglik", self.path, "--params", pf, *self.cols)
            header, rows = read_csv(ll)
            self.assertEqual(H.loglik(h, ys, transition_x=us, per_sequence=True).tolist(),
                             column(rows, header, "loglik").tolist())
            self.assertEqual(H.loglik(h, ys, transition_x=us), float(ll.split("# total,")[1].split()[0]))
            self.assertEqual(H.loglik(h, ys, transition_x=us), h.fit_info["loglik"])
            _, st, _ = run("hmm", "states", self.path, "--params", pf, *self.cols)
            header, rows = read_csv(st)
            z = np.concatenate(h.states(ys, transition_x=us))
            g = np.concatenate(h.posterior(ys, transition_x=us))
            self.assertEqual(z.tolist(), column(rows, header, "state", int).tolist())
            for k in range(2):  # the states file has 10 significant digits
                np.testing.assert_allclose(g[:, k], column(rows, header, "p_%d" % k), rtol=1e-9, atol=1e-10)
            # forecasts with future transition inputs (each sequence's own length), all rows and the first 2
            fut = os.path.join(d, "fut.csv")
            with open(fut, "w") as f:
                f.write("session,u\n0,1.5\n0,-0.5\n0,0.25\n1,-2\n1,0\n1,3\n1,0.5\n")
            futs = [np.array([1.5, -0.5, 0.25]), np.array([-2.0, 0.0, 3.0, 0.5])]
            for steps in (None, 2):
                extra = ["--steps", steps] if steps else []
                _, fc, _ = run("hmm", "forecast", self.path, "--params", pf, *self.cols, "--future", fut, *extra)
                header, rows = read_csv(fc)
                P, Mn = h.forecast(ys, steps, transition_x=us, future=futs)
                self.assertEqual([len(a) for a in P], [steps or 3, steps or 4])
                self.assertEqual(np.concatenate(P)[:, 1].tolist(), column(rows, header, "p_1").tolist())
                self.assertEqual(np.concatenate(Mn)[:, 0].tolist(), column(rows, header, "mean_0").tolist())
            # simulation at the data's transition inputs
            _, sim, _ = run("hmm", "sample", "--params", pf, "--inputs", self.path, "--transition-x", "u",
                            "--seq", "session", "--seed", 3)
            header, rows = read_csv(sim)
            zs, ysim = H.sample(h, seed=3, transition_x=us)
            self.assertEqual(np.concatenate(zs).tolist(), column(rows, header, "state", int).tolist())
            self.assertEqual(np.concatenate(ysim)[:, 0].tolist(), column(rows, header, "y").tolist())

    def test_constant_model_forecast_and_zero_weights(self):
        ys, us = self.ys, self.us
        c = H.fit(ys, 2, init="search", restarts=2, prior="none", iters=5000, tol=1e-10, progress=False)
        with TempDir() as d:
            pf = os.path.join(d, "c.json")
            c.save(pf)
            _, fc, _ = run("hmm", "forecast", self.path, "--params", pf, "--y", "y", "--seq", "session",
                           "--steps", 3)
            header, rows = read_csv(fc)
            P, Mn = c.forecast(ys, 3)
            self.assertEqual(np.concatenate(P)[:, 0].tolist(), column(rows, header, "p_0").tolist())
            self.assertEqual(np.concatenate(Mn)[:, 0].tolist(), column(rows, header, "mean_0").tolist())
        # the input-driven model with zero weights and biases the centred log of A is the constant model
        d = c.to_dict()
        d.pop("fit", None)
        A = np.asarray(d["params"]["transition_matrix"])
        d["transition_input_dim"] = 1
        d["params"]["transition_weights"] = np.zeros((2, 2, 1)).tolist()
        d["params"]["transition_biases"] = (np.log(A) - np.log(A).mean(axis=1, keepdims=True)).tolist()
        z = H.HMM.from_dict(d)
        self.assertAlmostEqual(z.loglik(ys, transition_x=us), c.loglik(ys), delta=1e-9)
        self.assertEqual(np.concatenate(z.states(ys, transition_x=us)).tolist(), np.concatenate(c.states(ys)).tolist())
        np.testing.assert_allclose(np.concatenate(z.posterior(ys, transition_x=us)), np.concatenate(c.posterior(ys)),
                                   rtol=0, atol=1e-12)
        pz, _ = z.forecast(ys, 3, transition_x=us, future=[np.ones(3), np.ones(3)])
        pc, _ = c.forecast(ys, 3)
        np.testing.assert_allclose(np.concatenate(pz), np.concatenate(pc), rtol=0, atol=1e-12)
        zz, yz = z.sample(transition_x=np.ones(50) * 2.5, seed=4)
        zc, yc = c.sample(50, seed=4)
        self.assertEqual(zz.tolist(), zc.tolist())  # the same draws (urn_hmm_sample_tv's contract)
        self.assertEqual(yz.tolist(), yc.tolist())

    def test_bad_input(self):
        h, ys, us = self.h, self.ys, self.us
        cases = [
            (lambda: H.loglik(h, ys), "give transition_x (its 1 transition inputs)"),
            (lambda: H.states(h, ys, transition_x=[np.column_stack([u, u]) for u in us]),
             "transition_x has 2 columns, but the model has 1 transition inputs"),
            (lambda: H.loglik(h, ys, transition_x=us[:1]), "transition_x has 1 sequences, but y has 2"),
            (lambda: H.loglik(h, ys, transition_x=[u[:-1] for u in us]), "with T = 400"),
            (lambda: h.forecast(ys, transition_x=us), "needs the future transition inputs: give future="),
            (lambda: h.forecast(ys, 4, transition_x=us, future=[np.ones(3), np.ones(4)]),
             "steps 4, but future has 3 rows for sequence 0"),
            (lambda: h.forecast(ys, transition_x=us, future=[np.ones(3)]), "future has 1 sequences, but y has 2"),
            (lambda: h.forecast(ys, transition_x=us, future=[np.ones(3), [1.0, np.nan]]), "not finite"),
            (lambda: h.sample(10), "the model has input-driven transitions: give transition_x"),
            (lambda: H.fit(ys, 2, transition_scale=1.0, progress=False), "transition_scale is for input-driven"),
            (lambda: H.fit(ys, 2, transition_x=us, init=H.fit(ys, 2, progress=False, iters=2), progress=False),
             "0 transition inputs), but the fit asks for gaussian with 2 states (D=1, M=0, 1 transition inputs)"),
            (lambda: H.filtered(h, ys), "not available for input-driven transitions"),
        ]
        for f, msg in cases:
            with self.assertRaises(ValueError) as cm:
                f()
            self.assertIn(msg, str(cm.exception))
        d = {k: v for k, v in h.to_dict().items() if k not in ("transition_input_dim", "fit")}
        d["params"] = {k: v for k, v in d["params"].items() if not k.startswith("transition_") or
                       k == "transition_matrix"}
        d["hyperparameters"].pop("transition_weights_scale", None)
        c = H.HMM.from_dict(d)
        for f, msg in [(lambda: c.forecast(ys, future=[np.ones(3), np.ones(3)]), "future is for input-driven"),
                       (lambda: c.loglik(ys, transition_x=us), "the model has no input-driven transitions"),
                       (lambda: c.sample(10, transition_x=us[0]), "the model has no input-driven transitions")]:
            with self.assertRaises(ValueError) as cm:
                f()
            self.assertIn(msg, str(cm.exception))
        bad = [u.copy() for u in us]
        bad[0][5] = np.nan
        with self.assertRaises(urn.UrnError) as cm:
            H.fit(ys, 2, transition_x=bad, iters=3, progress=False)
        self.assertIn("transition input", str(cm.exception))


class TestMsar(unittest.TestCase):
    """urn.hmm.msar / msar_loglik / msar_states against ``urn hmm msar``, bit for bit: a fit, a fit with
    regressors (one switching, one shared), a continued fit, the log likelihood at statsmodels' parameters,
    the states; bad input as UrnError (tests/cli/test_hmm_msar.sh checks the numbers against statsmodels)."""

    def cli(self, *args):
        with TempDir() as d:
            out = os.path.join(d, "m.json")
            run("hmm", "msar", *args, "--out", out)
            with open(out) as f:
                return json.load(f)

    def same(self, py, cli):
        for k, v in cli["params"].items():
            self.assertTrue(np.array_equal(np.asarray(v, dtype=float), np.asarray(py["params"][k], dtype=float)),
                            "%s: %r vs the CLI's %r" % (k, py["params"][k], v))
        for k in ("loglik", "iterations", "converged", "num_params", "num_observations", "aic", "bic"):
            self.assertEqual(py["fit"][k], cli["fit"][k], k)
        self.assertEqual("standard_errors" in py["fit"], "standard_errors" in cli["fit"])
        for k, v in cli["fit"].get("standard_errors", {}).items():  # the same numbers: CLI and Python, bit for bit
            self.assertTrue(np.array_equal(np.asarray(v, dtype=float),
                                           np.asarray(py["fit"]["standard_errors"][k], dtype=float)), k)

    def test_fit_matches_cli(self):
        fed = os.path.join(DATA, "hmm_real", "fedfunds.csv")
        y = np.loadtxt(fed, delimiter=",", skiprows=1)[:, 1]
        with self.assertWarns(H.UrnWarning):  # AR 1.0 here: the information is singular (statsmodels' bse NaN)
            py = H.msar(y, 2, 1, restarts=3)
        cli = self.cli(fed, "--y", "rate", "--states", 2, "--order", 1, "--restarts", 3)
        self.same(py, cli)
        macro = os.path.join(DATA, "hmm_msar", "macro.csv")
        d = np.loadtxt(macro, delimiter=",", skiprows=1)
        py = H.msar(d[:, 0], 2, 1, x=d[:, 1:3], shared_coef=[1], shared_var=True, restarts=4, seed=3)
        cli = self.cli(macro, "--y", "tbilrate", "--x", "infl,unemp", "--shared-coef", "unemp", "--shared-var",
                       "--states", 2, "--order", 1, "--restarts", 4, "--seed", 3)
        self.same(py, cli)
        self.assertIn("standard_errors", py["fit"])
        self.assertEqual(py["shared_coef"], [1])
        self.assertEqual(py["params"]["exog"][0][1], py["params"]["exog"][1][1])
        # continued from the CLI's file, both ways
        with TempDir() as dd:
            f = os.path.join(dd, "start.json")
            with open(f, "w") as fh:
                json.dump(cli, fh)
            again = self.cli(macro, "--y", "tbilrate", "--start", f)
        self.same(H.msar(d[:, 0], x=d[:, 1:3], start=cli), again)
        self.assertNotIn("standard_errors", H.msar(d[:, 0], x=d[:, 1:3], start=cli, std_errors=False)["fit"])

    def test_loglik_and_states_match_cli(self):
        case = os.path.join(DATA, "hmm_msar", "macro_tbil_K2_p2_x_infl_unemp.json")
        with open(case) as f:
            sm = json.load(f)
        macro = os.path.join(DATA, "hmm_msar", "macro.csv")
        d = np.loadtxt(macro, delimiter=",", skiprows=1)
        ll = H.msar_loglik(sm, d[:, 0], d[:, 1:3])
        cli = self.cli(macro, "--y", "tbilrate", "--start", case, "--eval")
        self.assertEqual(ll, cli["fit"]["loglik"])
        self.assertLess(abs(ll - sm["statsmodels_llf"]), 1e-6)
        z, g = H.msar_states(sm, d[:, 0], d[:, 1:3])
        with TempDir() as dd:
            s = os.path.join(dd, "s.csv")
            run("hmm", "msar", macro, "--y", "tbilrate", "--start", case, "--eval", "--states-out", s,
                "--out", os.path.join(dd, "o.json"))
            rows = np.loadtxt(s, delimiter=",", skiprows=1)
        self.assertTrue(np.array_equal(rows[:, 0], np.arange(2, len(d))))
        self.assertTrue(np.array_equal(rows[:, 1], z))
        self.assertLess(np.abs(rows[:, 2:] - g).max(), 1e-9)

    def test_bad_input(self):
        y = np.arange(10.0)
        with self.assertRaises(urn.UrnError) as c:
            H.msar(y, 2, 1, x=np.ones(10))
        self.assertIn("regressor 0 is constant", str(c.exception))
        with self.assertRaises(urn.UrnError) as c:
            H.msar(y[:3], 2, 2)
        self.assertIn("order 2 needs more than 3", str(c.exception))
        with self.assertRaises(ValueError):
            H.msar(y, 2, 1, x=np.arange(10.0), shared_coef=[1])


GMM = {"model": "gmm", "num_states": 2, "emission_dim": 1, "num_components": 2,
       "params": dict(CHAIN, emission_mixture_weights=[[0.5, 0.5], [0.3, 0.7]],
                      emission_means=[[[-2.0], [2.0]], [[6.0], [10.0]]],
                      emission_scale_diags=[[[0.5], [0.5]], [[1.0], [0.3]]])}


class TestGmm(Simulated, CliCase, unittest.TestCase):
    kind, states, truth = "gmm", 2, GMM

    def test_std_errors_shapes(self):
        ys, _ = self.data()
        h = H.fit(ys, 2, "gmm", components=2, init="search", restarts=2, iters=500, tol=1e-10, progress=False)
        se = H.std_errors(h, ys)
        self.assertEqual(se["emission_means"].shape, (2, 2, 1))
        self.assertTrue(np.all(se["emission_means"] > 0))


class TestMisc(unittest.TestCase):
    def test_struct_mirror_matches_the_header(self):
        m, err = Model(), _lib.Error()
        lib = _lib.lib()
        for kind, K, D, M, C in ((0, 3, 2, 0, 0), (5, 4, 1, 0, 0), (4, 2, 1, 3, 5)):
            self.assertEqual(lib.urn_hmm_model_init(ctypes.byref(m), kind, K, D, M, C, ctypes.byref(err)), 0)
            self.assertEqual((m.kind, m.K, m.D, m.M, m.C), (kind, K, D, M, C))
            self.assertEqual((m.initial_conc, m.trans_conc, m.stickiness), (1.1, 1.1, 0.0))
            self.assertEqual((m.kappa0, m.extra_df, m.iw_scale_jitter), (1e-4, 0.1, 0.0))
            self.assertEqual((m.ig_shape, m.ig_scale, m.weight_scale), (0.1, 0.1, 1e8))
            self.assertEqual((m.rate_shape, m.rate_rate, m.cov_floor, m.frozen), (1.1, 0.1, 0.0, 0))
            self.assertEqual((m.no_prior, m.var_floor, m.shared_cov, m.probs_conc, m.student_dof), (0, 0.0, 0, 1.1, 0.0))
            if kind == 0:
                self.assertEqual([m.prior_scale[i] for i in range(4)], [1e-4, 0, 0, 1e-4])
            lib.urn_hmm_model_free(ctypes.byref(m))

    def test_align_matches_cli(self):
        z1 = np.array([0, 0, 1, 1, 2, 2, 2, 0])
        z2 = np.array([2, 2, 0, 0, 1, 1, 0, 2])
        with TempDir() as d:
            for name, z in (("a.csv", z1), ("b.csv", z2)):
                with open(os.path.join(d, name), "w") as f:
                    f.write("state\n" + "\n".join(map(str, z)) + "\n")
            _, out, _ = run("hmm", "align", os.path.join(d, "a.csv"), os.path.join(d, "b.csv"))
        header, rows = read_csv(out)
        self.assertEqual(H.align(z1, z2).tolist(), column(rows, header, "z2_state", int).tolist())
        self.assertEqual(H.align(z1, z2)[z1].tolist()[:4], [2, 2, 0, 0])

    def test_interrupt_and_progress(self):
        import _thread
        import threading
        y = np.random.default_rng(2).normal(size=200000)
        threading.Timer(0.5, _thread.interrupt_main).start()
        with self.assertRaises(KeyboardInterrupt):
            H.fit(y, 4, iters=100000, progress=False)
        h = H.fit(y[:300], 2, iters=3, progress=False)  # still usable afterwards
        self.assertEqual(len(h.trace), 3)
        import io
        try:
            import tqdm  # noqa: F401
        except ImportError:
            return
        import contextlib
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            H.fit(y[:300], 2, iters=7, progress=True)
        self.assertIn("7/7", err.getvalue())

    def test_ragged_and_single(self):
        ys, _ = sequences(os.path.join(DATA, "hmm_poisson.csv"), ["y"])
        h = H.fit(ys, 2, "poisson", iters=5, progress=False)
        self.assertIsInstance(H.states(h, ys[0]), np.ndarray)
        ragged = [ys[0][:17], ys[-1], ys[0][:40]]
        out = H.posterior(h, ragged)
        self.assertEqual([o.shape for o in out], [(17, 2), (len(ys[-1]), 2), (40, 2)])
        np.testing.assert_allclose(out[0].sum(axis=1), 1.0, atol=1e-12)
        f = H.filtered(h, ragged)[2]
        np.testing.assert_allclose(f[-1], out[2][-1], atol=1e-12)  # the last filtered = the last smoothed

    def test_bad_input_raises_urn_messages(self):
        with self.assertRaises(urn.UrnError) as cm:
            H.fit(np.array([1.0, -1.0, 2.0]), 2, "poisson")
        self.assertIn("non-negative integer", str(cm.exception))
        with self.assertRaises(urn.UrnError) as cm:
            H.fit(np.array([0.0, 1.0, 2.0]), 2, "bernoulli-glm", x=np.ones(3))
        self.assertIn("0 or 1", str(cm.exception).replace("0/1", "0 or 1"))
        with self.assertRaises(urn.UrnError) as cm:
            H.fit(np.array([1.0, 2.0]), 3)
        self.assertIn("3 states cannot be fitted to 2 time steps", str(cm.exception))
        with self.assertRaises(urn.UrnError) as cm:
            H.fit(np.array([1.0, np.nan, 2.0, 3.0]), 2)
        self.assertIn("sequence 0", str(cm.exception))
        with self.assertRaises(ValueError):
            H.fit(np.ones(10), 2, "linreg")
        with self.assertRaises(ValueError):
            H.fit(np.ones(10), 2, "gaussian", x=np.ones(10))
        with self.assertRaises(ValueError):
            H.fit([np.ones(10)], 2, "linreg", x=[np.ones(9)])
        with self.assertRaises(ValueError):
            H.fit(np.ones(10), 2, "nonsense")
        bad = dict(GAUSS2)
        bad["params"] = dict(GAUSS2["params"], transition_matrix=[[0.5, 0.6], [0.1, 0.9]])
        with self.assertRaises(urn.UrnError) as cm:
            H.loglik(H.HMM.from_dict(bad), np.zeros((5, 2)))
        self.assertIn("transition_matrix", str(cm.exception))
        with self.assertRaises(ValueError):
            H.loglik(H.HMM.from_dict(GAUSS2), np.zeros((5, 3)))
        for change, text in ((("transition_matrix", [[1.0]]), "transition_matrix: expected an array of length 2"),
                             (("emission_covariances", [[[1, 2], [2, 1]], [[1, 0], [0, 1]]]), "positive definite"),
                             (("emission_means", None), 'missing "emission_means"')):
            bad = json.loads(json.dumps(GAUSS2))
            if change[1] is None:
                del bad["params"][change[0]]
            else:
                bad["params"][change[0]] = change[1]
            for fn in (H.loglik, H.states, H.posterior):
                with self.assertRaises(urn.UrnError) as cm:
                    fn(H.HMM.from_dict(bad), np.zeros((5, 2)))
                self.assertIn(text, str(cm.exception))
        for kw, text in (({"iters": 0}, "iterations is 0"), ({"restarts": 0}, "restarts is 0")):
            with self.assertRaises(urn.UrnError) as cm:
                H.fit(np.arange(20.0), 2, **kw)
            self.assertIn(text, str(cm.exception))
        with self.assertRaises(urn.UrnError) as cm:
            H.fit(np.array([0, 1, 5.0]), 2, "categorical-glm", x=np.ones(3), classes=3)
        self.assertIn("time 2: catreg emission 5 must be a class 0..2", str(cm.exception))
        with self.assertRaises(urn.UrnError) as cm:
            H.fit([np.zeros(0)], 2)
        self.assertIn("sequence 0 is empty", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
