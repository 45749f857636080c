"""The Model: log density, gradient and Hessian against `urn logdensity` and
closed forms, names and dims, constrain/unconstrain, generated quantities,
threads, and every kind of bad input as a Python exception with urn's message."""
import json
import math
import os
import threading
import unittest

import numpy as np

import urn
from helpers import TempDir, run

NORMAL = """data { int<lower=0> N; vector[N] y; }
parameters { real mu; real<lower=0> sigma; }
model { mu ~ normal(0, 10); sigma ~ normal(0, 5); y ~ normal(mu, sigma); }
"""
SHAPES = """parameters { real a; array[2] vector[3] b; matrix[2, 2] C; simplex[3] s; cov_matrix[2] S; }
transformed parameters { real e = exp(a); }
model { a ~ normal(0, 1); }
generated quantities { array[2] int d = {1, 2}; real z = normal_rng(0, 1); }
"""


class TestDensity(unittest.TestCase):
    def setUp(self):
        self.m = urn.Model(code=NORMAL, data={"N": 3, "y": np.array([1.0, 2.0, 4.0])})

    def test_equals_cli_logdensity(self):
        with TempDir() as d:
            for name, text in (("m.stan", NORMAL), ("d.json", '{"N": 3, "y": [1, 2, 4]}'),
                               ("p.json", '{"mu": 2, "sigma": 1.5}')):
                with open(os.path.join(d, name), "w") as f:
                    f.write(text)
            for flags, kw in (((), {}), (("--propto",), {"propto": True}), (("--no-jacobian",), {"jacobian": False})):
                _, out, _ = run("logdensity", os.path.join(d, "m.stan"), "--data", os.path.join(d, "d.json"),
                                "--params", os.path.join(d, "p.json"), *flags)
                cli = json.loads(out)
                th = self.m.unconstrain({"mu": 2, "sigma": 1.5})
                lp, g = self.m.log_density(th, grad=True, **kw)
                self.assertEqual(lp, cli["lp"])  # bit for bit: %.17g round-trips
                self.assertEqual(g.tolist(), cli["gradient"])
                self.assertEqual(self.m.log_density(th, **kw), lp)

    def test_hessian_closed_form(self):
        # f(mu, u) = sum normal_lpdf(y | mu, e^u) + normal_lpdf(mu | 0, 10) + normal_lpdf(e^u | 0, 5) + log 5-half-normal const + u
        y = np.array([1.0, 2.0, 4.0])
        for mu, u in ((2.0, 0.4), (-1.0, -0.3), (3.5, 1.2)):
            e2 = math.exp(-2 * u)
            S, D = ((y - mu) ** 2).sum(), (y - mu).sum()
            H = np.array([[-3 * e2 - 0.01, -2 * D * e2], [-2 * D * e2, -2 * S * e2 - 2 * math.exp(2 * u) / 25]])
            lp, g, Hm = self.m.log_density(np.array([mu, u]), hessian=True)
            np.testing.assert_allclose(Hm, H, rtol=1e-10, atol=1e-10)
            v = np.array([0.3, -2.0])
            lp2, hv = self.m.log_density_hvp(np.array([mu, u]), v)
            np.testing.assert_allclose(hv, H @ v, rtol=1e-10, atol=1e-10)
            self.assertEqual(lp, lp2)

    def test_threads_share_a_model(self):
        pts = np.random.default_rng(1).normal(size=(200, 2))
        serial = [self.m.log_density(p, grad=True) for p in pts]
        out = [None] * len(pts)

        def work(k):
            for i in range(k, len(pts), 4):
                out[i] = self.m.log_density(pts[i], grad=True)
        ts = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        [t.start() for t in ts]
        [t.join() for t in ts]
        for (a, ga), (b, gb) in zip(serial, out):
            self.assertEqual(a, b)
            self.assertEqual(ga.tolist(), gb.tolist())


class TestShapes(unittest.TestCase):
    def setUp(self):
        self.m = urn.Model(code=SHAPES, name="shapes")

    def test_names_dims(self):
        self.assertEqual(self.m.name, "shapes")
        self.assertEqual(self.m.num_unconstrained, 16)
        self.assertEqual(self.m.param_names()[:7], ["a", "b.1.1", "b.2.1", "b.1.2", "b.2.2", "b.1.3", "b.2.3"])
        self.assertEqual(self.m.param_names(True, True)[-4:], ["e", "d.1", "d.2", "z"])
        self.assertEqual(self.m.dims, {"a": (), "b": (2, 3), "C": (2, 2), "s": (3,), "S": (2, 2), "e": (),
                                       "d": (2,), "z": ()})
        self.assertEqual([v.block for v in self.m.variables][-3:],
                         ["transformed parameters", "generated quantities", "generated quantities"])
        self.assertEqual(self.m.unc_param_names()[-5:], ["s.1", "s.2", "S.1", "S.2", "S.3"])

    def test_constrain_unconstrain(self):
        th = np.sin(np.arange(16) * 1.3)
        c = self.m.constrain(th, include_tp=True)
        flat = self.m.constrain(th, include_tp=True, flat=True)
        names = self.m.param_names(True)
        self.assertEqual(c["b"][1, 2], flat[names.index("b.2.3")])
        self.assertEqual(c["C"][0, 1], flat[names.index("C.1.2")])
        self.assertAlmostEqual(c["s"].sum(), 1.0, places=15)
        np.testing.assert_allclose(c["S"], c["S"].T)
        self.assertEqual(c["e"], math.exp(c["a"]))
        np.testing.assert_allclose(self.m.unconstrain(flat[:self.m.num_params()]), th, atol=1e-12)
        vals = {k: v for k, v in c.items() if k != "e"}
        np.testing.assert_allclose(self.m.unconstrain(vals), th, atol=1e-12)
        many = self.m.constrain(np.vstack([th, th]), include_tp=True)
        self.assertEqual(many["b"].shape, (2, 2, 3))

    def test_generated_quantities(self):
        th = np.zeros(16)
        a = self.m.constrain(th, include_gq=True, seed=5)["z"]
        b = self.m.constrain(th, include_gq=True, seed=5)["z"]
        c = self.m.constrain(th, include_gq=True, seed=6)["z"]
        self.assertEqual(a, b)
        self.assertNotEqual(a, c)
        rng = urn.Rng(5)
        seq = [self.m.constrain(th, include_gq=True, rng=rng)["z"] for _ in range(3)]
        self.assertEqual(seq[0], a)
        self.assertNotEqual(seq[1], seq[0])
        self.assertEqual(self.m.constrain(th, include_gq=True, seed=1)["d"].tolist(), [1, 2])


class TestPrints(unittest.TestCase):
    def test_print_goes_to_python_stdout(self):
        import contextlib
        import io
        m = urn.Model(code='parameters { real t; } model { print("t is ", t); t ~ normal(0, 1); }')
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            m.log_density([0.5])
            m.log_density([1.5], grad=True)
        self.assertEqual(buf.getvalue(), "t is 0.5\nt is 1.5\n")


class TestErrors(unittest.TestCase):
    def assertUrnError(self, fn, text, status=None):
        with self.assertRaises(urn.UrnError) as cm:
            fn()
        self.assertIn(text, str(cm.exception))
        if status is not None:
            self.assertEqual(cm.exception.status, status)

    def test_program_and_data_errors(self):
        self.assertUrnError(lambda: urn.Model(code="parameters { real y; }\nmodel { y ~ normal(0, ; }\n"),
                            "model.stan:2:")
        self.assertUrnError(lambda: urn.Model(code=NORMAL, data={"N": 2, "y": [1.0]}), "y")
        self.assertUrnError(lambda: urn.Model(code=NORMAL, data={"N": -1, "y": []}), "N is -1")
        self.assertUrnError(lambda: urn.Model(code=NORMAL), "N")
        self.assertUrnError(lambda: urn.Model(code=NORMAL, data="{ bad json"), "data:1:")
        with self.assertRaises(FileNotFoundError):
            urn.Model("/nonexistent/model.stan")
        with self.assertRaises(TypeError):
            urn.Model(code=NORMAL, data={"N": object()})

    def test_evaluation_errors(self):
        m = urn.Model(code=NORMAL, data={"N": 1, "y": [1.0]})
        with self.assertRaises(ValueError):
            m.log_density([0.0])
        self.assertUrnError(lambda: m.unconstrain({"mu": 1.0, "sigma": -2.0}), "sigma", 2)
        self.assertUrnError(lambda: m.unconstrain({"mu": 1.0}), "sigma")
        r = urn.Model(code="parameters { real y; } model { if (y > 1) reject(\"y too big: \", y); }")
        self.assertUrnError(lambda: r.log_density([2.0], grad=True), "y too big: 2", 1)
        self.assertUrnError(lambda: r.log_density([0.99], hessian=True), "y too big", 1)
        self.assertEqual(r.log_density([0.0]), 0.0)
        with self.assertRaises(ValueError):
            m.unconstrain(np.zeros(5))


class TestPackage(unittest.TestCase):
    def test_docstrings(self):
        import inspect
        import pydoc
        import urn.hmm
        for mod in (urn, urn.hmm):
            for name in mod.__all__:
                obj = getattr(mod, name)
                if inspect.isclass(obj) or inspect.isfunction(obj):
                    self.assertTrue(obj.__doc__ and len(obj.__doc__) > 20, "%s.%s has no docstring" % (mod.__name__, name))
                    for meth, f in inspect.getmembers(obj, inspect.isfunction):
                        if not meth.startswith("_"):
                            self.assertTrue(f.__doc__, "%s.%s.%s has no docstring" % (mod.__name__, name, meth))
        text = pydoc.render_doc(urn)
        self.assertIn("Model", text)
        self.assertIn("urn.hmm", text)

    def test_library_found(self):
        self.assertTrue(os.path.exists(urn.library_path()))
        self.assertEqual(urn.version(), run("--version")[1].split()[1])
        self.assertEqual(urn.__version__, urn.version())


if __name__ == "__main__":
    unittest.main()


class TestNative(unittest.TestCase):
    """native= opts in to the native tier (off by default in Python): the draws are the same bits with and
    without it; a cached object is loaded at once; a short run in an empty cache compiles nothing."""

    def test_same_draws(self):
        import shutil
        if shutil.which(os.environ.get("CC") or "cc") is None:
            self.skipTest("no C compiler (cc) on PATH")
        from helpers import DATA
        with open(os.path.join(DATA, "radon_small.stan")) as f:
            code = f.read()
        with open(os.path.join(DATA, "radon_small.json")) as f:
            data = json.load(f)
        with TempDir() as d:
            off = urn.Model(code=code, data=data)
            self.assertEqual(off.native_status, "native: off")
            fresh = urn.Model(code=code, data=data, native="auto", native_cache=os.path.join(d, "fresh"))
            wait = urn.Model(code=code, data=data, native="wait", native_cache=d)
            auto = urn.Model(code=code, data=data, native="auto", native_cache=d)  # wait's object, cached
            fits = [m.sample(chains=2, warmup=150, draws=100, seed=4, progress=False) for m in (off, fresh, wait, auto)]
            ref = fits[0].draws_array()[1]
            for m, fit in zip(("fresh", "wait", "auto"), fits[1:]):
                self.assertTrue(np.array_equal(fit.draws_array()[1], ref), "%s: draws differ" % m)
            self.assertTrue(wait.native_status.startswith("native: on (the same bits"), wait.native_status)
            st = auto.native_status  # checked, then timed: on only when faster
            self.assertTrue(st.startswith("native: on (the same bits") or "not faster" in st, st)
            self.assertTrue(fresh.native_status.startswith("native: not compiled"), fresh.native_status)
            self.assertFalse(os.path.exists(os.path.join(d, "fresh")) and os.listdir(os.path.join(d, "fresh")))
            lp = [m.log_density([0.1] * off.num_unconstrained, grad=True) for m in (off, auto)]
            self.assertEqual(lp[0][0], lp[1][0])
            self.assertEqual(lp[0][1].tolist(), lp[1][1].tolist())
        with self.assertRaises(ValueError):
            urn.Model(code=code, data=data, native="fast")
