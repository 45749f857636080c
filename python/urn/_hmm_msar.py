"""urn._hmm_msar -- Markov-switching autoregressions (``urn hmm msar``; docs/hmm.md), as urn.hmm.msar,
urn.hmm.msar_loglik and urn.hmm.msar_states.

A model is the dict of ``urn hmm msar``'s JSON (``num_states``, ``order``, ``switching_ar``,
``switching_variance``, ``initial``, ``shared_coef``, ``params`` with ``initial_probs``,
``transition_matrix``, ``means``, ``ar``, ``variances`` and with regressors ``exog``; ``fit``), so a file
written by the command line loads with json.load and the other way round.  The numbers are the command
line's, bit for bit (python/tests/test_hmm.py).
"""
import ctypes
import math

import numpy as np

from . import _lib
from ._hmm_types import MsarModel, MsarParams
from ._lib import Error, dptr, iptr


class _Msar:
    """The C model and parameters of one call (freed on exit)."""

    def __init__(self, y, x, K, order, shared_ar, shared_var, initial, shared_coef):
        self.y = np.ascontiguousarray(np.asarray(y, dtype=np.float64).ravel())
        if x is None:
            self.x, X = None, 0
        else:
            x = np.asarray(x, dtype=np.float64)
            self.x = np.ascontiguousarray(x.reshape(len(x), -1))
            X = self.x.shape[1]
            if self.x.shape[0] != len(self.y):
                raise ValueError("x has %d rows, y %d values" % (self.x.shape[0], len(self.y)))
        if initial not in ("steady", "steady-state", "free"):
            raise ValueError("initial: 'steady' or 'free', not %r" % (initial,))
        cols = [shared_coef] if isinstance(shared_coef, (int, np.integer)) else list(shared_coef or ())
        bits = 0
        for j in cols:
            if not isinstance(j, (int, np.integer)) or not 0 <= j < X:
                raise ValueError("shared_coef: %r is not a column index of x (0..%d)" % (j, X - 1))
            bits |= 1 << int(j)
        self.m = MsarModel(int(K), int(order), 0 if shared_ar else 1, 0 if shared_var else 1,
                           0 if initial == "free" else 1, X, dptr(self.x), bits)
        self.lib, self.err = _lib.lib(), Error()
        self.p = MsarParams()
        self.lib.urn_hmm_msar_params_alloc(ctypes.byref(self.m), ctypes.byref(self.p))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.lib.urn_hmm_msar_params_free(ctypes.byref(self.p))

    def check(self, what):
        rc = self.lib.urn_hmm_msar_check(ctypes.byref(self.m), len(self.y), ctypes.byref(self.err))
        self.err.raise_for(rc, what)

    def _arr(self, name, n):
        return np.ctypeslib.as_array(getattr(self.p, name), shape=(n,))

    def set_params(self, params):
        """Copies a params dict (the JSON's) into the C parameters."""
        K, P, X = self.m.K, self.m.order, self.m.num_x
        vals = {"transition_matrix": K * K, "means": K, "variances": K}
        if P:
            vals["ar"] = K * P
        if X:
            vals["exog"] = K * X
        if not self.m.steady_initial:
            vals["initial_probs"] = K
        for name, n in vals.items():
            if name not in params:
                raise ValueError("params: missing %r" % name)
            a = np.asarray(params[name], dtype=np.float64).ravel()
            if a.size != n:
                raise ValueError("params[%r] has %d numbers, but the model needs %d" % (name, a.size, n))
            self._arr(name, n)[:] = a

    def _params_dict(self, p):
        K, P, X = self.m.K, self.m.order, self.m.num_x

        def arr(name, n):
            return np.ctypeslib.as_array(getattr(p, name), shape=(n,))
        params = {"initial_probs": arr("initial_probs", K).tolist(),
                  "transition_matrix": arr("transition_matrix", K * K).reshape(K, K).tolist(),
                  "means": arr("means", K).tolist(),
                  "ar": arr("ar", K * P).reshape(K, P).tolist() if P else [],
                  "variances": arr("variances", K).tolist()}
        if X:
            params["exog"] = arr("exog", K * X).reshape(K, X).tolist()
        return params

    def std_errors(self):
        """The standard errors' dict (urn_hmm_msar_std_errors), or None with a UrnWarning (as the CLI's
        warning) when the observed information is not positive definite."""
        se, err = MsarParams(), Error()
        self.lib.urn_hmm_msar_params_alloc(ctypes.byref(self.m), ctypes.byref(se))
        try:
            rc = self.lib.urn_hmm_msar_std_errors(ctypes.byref(self.m), ctypes.byref(self.p), dptr(self.y),
                                                  len(self.y), ctypes.byref(se), None, ctypes.byref(err))
            if rc:
                import warnings
                from .hmm import UrnWarning
                warnings.warn(err.msg.decode() if isinstance(err.msg, bytes) else str(err.msg), UrnWarning,
                              stacklevel=3)
                return None
            return self._params_dict(se)
        finally:
            self.lib.urn_hmm_msar_params_free(ctypes.byref(se))

    def result(self, ll, iters, conv, restarts, want_se=True):
        """The command line's JSON as a dict (with the fit's standard errors unless not want_se)."""
        K, P, X = self.m.K, self.m.order, self.m.num_x
        npar = self.lib.urn_hmm_msar_num_params(ctypes.byref(self.m))
        nobs = len(self.y) - P
        params = self._params_dict(self.p)
        out = {"model": "msar", "num_states": K, "order": P, "switching_ar": bool(self.m.switching_ar),
               "switching_variance": bool(self.m.switching_var),
               "initial": "steady-state" if self.m.steady_initial else "free"}
        if X:
            out["shared_coef"] = [j for j in range(X) if self.m.shared_x >> j & 1]
        out["params"] = params
        out["fit"] = {"loglik": ll, "iterations": iters, "converged": bool(conv), "restarts": restarts,
                      "num_params": npar, "num_observations": nobs, "aic": 2.0 * npar - 2.0 * ll,
                      "bic": npar * math.log(nobs) - 2.0 * ll}
        se = self.std_errors() if want_se else None
        if se is not None:
            out["fit"]["standard_errors"] = se
        return out


def _of_model(model, y, x):
    return _Msar(y, x, model["num_states"], model["order"], model.get("switching_ar") is False,
                 model.get("switching_variance") is False, "free" if model.get("initial") == "free" else "steady",
                 model.get("shared_coef", ()))


def msar(y, num_states=None, order=None, *, x=None, shared_coef=(), shared_ar=False, shared_var=False,
         initial="steady", restarts=20, seed=1, iters=5000, tol=1e-12, start=None, std_errors=True):
    """Fits a Markov-switching autoregression by maximum likelihood: ``urn hmm msar``.

    ``y``: the series (1-D).  ``x``: exogenous regressors, (T,) or (T, X) (``--x``): every regime mean
    mu_S becomes mu_S + x . beta_S; ``shared_coef``: the columns of x whose coefficients every regime
    shares (``--shared-coef``).  ``shared_ar`` / ``shared_var``: one set of AR coefficients / one variance
    (``--shared-ar`` / ``--shared-var``).  ``initial``: "steady" (the stationary distribution, as
    statsmodels) or "free".  ``restarts`` EM runs seeded ``seed``, ``seed + 1``, ... (restart 0
    deterministic), each at most ``iters`` iterations to a relative change of ``tol``.  ``start``: a model
    dict (this function's result, or the command line's JSON): one EM run from its parameters, its model
    options taken from it (``--start``).  Returns the command line's JSON as a dict (``params``, ``fit``);
    ``fit["standard_errors"]`` (unless ``std_errors`` is False: ``--no-se``) holds the standard errors of
    every parameter from the observed information, absent with a UrnWarning when it is not positive definite.
    """
    if start is not None:
        with _of_model(start, y, x) as s:
            s.check("hmm msar")
            s.set_params(start["params"])
            ll, nd, conv = ctypes.c_double(), ctypes.c_int(), ctypes.c_int()
            rc = s.lib.urn_hmm_msar_em(ctypes.byref(s.m), ctypes.byref(s.p), dptr(s.y), len(s.y), int(iters),
                                       float(tol), None, ctypes.byref(nd), ctypes.byref(conv), ctypes.byref(ll),
                                       ctypes.byref(s.err))
            s.err.raise_for(rc, "hmm msar")
            return s.result(ll.value, nd.value, conv.value, 1, std_errors)
    if num_states is None or order is None:
        raise ValueError("msar needs num_states and order (or start=)")
    with _Msar(y, x, num_states, order, shared_ar, shared_var, initial, shared_coef) as s:
        s.check("hmm msar")
        ll, nd, conv = ctypes.c_double(), ctypes.c_int(), ctypes.c_int()
        rc = s.lib.urn_hmm_msar_fit(ctypes.byref(s.m), dptr(s.y), len(s.y), int(restarts), int(seed), int(iters),
                                    float(tol), ctypes.byref(s.p), ctypes.byref(ll), ctypes.byref(nd),
                                    ctypes.byref(conv), ctypes.byref(s.err))
        s.err.raise_for(rc, "hmm msar")
        return s.result(ll.value, nd.value, conv.value, int(restarts), std_errors)


def msar_loglik(model, y, x=None):
    """log p(y_p..y_T-1 | y_0..y_p-1) at a model dict's parameters (``urn hmm msar --start F --eval``)."""
    with _of_model(model, y, x) as s:
        s.check("hmm msar")
        s.set_params(model["params"])
        ll = ctypes.c_double()
        rc = s.lib.urn_hmm_msar_loglik(ctypes.byref(s.m), ctypes.byref(s.p), dptr(s.y), len(s.y), ctypes.byref(ll),
                                       ctypes.byref(s.err))
        s.err.raise_for(rc, "hmm msar")
        return ll.value


def msar_states(model, y, x=None):
    """(viterbi, smoothed) for t = p..T-1: the regimes of the most probable path, and p(S_t = k | y), shape
    (T - p, K) (``urn hmm msar --states-out``)."""
    with _of_model(model, y, x) as s:
        s.check("hmm msar")
        s.set_params(model["params"])
        n, K = len(s.y) - s.m.order, s.m.K
        g, z = np.zeros((n, K)), np.zeros(n, dtype=np.int32)
        rc = s.lib.urn_hmm_msar_states(ctypes.byref(s.m), ctypes.byref(s.p), dptr(s.y), len(s.y), dptr(g), iptr(z),
                                       ctypes.byref(s.err))
        s.err.raise_for(rc, "hmm msar")
        return z.astype(np.int64), g
