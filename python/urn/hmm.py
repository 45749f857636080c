"""urn.hmm -- hidden Markov models and GLM-HMMs fitted by EM, with dynamax's
semantics (urn's ``urn hmm`` commands as Python functions; docs/hmm.md).

Emission models (``emission=``): ``"gaussian"`` (full covariance), ``"diag"``
(diagonal Gaussian), ``"linreg"`` (Gaussian GLM-HMM: y = W x + b + noise),
``"bernoulli-glm"`` (alias ``"logreg"``: 0/1 choices with logistic weights on
x), ``"categorical-glm"`` (``"catreg"``: classes 0..C-1 with softmax weights on
x), ``"poisson"`` (counts).

Data are numpy arrays, one per sequence: emissions ``y`` of shape (T,) or (T,
D), inputs ``x`` of shape (T,) or (T, M) for the regression models.  Pass one
array for one sequence, or a list of arrays (lengths may differ) for many:
results come back in the same form (one array, or a list).

>>> import numpy as np, urn
>>> y = np.concatenate([np.random.normal(-2, 1, 300), np.random.normal(3, 1, 300)])
>>> h = urn.hmm.fit(y, 2)                    # EM from k-means, 50 iterations
>>> h.emission_means.ravel()                 # about [-2, 3] (in some order)
>>> z = urn.hmm.states(h, y)                 # Viterbi path
>>> p = urn.hmm.posterior(h, y)              # smoothed p(z_t = k | y), shape (600, 2)

The results are those of the command line, number for number: ``urn.hmm.fit``
is ``urn hmm fit``, ``states``/``posterior`` are ``urn hmm states``, ``loglik``
is ``urn hmm loglik``, ``sample`` is ``urn hmm sample``, ``align`` is ``urn hmm
align``; ``HMM.save`` writes the parameter file they read (``--params``).
"""
import ctypes
import json
import math
import os
import threading
import warnings

import numpy as np

from . import _lib
from ._hmm_types import ITERATION_FN, RESTART_FN, WARN_FN, FitCallbacks, FitOpts, FitReport, Model, Params, Seq
from ._lib import Error, UrnError, dptr, iptr

KINDS = ("gaussian", "diag", "linreg", "logreg", "catreg", "poisson", "exponential", "gamma", "lognormal", "beta",
         "categorical", "student", "gmm")
_ALIASES = {"bernoulli-glm": "logreg", "categorical-glm": "catreg", "bernoulli": "logreg", "diagonal": "diag",
            "linear-regression": "linreg", "student-t": "student", "t": "student", "log-normal": "lognormal",
            "gaussian-mixture": "gmm"}
_REGRESSION = ("linreg", "logreg", "catreg")
_INIT = {None: 0, "auto": 0, "kmeans": 1, "prior": 2, "random": 4, "search": 5}
_FREEZE = {"initial": 1, "initial_probs": 1, "transitions": 2, "transition_matrix": 2, "emissions": 4}


class UrnWarning(UserWarning):
    """A warning from urn's EM (quasi-separable data in a regression state, a slow Newton M-step, ...)."""


def _kind(emission):
    k = _ALIASES.get(str(emission).lower(), str(emission).lower())
    if k not in KINDS:
        raise ValueError("unknown emission %r: gaussian, diag, linreg, bernoulli-glm, categorical-glm, poisson, "
                         "exponential, gamma, lognormal, beta, categorical, student or gmm" % (emission,))
    return k


class HMM:
    """An HMM: its emission model, sizes, hyperparameters and parameters (dynamax's names).

    Attributes: ``kind`` ("gaussian", "diag", "linreg", "logreg", "catreg",
    "poisson"), ``num_states``, ``emission_dim``, ``input_dim``,
    ``num_classes``, ``hyperparameters`` (dict) and ``params`` (dict of numpy
    arrays: ``initial_probs`` (K,), ``transition_matrix`` (K, K), and by kind
    ``emission_means`` (K, D), ``emission_covariances`` (K, D, D: covariances,
    never standard deviations), ``emission_scale_diags`` (K, D: standard
    deviations), ``emission_weights`` (linreg (K, D, M), logreg (K, M), catreg
    (K, C, M)), ``emission_biases``, ``emission_rates`` (K, D)); each parameter
    is also an attribute (``h.transition_matrix``).  A fitted HMM also has
    ``fit_info``: iterations, restart, seed, init, final_log_joint and
    ``log_joint_trace`` (also ``log_joint`` and ``trace``).

    Build one from a parameter file (:func:`load`), from :func:`fit`, or from
    a dict in the parameter file's layout (:meth:`from_dict`).
    """

    def __init__(self, description):
        d = dict(description)
        self.kind = _kind(d["model"])
        self.num_states = int(d["num_states"])
        self.emission_dim = int(d.get("emission_dim", 1))
        self.input_dim = int(d.get("input_dim", 0))
        self.num_classes = int(d.get("num_classes", d.get("num_components", 0)))  # gmm: components per state
        self.transition_input_dim = int(d.get("transition_input_dim", 0))  # U: input-driven transitions (0 = none)
        self.hyperparameters = dict(d.get("hyperparameters", {}))
        self.params = {k: np.asarray(v, dtype=np.float64) for k, v in d.get("params", {}).items()}
        self.fit_info = d.get("fit")
        # the model's settings beyond its sizes: "no_prior", "shared_covariance", "shared_coefficients" (linreg
        # input indices whose coefficients every state shares)
        self.options = {k: d[k] for k in ("no_prior", "shared_covariance", "shared_coefficients") if k in d}

    @classmethod
    def from_dict(cls, d):
        """An HMM from a dict in the parameter file's layout ("model",
        "num_states", "emission_dim", "input_dim", "num_classes",
        "hyperparameters", "params"); urn checks it when it is first used."""
        return cls(d)

    def __getattr__(self, name):
        params = self.__dict__.get("params", {})
        if name in params:
            return params[name]
        raise AttributeError(name)

    @property
    def log_joint(self):
        """The final log joint (log likelihood + log prior) of a fit, else None."""
        return self.fit_info["final_log_joint"] if self.fit_info else None

    @property
    def trace(self):
        """A fit's log joint at the parameters entering each EM iteration (numpy), else None."""
        return np.asarray(self.fit_info["log_joint_trace"]) if self.fit_info else None

    def __repr__(self):
        return "urn.hmm.HMM(%s, %d states, D=%d%s%s)" % (
            self.kind, self.num_states, self.emission_dim, ", M=%d" % self.input_dim if self.input_dim else "",
            ", U=%d" % self.transition_input_dim if self.transition_input_dim else "")

    def to_dict(self):
        """The parameter file's layout as a dict (lists, not arrays)."""
        d = {"model": self.kind, "num_states": self.num_states, "emission_dim": self.emission_dim}
        if self.input_dim:
            d["input_dim"] = self.input_dim
        if self.num_classes:
            d["num_components" if self.kind == "gmm" else "num_classes"] = self.num_classes
        if self.transition_input_dim:
            d["transition_input_dim"] = self.transition_input_dim
        d["hyperparameters"] = {k: np.asarray(v).tolist() for k, v in self.hyperparameters.items()}
        d["params"] = {k: np.asarray(v).tolist() for k, v in self.params.items()}
        d.update(self.options)
        if self.fit_info:
            d["fit"] = self.fit_info
        return d

    def to_json(self):
        """The parameter file's text, as ``urn hmm fit`` writes it."""
        with _Native(self) as (m, p):
            extra = None
            if self.fit_info:
                extra = ('"fit": ' + json.dumps(self.fit_info)).encode()
            ptr = _lib.lib().urn_hmm_param_file_format(ctypes.byref(m), ctypes.byref(p), extra)
            text = ctypes.string_at(ptr).decode()
            _lib.lib().urn_hmm_text_free(ptr)
            return text

    def save(self, path):
        """Writes the parameter file (``urn hmm states/loglik/sample --params`` read it)."""
        with open(path, "w") as f:
            f.write(self.to_json())

    def log_prior(self):
        """log p(theta) under the model's priors."""
        with _Native(self) as (m, p):
            return _lib.lib().urn_hmm_log_prior(ctypes.byref(m), ctypes.byref(p))

    def loglik(self, y, x=None, **kw):
        """:func:`loglik` with this HMM."""
        return loglik(self, y, x, **kw)

    def states(self, y, x=None, **kw):
        """:func:`states` with this HMM."""
        return states(self, y, x, **kw)

    def posterior(self, y, x=None, **kw):
        """:func:`posterior` with this HMM."""
        return posterior(self, y, x, **kw)

    def forecast(self, y, steps=None, **kw):
        """:func:`forecast` with this HMM."""
        return forecast(self, y, steps, **kw)

    def sample(self, T=None, **kw):
        """:func:`sample` from this HMM."""
        return sample(self, T, **kw)


class _Native:
    """Context manager: the C model and parameters of an HMM (through the parameter
    file parser, so Python and the command line read parameters the same way)."""

    def __init__(self, hmm):
        self.text = json.dumps(hmm.to_dict() if isinstance(hmm, HMM) else hmm).encode()

    def __enter__(self):
        self.m, self.p, err = Model(), Params(), Error()
        rc = _lib.lib().urn_hmm_param_file_parse(self.text, len(self.text), b"params", ctypes.byref(self.m),
                                                 ctypes.byref(self.p), ctypes.byref(err))
        err.raise_for(rc, "hmm")
        return self.m, self.p

    def __exit__(self, *exc):
        _lib.lib().urn_hmm_params_free(ctypes.byref(self.p))
        _lib.lib().urn_hmm_model_free(ctypes.byref(self.m))


def load(path):
    """An :class:`HMM` from a parameter file (``urn hmm fit --out``'s output)."""
    with open(path, "rb") as f:
        text = f.read()
    m, p, err = Model(), Params(), Error()
    rc = _lib.lib().urn_hmm_param_file_parse(text, len(text), os.fspath(path).encode(), ctypes.byref(m),
                                             ctypes.byref(p), ctypes.byref(err))
    err.raise_for(rc, "hmm")
    try:
        return _from_native(m, p, json.loads(text).get("fit"))
    finally:
        _lib.lib().urn_hmm_params_free(ctypes.byref(p))
        _lib.lib().urn_hmm_model_free(ctypes.byref(m))


def _from_native(m, p, fit_info=None):
    ptr = _lib.lib().urn_hmm_param_file_format(ctypes.byref(m), ctypes.byref(p), None)
    text = ctypes.string_at(ptr).decode()
    _lib.lib().urn_hmm_text_free(ptr)
    d = json.loads(text)
    if fit_info:
        d["fit"] = fit_info
    return HMM(d)


# ------------------------------------------------------------------ data

class _Batch:
    """Sequences as urn_hmm_seq structures (keeping their arrays alive)."""

    def __init__(self, y, x, kind, D=None, M=None, u=None, U=None):
        self.single = isinstance(y, np.ndarray) or not isinstance(y, (list, tuple))
        ys = [y] if self.single else list(y)
        if x is None:
            xs = [None] * len(ys)
        else:
            xs = [x] if (isinstance(x, np.ndarray) or not isinstance(x, (list, tuple))) else list(x)
            if len(xs) != len(ys):
                raise ValueError("x has %d sequences, but y has %d" % (len(xs), len(ys)))
        if U is not None:
            _inputs_given(U, u, "the model has input-driven transitions: give transition_x (its %d transition inputs)"
                          % U, "transition_x: the model has no input-driven transitions")
        if not ys:
            raise ValueError("no sequences given")
        self.y, self.x = [], []
        for b, (yb, xb) in enumerate(zip(ys, xs)):
            ya = np.asarray(yb, dtype=np.float64)
            if ya.ndim == 1:
                ya = ya[:, None]
            if ya.ndim != 2:
                raise ValueError("sequence %d: y must have shape (T,) or (T, D), not %s" % (b, np.shape(yb)))
            self.y.append(np.ascontiguousarray(ya))
            if xb is not None:
                xa = np.asarray(xb, dtype=np.float64)
                if xa.ndim == 1:
                    xa = xa[:, None]
                if xa.ndim != 2 or xa.shape[0] != ya.shape[0]:
                    raise ValueError("sequence %d: x must have shape (T,) or (T, M) with T = %d, not %s"
                                     % (b, ya.shape[0], np.shape(xb)))
                self.x.append(np.ascontiguousarray(xa))
            else:
                self.x.append(None)
        dims = {a.shape[1] for a in self.y}
        if len(dims) != 1:
            raise ValueError("every sequence must have the same emission dimension, got %s" % sorted(dims))
        self.D = dims.pop()
        self.M = self.x[0].shape[1] if self.x[0] is not None else 0
        if any((a.shape[1] if a is not None else 0) != self.M for a in self.x):
            raise ValueError("every sequence must have the same number of inputs")
        if D is not None and self.D != D:
            raise ValueError("y has %d emission columns, but the model has D = %d" % (self.D, D))
        if kind in _REGRESSION and self.M == 0:
            raise ValueError("the %s model needs inputs x" % kind)
        if kind not in _REGRESSION and self.M:
            raise ValueError("x is only used by linreg, bernoulli-glm and categorical-glm (not %s)" % kind)
        if M is not None and self.M != M:
            raise ValueError("x has %d input columns, but the model has M = %d" % (self.M, M))
        self.u = _transition_inputs(u, [a.shape[0] for a in self.y], U)
        self.U = self.u[0].shape[1] if self.u else 0
        us = self.u or [None] * len(self.y)
        self.seqs = (Seq * len(self.y))(*[Seq(a.shape[0], dptr(a), dptr(xa), dptr(ua))
                                          for a, xa, ua in zip(self.y, self.x, us)])

    def __len__(self):
        return len(self.y)

    def check(self, m):
        """Checks every sequence against the model (values in the support, inputs present)."""
        err = Error()
        for b in range(len(self)):
            rc = _lib.lib().urn_hmm_seq_check(ctypes.byref(m), ctypes.byref(self.seqs[b]), b, ctypes.byref(err))
            err.raise_for(rc, "hmm")

    def out(self, results):
        return results[0] if self.single else results


def _inputs_given(U, u, missing, unexpected):
    """ValueError(missing) when the model has input-driven transitions (U > 0) and their inputs u are None,
    ValueError(unexpected) when it has none (U == 0) and u is given."""
    if U and u is None:
        raise ValueError(missing)
    if not U and u is not None:
        raise ValueError(unexpected)


def _batch_for(hmm, y, x, u=None):
    return _Batch(y, x, hmm.kind, hmm.emission_dim, hmm.input_dim, u, hmm.transition_input_dim)


def _transition_inputs(u, lengths, U, what="transition_x"):
    """The transition inputs (``transition_x``: one array of shape (T,) or (T, U) per sequence, row t driving
    z_{t-1} -> z_t) as C-contiguous (T, U) arrays, checked against the sequences' lengths and the model's U
    (None: any); None when u is None."""
    if u is None:
        return None
    us = [u] if (isinstance(u, np.ndarray) or not isinstance(u, (list, tuple))) else list(u)
    if len(us) != len(lengths):
        raise ValueError("%s has %d sequences, but y has %d" % (what, len(us), len(lengths)))
    out = []
    for b, (ub, T) in enumerate(zip(us, lengths)):
        a = np.asarray(ub, dtype=np.float64)
        if a.ndim == 1:
            a = a[:, None]
        if a.ndim != 2 or (T is not None and a.shape[0] != T) or a.shape[1] < 1:
            raise ValueError("sequence %d: %s must have shape (T,) or (T, U)%s, not %s"
                             % (b, what, " with T = %d" % T if T is not None else "", np.shape(ub)))
        if U is not None and a.shape[1] != U:
            raise ValueError("%s has %d columns, but the model has %d transition inputs" % (what, a.shape[1], U))
        if U is None and out and a.shape[1] != out[0].shape[1]:
            raise ValueError("every sequence must have the same number of transition inputs")
        out.append(np.ascontiguousarray(a))
    return out


# ---------------------------------------------------------------- fitting

def fit(y, num_states, emission="gaussian", x=None, *, classes=None, iters=50, tol=0.0, init=None, restarts=1,
        seed=1, threads=1, stickiness=None, initial_conc=None, trans_conc=None, weight_scale=None, cov_floor=0.0,
        freeze=(), progress=None, prior=None, dof=None, components=None, shared_cov=False, shared_coef=(),
        transition_x=None, transition_scale=None):
    """Fits an HMM by EM (MAP under dynamax's priors): ``urn hmm fit``.

    ``y`` (and ``x`` for the regression models): one array or a list of
    arrays, one per sequence.  ``iters`` EM iterations (exactly, unless
    ``tol`` > 0 stops once the relative change of the log joint falls below
    it).  ``init``: None (k-means for gaussian, diag, linreg; dynamax's prior
    recipe otherwise), "kmeans", "prior", "random" (random partitions),
    "search" (``urn hmm fit``'s default: restarts cycling k-means++, random
    partitions and perturbations of the best fit), or an :class:`HMM` to
    start from.  ``prior``: None (dynamax's priors, MAP), "none" (maximum
    likelihood), or a list from "initial", "transitions", "emissions" fitted
    without a prior.  ``dof``: student emissions, hold every nu at it.
    ``components``: gmm, Gaussian components per state (2).
    ``shared_coef``: linreg, the input columns (indices into x's columns)
    whose coefficients every state shares (non-switching; ``--shared-coef``).
    ``shared_cov``: one covariance for all states (linreg; gaussian/diag
    with ``prior="none"``; ``--shared-cov``).
    ``transition_x``: input-driven transitions (``--transition-x``): the
    transition inputs u, one array of shape (T,) or (T, U) per sequence (row
    t drives z_{t-1} -> z_t; row 0 is not used), so that p(z_t = j | z_{t-1}
    = i) = softmax_j(W_ij . u_t + b_ij); ``transition_scale``: the prior
    standard deviation of W and b (10; none with ``prior="none"``,
    ``--transition-scale``).  :func:`std_errors` gives their standard errors.
    ``restarts`` initializations seeded ``seed``, ``seed + 1``, ...; the fit
    with the best final log joint is returned.  ``stickiness``,
    ``initial_conc``, ``trans_conc`` (Dirichlet priors, defaults 0, 1.1, 1.1),
    ``weight_scale`` (bernoulli-glm prior sd, 1e8), ``cov_floor`` (linreg
    ridge, off), ``freeze`` (any of "initial", "transitions", "emissions"),
    ``classes`` (categorical-glm; default max(y) + 1), ``threads`` (E-step
    threads over sequences).  ``progress``: a tqdm bar over the EM iterations
    of all restarts (default: for long fits, over 5e6 time steps x
    iterations).  EM runs on a library thread: Ctrl-C stops it at the next
    iteration and raises KeyboardInterrupt.  Returns the fitted :class:`HMM`; bad
    data or a failed fit raise :class:`urn.UrnError` with urn's message.
    """
    kind = _kind(emission)
    batch = _Batch(y, x, kind, u=transition_x)
    if kind in ("logreg", "catreg", "categorical") and batch.D != 1:
        raise ValueError("emission %s takes one y column (the choice)" % kind)
    if kind == "gmm":
        classes = int(components or 2)
    elif components is not None:
        raise ValueError("components is only used by the gmm emission")
    if kind in ("catreg", "categorical") and not classes:
        mx = max(float(a.max()) for a in batch.y)
        classes = min(max(int(mx) + 1, 2), 1000)
    lib = _lib.lib()
    m, err = Model(), Error()
    rc = lib.urn_hmm_model_init(ctypes.byref(m), KINDS.index(kind), int(num_states), batch.D, batch.M,
                                int(classes or 0), ctypes.byref(err))
    err.raise_for(rc, "hmm fit")
    m.trans_M = batch.U
    given_native = None
    try:
        if transition_scale is not None:
            if not batch.U:
                raise ValueError("transition_scale is for input-driven transitions (give transition_x)")
            if not float(transition_scale) > 0:
                raise ValueError("transition_scale must be > 0, not %r" % (transition_scale,))
            m.trans_weight_scale = float(transition_scale)
        for name, value in (("stickiness", stickiness), ("initial_conc", initial_conc), ("trans_conc", trans_conc),
                            ("weight_scale", weight_scale)):
            if value is not None:
                setattr(m, name, float(value))
        m.cov_floor = float(cov_floor)
        if dof is not None:
            if kind != "student":
                raise ValueError("dof is only used by the student emission")
            m.student_dof = float(dof)
        if prior is not None:
            groups = ["initial", "transitions", "emissions"] if prior == "none" else \
                ([prior] if isinstance(prior, str) else list(prior))
            for g in groups:
                if g not in _FREEZE:
                    raise ValueError("prior: 'none' or groups from initial, transitions, emissions, not %r" % (g,))
                m.no_prior |= _FREEZE[g]
        if isinstance(freeze, str):
            freeze = [freeze]
        for f in freeze:
            if f not in _FREEZE:
                raise ValueError("freeze: unknown group %r (initial, transitions, emissions)" % (f,))
            m.frozen |= _FREEZE[f]
        _shared_options(m, kind, shared_cov, shared_coef)
        caught = []
        m.warn = WARN_FN(lambda ctx, msg: caught.append(msg.decode()))
        batch.check(m)
        if isinstance(init, HMM):
            if (_kind(init.kind), init.num_states, init.emission_dim, init.input_dim, init.num_classes,
                    init.transition_input_dim) != (kind, m.K, m.D, m.M, m.C, m.trans_M):
                raise ValueError("init is a %s model with %d states (D=%d, M=%d, %d transition inputs), but the fit "
                                 "asks for %s with %d states (D=%d, M=%d, %d transition inputs)"
                                 % (init.kind, init.num_states, init.emission_dim, init.input_dim,
                                    init.transition_input_dim, kind, m.K, m.D, m.M, m.trans_M))
            given_native = _Native(init)
            gm, gp = given_native.__enter__()
            method, restarts = 3, 1
        else:
            if init not in _INIT:
                raise ValueError("init must be None, 'kmeans', 'prior', 'random', 'search' or an HMM, not %r" % (init,))
            method, gp = _INIT[init], None
        best = Params()
        lib.urn_hmm_params_alloc(ctypes.byref(m), ctypes.byref(best))
        trace = np.zeros(int(iters))
        rep = FitReport()
        opts = FitOpts(int(iters), float(tol), int(threads))
        rc = _run_fit(lib, m, batch, opts, method, gp, int(restarts), int(seed), best, trace, rep, err, progress)
        for w in caught[:5]:
            warnings.warn(w, UrnWarning, stacklevel=2)
        if rc:
            lib.urn_hmm_params_free(ctypes.byref(best))
            err.raise_for(rc, "hmm fit")
        if rep.n_failed and restarts > 1:
            warnings.warn("%d of %d restarts failed" % (rep.n_failed, restarts), UrnWarning, stacklevel=2)
        init_name = {1: "kmeans", 2: "prior", 3: "given", 4: "random", 5: "search"}.get(rep.init, "prior")
        info = {"iterations": rep.iterations, "restart": rep.best_restart, "seed": int(seed) + rep.best_restart,
                "init": init_name, "final_log_joint": rep.log_joint, "loglik": rep.loglik,
                "converged": bool(rep.converged), "degenerate_states": rep.degenerate,
                "log_joint_trace": trace[:rep.iterations].tolist()}
        try:
            return _from_native(m, best, info)
        finally:
            lib.urn_hmm_params_free(ctypes.byref(best))
    finally:
        if given_native is not None:
            given_native.__exit__()
        lib.urn_hmm_model_free(ctypes.byref(m))


def _shared_options(m, kind, shared_cov, shared_coef):
    """fit's shared_coef (input indices) and shared_cov into the C model, checked as the command line does."""
    cols = [shared_coef] if isinstance(shared_coef, (int, np.integer)) else list(shared_coef or ())
    if cols and kind != "linreg":
        raise ValueError("shared_coef is only used by the linreg emission")
    for j in cols:
        if not isinstance(j, (int, np.integer)) or not 0 <= j < min(m.M, 64):
            raise ValueError("shared_coef: %r is not an input column index 0..%d" % (j, min(m.M, 64) - 1))
        m.shared_coef |= 1 << int(j)
    if shared_cov:
        if kind != "linreg" and (kind not in ("gaussian", "diag") or not m.no_prior & _FREEZE["emissions"]):
            raise ValueError("shared_cov needs the linreg emission, or gaussian or diag with prior='none'")
        m.shared_cov = 1


def _run_fit(lib, m, batch, opts, method, gp, restarts, seed, best, trace, rep, err, progress):
    """urn_hmm_fit_best on a worker thread while this thread shows progress (EM
    iterations over all restarts) and stays interruptible: Ctrl-C stops EM at
    the next iteration and raises KeyboardInterrupt."""
    state = {"iters": 0, "stop": False, "rc": 6}
    done = threading.Event()

    def on_iteration(ctx, r, i, lj):
        state["iters"] += 1
        state["lj"] = lj
        return 1 if state["stop"] else 0
    cbs = FitCallbacks(None, RESTART_FN(), ITERATION_FN(on_iteration))

    def work():
        try:
            state["rc"] = lib.urn_hmm_fit_best(ctypes.byref(m), batch.seqs, len(batch), ctypes.byref(opts), method,
                                               ctypes.byref(gp) if gp is not None else None, restarts, seed,
                                               ctypes.byref(best), _lib.dptr(trace), ctypes.byref(rep),
                                               ctypes.byref(cbs), ctypes.byref(err))
        finally:
            done.set()
    bar = _bar(restarts * opts.num_iters, progress, sum(len(y) for y in batch.y) * opts.num_iters * restarts)
    interrupted = False
    try:
        threading.Thread(target=work, name="urn-hmm-fit", daemon=True).start()
        while not done.wait(0.1):
            if bar is not None:
                bar.update(state["iters"] - bar.n)
                if "lj" in state:
                    bar.set_postfix(log_joint="%.6g" % state["lj"], refresh=False)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        while not done.is_set():
            state["stop"] = True
            try:
                done.wait(0.5)
            except KeyboardInterrupt:
                interrupted = True
        if bar is not None:
            bar.update(state["iters"] - bar.n)
            bar.close()
    if interrupted:
        lib.urn_hmm_params_free(ctypes.byref(best))
        raise KeyboardInterrupt("urn.hmm.fit: stopped")
    return state["rc"]


def _bar(total, progress, work):
    """A tqdm bar for a fit of total iterations: always with progress=True, never with
    False, by default when the fit is long (more than 5e6 time steps x iterations)."""
    if progress is False or (progress is None and work < 5e6):
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc="EM", unit="it")


# -------------------------------------------------------------- inference

def loglik(hmm, y, x=None, *, per_sequence=False, threads=1, transition_x=None):
    """log p(y | hmm): the total over the sequences (``per_sequence=True``: an
    array, one value per sequence).  ``transition_x``: the transition inputs
    of a model with input-driven transitions (as in :func:`fit`).  ``urn hmm loglik``."""
    batch = _batch_for(hmm, y, x, transition_x)
    per, tot, err = np.zeros(len(batch)), ctypes.c_double(), Error()
    with _Native(hmm) as (m, p):
        batch.check(m)
        rc = _lib.lib().urn_hmm_loglik(ctypes.byref(m), ctypes.byref(p), batch.seqs, len(batch), int(threads),
                                       dptr(per), ctypes.byref(tot), ctypes.byref(err))
    err.raise_for(rc, "hmm loglik")
    return per if per_sequence else tot.value


def std_errors(hmm, y, x=None, *, threads=1, transition_x=None):
    """Standard errors of the parameters of ``hmm`` (a fit to ``y``) from the
    observed information, as ``urn hmm fit`` reports them: a dict with the
    names and shapes of ``hmm.params`` (0 for frozen groups, held degrees of
    freedom and probabilities on the boundary).  Raises :class:`urn.UrnError`
    when the information is not positive definite (not at a maximum, or a
    parameter not identified).  With input-driven transitions (``transition_x``, as in :func:`fit`) the
    dict has ``transition_weights`` (K, K, U) and ``transition_biases`` (K, K) too."""
    batch = _batch_for(hmm, y, x, transition_x)
    lib, err = _lib.lib(), Error()
    with _Native(hmm) as (m, p):
        batch.check(m)
        K, D, M, C, kind = m.K, m.D, m.M, m.C, KINDS[m.kind]
        per_state = {"catreg": C, "logreg": 1}.get(kind, D)
        G = C if kind == "gmm" else 1
        sizes = {"initial_probs": K, "transition_matrix": K * K, "means": G * K * D, "covs": K * D * D,
                 "scale_diags": G * K * D, "weights": K * per_state * M, "biases": K * per_state, "rates": K * D,
                 "shapes": (2 if kind == "beta" else 1) * K * D, "dofs": K * D, "probs": K * C,
                 "trans_weights": K * K * max(m.trans_M, 0), "trans_biases": K * K}  # the C order
        fields = [f for f in sizes if bool(getattr(p, f))]
        v = np.zeros(sum(sizes[f] for f in fields) + 1)
        n_se, n_free = ctypes.c_size_t(), ctypes.c_int()
        rc = lib.urn_hmm_std_errors(ctypes.byref(m), ctypes.byref(p), batch.seqs, len(batch), int(threads), dptr(v),
                                    ctypes.byref(n_se), ctypes.byref(n_free), ctypes.byref(err))
        err.raise_for(rc, "hmm std_errors")
        se = Params()
        lib.urn_hmm_params_alloc(ctypes.byref(m), ctypes.byref(se))
        try:
            at = 0
            for f in fields:
                ctypes.memmove(getattr(se, f), v[at:].ctypes.data, 8 * sizes[f])
                at += sizes[f]
            ptr = lib.urn_hmm_param_file_format(ctypes.byref(m), ctypes.byref(se), None)
            text = ctypes.string_at(ptr).decode()
            lib.urn_hmm_text_free(ptr)
        finally:
            lib.urn_hmm_params_free(ctypes.byref(se))
    return {k: np.asarray(a, dtype=float) for k, a in json.loads(text)["params"].items()}


def _per_sequence(hmm, y, x, what, u=None):
    """Runs what(p, T, K, LL, A) on each sequence with its emission log-likelihoods LL (T, K) and, for input-driven
    transitions, its transition matrix per step A (T, K, K; else None)."""
    batch = _batch_for(hmm, y, x, u)
    out = []
    lib = _lib.lib()
    with _Native(hmm) as (m, p):
        batch.check(m)
        K = m.K
        for b in range(len(batch)):
            T = batch.seqs[b].T
            LL, err = np.zeros((T, K)), Error()
            rc = lib.urn_hmm_emission_logliks(ctypes.byref(m), ctypes.byref(p), ctypes.byref(batch.seqs[b]), dptr(LL),
                                              ctypes.byref(err))
            err.raise_for(rc, "hmm")
            A = None
            if m.trans_M > 0:
                A = np.zeros((T, K, K))
                rc = lib.urn_hmm_trans_matrices(ctypes.byref(m), ctypes.byref(p), ctypes.byref(batch.seqs[b]),
                                                dptr(A), ctypes.byref(err))
                err.raise_for(rc, "hmm")
            out.append(what(p, T, K, LL, A))
    return batch.out(out)


def states(hmm, y, x=None, *, transition_x=None):
    """The most likely state path (Viterbi; ties to the lowest state), int
    array of shape (T,) per sequence.  ``transition_x``: the transition inputs
    of a model with input-driven transitions.  ``urn hmm states``' state column."""
    def viterbi(p, T, K, LL, A):
        z, err, lib = np.zeros(T, dtype=np.int32), Error(), _lib.lib()
        if A is None:
            rc = lib.urn_hmm_viterbi(K, T, p.initial_probs, p.transition_matrix, dptr(LL), iptr(z), ctypes.byref(err))
        else:
            rc = lib.urn_hmm_viterbi_tv(K, T, p.initial_probs, dptr(A), dptr(LL), iptr(z), ctypes.byref(err))
        err.raise_for(rc, "hmm states")
        return z.astype(np.int64)
    return _per_sequence(hmm, y, x, viterbi, transition_x)


def posterior(hmm, y, x=None, *, transition_x=None):
    """Smoothed state probabilities p(z_t = k | y), array (T, K) per sequence
    (forward-backward; ``transition_x`` as in :func:`states`).  ``urn hmm states``' p_k columns."""
    def smooth(p, T, K, LL, A):
        g, err, lib = np.zeros((T, K)), Error(), _lib.lib()
        if A is None:
            rc = lib.urn_hmm_smoother(K, T, p.initial_probs, p.transition_matrix, dptr(LL), None, dptr(g), None,
                                      ctypes.byref(err))
        else:
            rc = lib.urn_hmm_smoother_tv(K, T, p.initial_probs, dptr(A), dptr(LL), None, dptr(g), None,
                                         ctypes.byref(err))
        err.raise_for(rc, "hmm posterior")
        return g
    return _per_sequence(hmm, y, x, smooth, transition_x)


def filtered(hmm, y, x=None):
    """Filtered state probabilities p(z_t = k | y_1..t), array (T, K) per sequence (not for input-driven
    transitions: the C API has no filter with a matrix per step; :func:`posterior`'s last row is the filtered
    distribution at the last step)."""
    if hmm.transition_input_dim:
        raise ValueError("filtered: not available for input-driven transitions (use posterior, or forecast)")

    def filt(p, T, K, LL, A):
        f, err = np.zeros((T, K)), Error()
        rc = _lib.lib().urn_hmm_filter(K, T, p.initial_probs, p.transition_matrix, dptr(LL), None, dptr(f), None,
                                       ctypes.byref(err))
        err.raise_for(rc, "hmm filtered")
        return f
    return _per_sequence(hmm, y, x, filt)


def sample(hmm, T=None, *, sequences=1, seed=1, x=None, transition_x=None):
    """Simulates states and emissions: ``(states, y)`` with states (T,) and y
    (T, D) (or (T,) for the GLMs); lists of them for several sequences.
    Sequence b uses seed ``seed + 7919 b``, as ``urn hmm sample``.  The
    regression models simulate at given inputs ``x`` (one array or a list;
    T is then each input's length).  A model with input-driven transitions
    simulates at given transition inputs ``transition_x`` (one array of shape
    (T,) or (T, U) or a list, row t driving z_{t-1} -> z_t; one sequence per
    array, T its length), as ``urn hmm sample --inputs U.csv --transition-x``."""
    reg = hmm.kind in _REGRESSION
    U = hmm.transition_input_dim
    _inputs_given(U, transition_x, "the model has input-driven transitions: give transition_x (the transition inputs "
                  "of every step to simulate)", "transition_x: the model has no input-driven transitions")
    us = None
    if U and not reg:
        if x is not None:
            raise ValueError("x is only for regression models")
        single = isinstance(transition_x, np.ndarray) or not isinstance(transition_x, (list, tuple))
        n = 1 if single else len(transition_x)
        us = _transition_inputs(transition_x, [None] * n, U)
        lengths, xs = [a.shape[0] for a in us], [None] * n
        if T is not None and any(Tb != int(T) for Tb in lengths):
            raise ValueError("T = %s, but transition_x has %s steps (T is its length: leave it out)" % (T, lengths))
    elif reg:
        if x is None:
            raise ValueError("a %s model simulates at inputs: give x" % hmm.kind)
        single = isinstance(x, np.ndarray) or not isinstance(x, (list, tuple))
        xs = [np.ascontiguousarray(np.asarray(a, dtype=np.float64).reshape(len(a), -1)) for a in ([x] if single else x)]
        for a in xs:
            if a.shape[1] != hmm.input_dim:
                raise ValueError("x has %d columns, but the model has %d inputs" % (a.shape[1], hmm.input_dim))
        lengths = [a.shape[0] for a in xs]
        if U:
            us = _transition_inputs(transition_x, lengths, U)
    else:
        if x is not None:
            raise ValueError("x is only for regression models")
        if T is None or int(T) < 1:
            raise ValueError("give the number of time steps T (>= 1)")
        single = sequences == 1
        lengths, xs = [int(T)] * int(sequences), [None] * int(sequences)
    out_z, out_y = [], []
    lib = _lib.lib()
    with _Native(hmm) as (m, p):
        D = m.D
        for b, (Tb, xb) in enumerate(zip(lengths, xs)):
            z, yb, err = np.zeros(Tb, dtype=np.int32), np.zeros((Tb, D)), Error()
            if us is not None:
                rc = lib.urn_hmm_sample_tv(ctypes.byref(m), ctypes.byref(p), int(seed) + b * 7919, Tb, dptr(xb),
                                           dptr(us[b]), iptr(z), dptr(yb), ctypes.byref(err))
            else:
                rc = lib.urn_hmm_sample(ctypes.byref(m), ctypes.byref(p), int(seed) + b * 7919, Tb, dptr(xb),
                                        iptr(z), dptr(yb), ctypes.byref(err))
            err.raise_for(rc, "hmm sample")
            out_z.append(z.astype(np.int64))
            out_y.append(yb[:, 0] if (D == 1 and hmm.kind in ("logreg", "catreg", "categorical")) else yb)
    return (out_z[0], out_y[0]) if single else (out_z, out_y)


def _state_means(kind, m, p):
    """The mean of y in each state, K lists of D floats, as ``urn hmm forecast`` computes them (the families'
    formulas of src/hmm/hmm_family.c; NaN for a Student-t state with nu <= 1)."""
    K, D, C = m.K, m.D, m.C
    out = []
    for k in range(K):
        row = []
        for d in range(D):
            i = k * D + d
            if kind in ("gaussian", "diag"):
                v = p.means[i]
            elif kind in ("poisson", "exponential"):
                v = p.rates[i] if kind == "poisson" else 1.0 / p.rates[i]
            elif kind == "gamma":
                v = p.shapes[i] / p.rates[i]
            elif kind == "lognormal":
                v = math.exp(p.means[i] + 0.5 * p.scale_diags[i] * p.scale_diags[i])
            elif kind == "beta":
                v = p.shapes[2 * i] / (p.shapes[2 * i] + p.shapes[2 * i + 1])
            elif kind == "student":
                v = p.means[i] if p.dofs[i] > 1 else math.nan
            elif kind == "categorical":
                v = 0.0
                for c in range(C):
                    v += c * p.probs[k * C + c]
            else:  # gmm
                v = 0.0
                for c in range(C):
                    v += p.probs[k * C + c] * p.means[(k * C + c) * D + d]
            row.append(v)
        out.append(row)
    return out


def _future_matrices(m, p, fut, nb):
    """The transition matrix of each of the first nb future steps (nb, K, K) from the future transition inputs fut:
    a dummy row 0 ahead of them, since row t drives the transition into step t."""
    K, U = m.K, m.trans_M
    u1 = np.zeros((nb + 1, U))
    u1[1:] = fut[:nb]
    A, err = np.zeros((nb + 1, K, K)), Error()
    s = Seq(nb + 1, None, None, dptr(u1))
    rc = _lib.lib().urn_hmm_trans_matrices(ctypes.byref(m), ctypes.byref(p), ctypes.byref(s), dptr(A),
                                           ctypes.byref(err))
    err.raise_for(rc, "hmm forecast")
    return A[1:]


def forecast(hmm, y, steps=None, *, future=None, transition_x=None):
    """Forecasts past the end of each sequence, as ``urn hmm forecast``: ``(probs, means)`` with probs (N, K) the
    state probabilities at h = 1..N (the filtered distribution at the last step pushed through the transition
    matrices) and means (N, D) the predictive mean of y (sum_k p_k mu_k; the rates for poisson; each family's
    state mean); lists of them for several sequences.  ``steps`` N (default 1).  Input-driven transitions:
    ``transition_x`` the transition inputs of the data (as in :func:`fit`) and ``future`` those of the future
    steps, one array of shape (N_b,) or (N_b, U) per sequence (row h drives the transition into step T-1+h; the
    ``--future`` file's columns); every future row is forecast, or the first ``steps``.  Regression models
    would need their future inputs and are refused (ValueError)."""
    if hmm.kind in _REGRESSION:
        raise ValueError("forecasting a regression model needs its future inputs (not supported)")
    U = hmm.transition_input_dim
    _inputs_given(U, future, "forecasting input-driven transitions needs the future transition inputs: give future= "
                  "(the transition inputs of the future steps, one array per sequence)",
                  "future is for input-driven transitions (the model has none)")
    if steps is not None and not (isinstance(steps, (int, np.integer)) and 1 <= steps <= 100000000):
        raise ValueError("steps must be an integer in [1, 100000000], not %r" % (steps,))
    batch = _batch_for(hmm, y, None, transition_x)
    futs = _transition_inputs(future, [None] * len(batch), U or None, "future") if U else None
    for b, f in enumerate(futs or ()):
        if not np.isfinite(f).all():
            raise ValueError("future: sequence %d has a value that is not finite" % b)
        if steps is not None and steps > f.shape[0]:
            raise ValueError("steps %d, but future has %d rows for sequence %d" % (steps, f.shape[0], b))
    lib = _lib.lib()
    out_p, out_m = [], []
    with _Native(hmm) as (m, p):
        batch.check(m)
        K, D = m.K, m.D
        mu = _state_means(hmm.kind, m, p)
        A0 = [[p.transition_matrix[j * K + k] for k in range(K)] for j in range(K)]
        for b in range(len(batch)):
            T, err = batch.seqs[b].T, Error()
            LL, filt, ll = np.zeros((T, K)), np.zeros((T, K)), ctypes.c_double()
            rc = lib.urn_hmm_emission_logliks(ctypes.byref(m), ctypes.byref(p), ctypes.byref(batch.seqs[b]),
                                              dptr(LL), ctypes.byref(err))
            err.raise_for(rc, "hmm forecast")
            if U:  # the smoothed distribution at the last step is the filtered one
                A = np.zeros((T, K, K))
                rc = lib.urn_hmm_trans_matrices(ctypes.byref(m), ctypes.byref(p), ctypes.byref(batch.seqs[b]),
                                                dptr(A), ctypes.byref(err))
                err.raise_for(rc, "hmm forecast")
                rc = lib.urn_hmm_smoother_tv(K, T, p.initial_probs, dptr(A), dptr(LL), ctypes.byref(ll), dptr(filt),
                                             None, ctypes.byref(err))
            else:
                rc = lib.urn_hmm_filter(K, T, p.initial_probs, p.transition_matrix, dptr(LL), ctypes.byref(ll),
                                        dptr(filt), None, ctypes.byref(err))
            err.raise_for(rc, "hmm forecast")
            nb = (steps if steps is not None else futs[b].shape[0]) if U else (steps or 1)
            Af = _future_matrices(m, p, futs[b], nb).tolist() if U else None
            pk = filt[T - 1].tolist()
            P, Mn = np.zeros((nb, K)), np.zeros((nb, D))
            for h in range(nb):  # the command's loops, in its order of operations
                Ah = Af[h] if U else A0
                nx = []
                for k in range(K):
                    v = 0.0
                    for j in range(K):
                        v += pk[j] * Ah[j][k]
                    nx.append(v)
                pk = nx
                P[h] = pk
                for d in range(D):
                    v = 0.0
                    for k in range(K):
                        v += pk[k] * mu[k][d]
                    Mn[h, d] = v
            out_p.append(P)
            out_m.append(Mn)
    return (out_p[0], out_m[0]) if batch.single else (out_p, out_m)


def align(z1, z2):
    """dynamax's find_permutation: ``perm`` with ``perm[a]`` the label of z2
    that label ``a`` of z1 matches best, so ``perm[z1]`` relabels z1 to agree
    with z2 as much as possible.  ``urn hmm align``."""
    a = np.ascontiguousarray(np.asarray(z1), dtype=np.int32)
    b = np.ascontiguousarray(np.asarray(z2), dtype=np.int32)
    if a.ndim != 1 or a.shape != b.shape:
        raise ValueError("z1 and z2 must be state sequences of the same length, not %s and %s" % (a.shape, b.shape))
    if (a < 0).any() or (b < 0).any() or (a > 99999).any() or (b > 99999).any():
        raise ValueError("state labels must be 0, 1, ... (below 100000)")
    kp, err = ctypes.c_int(), Error()
    lib = _lib.lib()
    rc = lib.urn_hmm_find_permutation(iptr(a), iptr(b), len(a), None, ctypes.byref(kp), ctypes.byref(err))
    err.raise_for(rc, "hmm align")
    perm = np.zeros(kp.value, dtype=np.int32)
    rc = lib.urn_hmm_find_permutation(iptr(a), iptr(b), len(a), iptr(perm), ctypes.byref(kp), ctypes.byref(err))
    err.raise_for(rc, "hmm align")
    return perm.astype(np.int64)


from ._hmm_msar import msar, msar_loglik, msar_states  # noqa: E402 (Markov-switching autoregressions)

__all__ = ["HMM", "fit", "load", "loglik", "std_errors", "states", "posterior", "filtered", "forecast", "sample",
           "align", "KINDS",
           "UrnWarning", "msar", "msar_loglik", "msar_states"]
