"""urn.fit -- sampling and optimization of a :class:`urn.Model` through urn's
one "run a model" layer (include/urn/run.h, the layer ``urn sample``,
``urn optimize`` and the CmdStan-compatible executables use), and the results:
:class:`Fit` (draws, summary, ArviZ) and :class:`OptimizeResult`.

Runs execute on a worker thread of the library while Python polls their
progress (a tqdm bar in notebooks and terminals) and stays interruptible:
Ctrl-C (a notebook's "interrupt") stops the chains after their current
iteration and raises KeyboardInterrupt."""
import ctypes
import os
import sys
import threading
import time

import numpy as np

from . import _lib
from ._data import to_json
from ._lib import Error, UrnError, dptr
from .model import Model, Variable, column_major

_SAMPLE, _OPTIMIZE, _PATHFINDER, _VARIATIONAL = 0, 1, 5, 6
_MSG_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_char_p)
_ROW_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.c_double),
                           ctypes.c_size_t)
_PROG_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int)
_MSG_KINDS = ("info", "warning", "rejection", "draw failed", "error")


class _Callbacks(ctypes.Structure):
    """urn_run_callbacks (include/urn/run.h)."""
    _fields_ = [("ctx", ctypes.c_void_p), ("row", _ROW_FN), ("progress", _PROG_FN), ("message", _MSG_FN)]


_declared = False


def _declare():
    """Prototypes of include/urn/run.h (declared on first use, so that the rest of
    the package works with a library built before the run layer)."""
    global _declared
    if _declared:
        return _lib.lib()
    h = _lib.lib()
    if not hasattr(h, "urn_run_new"):
        raise UrnError("urn: sampling and optimization need the run layer (include/urn/run.h), which %s lacks: "
                       "rebuild it from a newer urn" % _lib.library_path())
    P, I, S, D, E = ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t, ctypes.c_double, ctypes.POINTER(Error)
    cp, dp = ctypes.c_char_p, ctypes.POINTER(ctypes.c_double)
    f = _lib._fn
    f(h, "urn_run_config_new", P, I)
    f(h, "urn_run_config_free", None, P)
    f(h, "urn_run_config_set", I, P, cp, cp, E)
    f(h, "urn_run_new", P, P, P, E)
    f(h, "urn_run_free", None, P)
    f(h, "urn_run_set_callbacks", None, P, ctypes.POINTER(_Callbacks))
    f(h, "urn_run_set_init", I, P, I, dp, E)
    f(h, "urn_run_set_init_json", I, P, I, cp, S, cp, E)
    f(h, "urn_run_output_csv", I, P, I, cp, E)
    f(h, "urn_run_execute", I, P, E)
    f(h, "urn_run_stop", None, P)
    f(h, "urn_run_num_cols", S, P)
    f(h, "urn_run_num_method_cols", S, P)
    f(h, "urn_run_col_name", cp, P, S)
    f(h, "urn_run_num_chains", I, P)
    f(h, "urn_run_progress", I, P, I)
    f(h, "urn_run_num_rows", S, P, I)
    f(h, "urn_run_num_warmup_rows", S, P, I)
    f(h, "urn_run_draws", dp, P, I)
    f(h, "urn_run_chain_status", I, P, I)
    f(h, "urn_run_chain_message", cp, P, I)
    f(h, "urn_run_stepsize", D, P, I)
    f(h, "urn_run_inv_metric", S, P, I, dp, S)
    f(h, "urn_run_iterations", I, P)
    f(h, "urn_run_stop_reason", cp, P)
    if hasattr(h, "urn_run_num_gradients"):
        f(h, "urn_run_num_gradients", ctypes.c_longlong, P)
        f(h, "urn_run_num_log_densities", ctypes.c_longlong, P)
        f(h, "urn_run_pareto_k", D, P)
    _declared = True
    return h


class _Run:
    """One run of the run layer: settings, inputs, execution with progress, results."""

    def __init__(self, model, method, settings):
        self.lib = _declare()
        self.model = model
        self.cfg = self.lib.urn_run_config_new(method)
        self.ptr = None
        self._done = None  # set when the run's worker thread has finished
        self.messages = []
        err = Error()
        try:
            for name, value in settings:
                if value is None:
                    continue
                if isinstance(value, bool):
                    value = int(value)
                rc = self.lib.urn_run_config_set(self.cfg, name.encode(), str(value).encode(), ctypes.byref(err))
                err.raise_for(rc, "urn")
            self.ptr = self.lib.urn_run_new(model._ptr, self.cfg, ctypes.byref(err))
            if not self.ptr:
                err.raise_for(err.code or 2, "urn")
        except BaseException:
            self.close()
            raise
        self._cb = _Callbacks(None, _ROW_FN(), _PROG_FN(), _MSG_FN(self._on_message))
        self.lib.urn_run_set_callbacks(self.ptr, ctypes.byref(self._cb))

    def _on_message(self, ctx, chain, kind, text):
        self.messages.append((chain, _MSG_KINDS[kind] if 0 <= kind < len(_MSG_KINDS) else str(kind),
                              text.decode("utf-8", "replace")))

    def close(self):
        self._finish_thread()
        if self.ptr:
            self.lib.urn_run_free(self.ptr)
            self.ptr = None
        if self.cfg:
            self.lib.urn_run_config_free(self.cfg)
            self.cfg = None

    def __del__(self):
        self.close()

    def set_inits(self, init, chains):
        """init: None / a number (radius, set as a setting) / dict / list of dicts or arrays / array."""
        if init is None or isinstance(init, (int, float, str)):
            return
        per_chain = isinstance(init, (list, tuple)) and init and isinstance(init[0], (dict, list, tuple, np.ndarray))
        items = list(init) if per_chain else [init]
        if per_chain and len(items) != chains:
            raise ValueError("init has %d entries, but there are %d chains" % (len(items), chains))
        err = Error()
        for c, item in enumerate(items):
            chain = c if per_chain else -1
            if isinstance(item, dict):
                text = to_json(item).encode()
                rc = self.lib.urn_run_set_init_json(self.ptr, chain, text, len(text), b"init", ctypes.byref(err))
            else:
                th = self.model._theta(item, "init")
                rc = self.lib.urn_run_set_init(self.ptr, chain, dptr(th), ctypes.byref(err))
            err.raise_for(rc, "init")

    def execute(self, progress_total=None, show=None, desc="sampling"):
        """Runs on a worker thread, polling progress; Ctrl-C stops the run."""
        err = Error()
        box = {}

        done = threading.Event()

        def work():
            try:
                box["rc"] = self.lib.urn_run_execute(self.ptr, ctypes.byref(err))
            finally:
                done.set()
        bar = _bar(progress_total, show, desc) if progress_total else None
        interrupted = False
        self._done = done
        try:
            threading.Thread(target=work, name="urn-run", daemon=True).start()
            while not done.wait(0.1):
                if bar is not None:
                    n_done = sum(self.lib.urn_run_progress(self.ptr, c) for c in range(self.lib.urn_run_num_chains(self.ptr)))
                    bar.update(max(0, n_done - bar.n))
        except KeyboardInterrupt:
            interrupted = True
        finally:
            self._finish_thread()
            if bar is not None:
                bar.close()
        rc = box.get("rc", 6)
        self._report_messages()
        if interrupted:
            raise KeyboardInterrupt("urn: the run was stopped; the output files hold the draws made so far")
        if rc and rc != 6:
            err.raise_for(rc, "urn")
        return rc

    def _finish_thread(self):
        """Stops the run if its thread still runs, and waits for it (the run must
        outlive its thread, whatever interrupts the caller)."""
        done = getattr(self, "_done", None)
        if done is None:
            return
        while not done.is_set():
            try:
                if self.ptr:
                    self.lib.urn_run_stop(self.ptr)
                done.wait(0.5)
            except KeyboardInterrupt:
                continue
        self._done = None

    def _report_messages(self):
        """Prints the run's warnings to stderr once each (all messages stay in Fit.messages)."""
        shown = set()
        for chain, kind, text in self.messages:
            if kind in ("warning", "draw failed") and (kind, text) not in shown:
                shown.add((kind, text))
                if len(shown) <= 10:
                    print("urn: %s%s: %s" % ("chain %d: " % (chain + 1) if chain >= 0 else "", kind, text),
                          file=sys.stderr)

    def columns(self):
        return [self.lib.urn_run_col_name(self.ptr, j).decode() for j in range(self.lib.urn_run_num_cols(self.ptr))]

    def rows(self, chain):
        n, C = self.lib.urn_run_num_rows(self.ptr, chain), self.lib.urn_run_num_cols(self.ptr)
        p = self.lib.urn_run_draws(self.ptr, chain)
        if not p or n == 0:
            return np.zeros((0, C))
        return np.ctypeslib.as_array(p, shape=(n * C,)).reshape(n, C).copy()


def _bar(total, show, desc):
    if show is False:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    if show is None and not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()) and "ipykernel" not in sys.modules:
        return None
    return tqdm(total=total, desc=desc, unit="it")


def shapes_from_names(names):
    """{variable: shape} from Stan CSV column names ("theta.2.3"): the largest index in each position."""
    shapes = {}
    for n in names:
        base, *idx = n.split(".")
        try:
            idx = [int(i) for i in idx]
        except ValueError:  # not an index (e.g. complex "z.real"): a column of its own
            base, idx = n, []
        old = shapes.get(base)
        shapes[base] = tuple(max(a, b) for a, b in zip(old, idx)) if old and len(old) == len(idx) else tuple(idx)
    return shapes


def _model_split(model, names, values):
    """{variable: ndarray[chain, draw, *dims]} from the model's columns of
    values[chain, draw, col]; each column goes where its name's indices say
    (shapes from the model, or from the names when model is None)."""
    shapes = model.dims if model is not None else shapes_from_names(names)
    M, N = values.shape[:2]
    out = {}
    for j, n in enumerate(names):
        base, *idx = n.split(".")
        if base not in shapes or len(idx) != len(shapes[base]) or not all(i.isdigit() for i in idx):
            base, idx = n, []
        shape = shapes.get(base, ()) if idx else ()
        if base not in out:
            out[base] = np.zeros((M, N) + shape)
        out[base][(slice(None), slice(None)) + tuple(int(i) - 1 for i in idx)] = values[:, :, j]
    return out


class Fit:
    """The draws of a sampling run (:meth:`urn.Model.sample`).

    ``draws``: {name: ndarray[chain, draw, *dims]} of every parameter,
    transformed parameter and generated quantity (post-warmup);
    ``sampler``: {"lp__", "accept_stat__", "stepsize__", "treedepth__",
    "n_leapfrog__", "divergent__", "energy__": ndarray[chain, draw]};
    ``warmup_draws`` / ``warmup_sampler`` likewise when run with
    ``save_warmup=True``; ``stepsize`` and ``inv_metric`` per chain (the
    adapted values); ``output_files`` (the Stan CSV files, when written);
    ``messages``: the run's (chain, kind, text) messages -- warnings (also
    printed), the first rejection of each kind, information lines.
    ``fit["mu"]`` is ``fit.draws["mu"]``.
    """

    def __init__(self, model, columns, n_method, post, warm, stepsize, inv_metric, config, output_files, max_depth,
                 messages=()):
        self.model = model
        self.messages = list(messages)
        self.columns = columns
        self.config = config
        self.output_files = output_files
        self.stepsize = stepsize
        self.inv_metric = inv_metric
        self._max_depth = max_depth
        self._array = post
        mnames, snames = columns[n_method:], columns[:n_method]
        self.sampler = {n: np.ascontiguousarray(post[:, :, j]) for j, n in enumerate(snames)}
        self.draws = _model_split(model, mnames, post[:, :, n_method:])
        self.warmup_sampler = {n: np.ascontiguousarray(warm[:, :, j]) for j, n in enumerate(snames)} if warm is not None else None
        self.warmup_draws = _model_split(model, mnames, warm[:, :, n_method:]) if warm is not None else None

    @property
    def chains(self):
        """Number of chains."""
        return self._array.shape[0]

    @property
    def num_draws(self):
        """Post-warmup draws per chain."""
        return self._array.shape[1]

    def __getitem__(self, name):
        return self.draws[name] if name in self.draws else self.sampler[name]

    def __repr__(self):
        return "urn.Fit(%s: %d chains x %d draws; %s)" % (self.model.name if self.model else "Stan CSV", self.chains,
                                                          self.num_draws, ", ".join(self.draws) or "no variables")

    def draws_array(self):
        """(column names, ndarray[chain, draw, column]): the Stan CSV columns
        (sampler columns first), as the chains' CSV files hold them."""
        return list(self.columns), self._array

    def _summary_input(self):
        d = dict(self.sampler)
        d.update(self.draws)
        return d, self._max_depth

    def summary(self, **kw):
        """The summary table as a pandas DataFrame (the columns of ``urn summary
        --csv``); ``fmt="table"`` gives the printed table.  Options as
        :func:`urn.summarize`."""
        from .summary import summarize
        return summarize(self, **kw)

    def divergences(self):
        """Divergent transitions after warmup, per chain."""
        return self.sampler["divergent__"].sum(axis=1).astype(int) if "divergent__" in self.sampler else None

    def to_arviz(self):
        """An ArviZ InferenceData: ``posterior`` (the draws), ``sample_stats``
        (the sampler columns under ArviZ's names: lp, acceptance_rate,
        step_size, tree_depth, n_steps, diverging, energy) and, when saved,
        ``warmup_posterior`` / ``warmup_sample_stats`` -- the groups and names
        ``az.from_cmdstanpy`` gives for the same run."""
        import arviz as az
        rename = {"lp__": "lp", "accept_stat__": "acceptance_rate", "stepsize__": "step_size",
                  "treedepth__": "tree_depth", "n_leapfrog__": "n_steps", "divergent__": "diverging",
                  "energy__": "energy"}

        def stats(s):
            out = {}
            for k, v in s.items():
                name = rename.get(k, k.rstrip("_"))
                out[name] = v.astype(bool) if name == "diverging" else (v.astype(np.int64) if name in ("tree_depth", "n_steps") else v)
            return out
        kw = {"posterior": self.draws, "sample_stats": stats(self.sampler)}
        if self.warmup_draws is not None:
            kw.update(warmup_posterior=self.warmup_draws, warmup_sample_stats=stats(self.warmup_sampler),
                      save_warmup=True)
        dims = {name: ["%s_dim_%d" % (name, i) for i in range(v.ndim - 2)] for name, v in self.draws.items()}
        return az.from_dict(dims=dims, attrs={"inference_library": "urn", "inference_library_version": _lib.lib().urn_version().decode()},
                            **kw)


class OptimizeResult:
    """The result of :meth:`urn.Model.optimize`: ``params`` ({name: ndarray}
    at the optimum: parameters, transformed parameters, generated
    quantities), ``lp`` (the objective: the log density, with the Jacobian
    when ``jacobian=True``), ``iterations``, ``reason`` (the convergence rule
    that held), ``theta`` (the unconstrained optimum) and ``iterates`` (with
    ``save_iterations=True``: {name: ndarray[iteration, *dims]})."""

    def __init__(self, model, columns, rows, iterations, reason):
        self.model = model
        self.lp = float(rows[-1, 0])
        one = _model_split(model, columns[1:], rows[None, -1:, 1:])
        self.params = {k: v[0, 0] for k, v in one.items()}
        self.iterations = iterations
        self.reason = reason
        self.iterates = {k: v[0] for k, v in _model_split(model, columns[1:], rows[None, :, 1:]).items()} \
            if rows.shape[0] > 1 else None
        n_p = model.num_params()
        self.theta = model.unconstrain(rows[-1, 1:1 + n_p]) if n_p else np.zeros(0)

    def __getitem__(self, name):
        return self.params[name]

    def __repr__(self):
        return "urn.OptimizeResult(lp=%.6g, %d iterations, %s)" % (self.lp, self.iterations, self.reason)


def read_csv(paths, model=None):
    """A :class:`Fit` from Stan CSV files, one per chain (``urn sample``'s or
    CmdStan's output): draws, sampler columns, saved warmup rows, step sizes
    and diagonal inverse metrics, for ``summary()`` and ``to_arviz()``.
    Shapes come from ``model`` when given, else from the column names."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    chains, warm, steps, metrics, header = [], [], [], [], None
    for p in paths:
        names, rows, wrows, step, metric, after = None, [], [], float("nan"), None, False
        with open(p) as f:
            lines = f.read().splitlines()
        for k, line in enumerate(lines):
            if line.startswith("#"):
                t = line[1:].strip()
                if t.startswith("Adaptation terminated"):
                    wrows, rows, after = rows, [], True
                elif t.startswith("Step size ="):
                    step = float(t.split("=")[1])
                elif "inverse mass matrix" in t and k + 1 < len(lines) and "Diagonal" in t:
                    metric = np.array([float(v) for v in lines[k + 1].lstrip("# ").split(",")])
                continue
            if not line.strip():
                continue
            if names is None:
                names = line.split(",")
                continue
            rows.append([float(v) for v in line.split(",")])
        if names is None:
            raise UrnError("%s: no header line: not a Stan CSV file" % p)
        if header is not None and names != header:
            raise UrnError("%s: its columns differ from %s's: chains must have the same columns" % (p, paths[0]))
        header = names
        chains.append(np.array(rows, dtype=np.float64).reshape(len(rows), len(names)))
        warm.append(np.array(wrows, dtype=np.float64).reshape(len(wrows), len(names)) if after else None)
        steps.append(step)
        metrics.append(metric)
    n = min(len(c) for c in chains)
    if any(len(c) != n for c in chains):
        raise UrnError("the chains have different numbers of draws: %s" % [len(c) for c in chains])
    n_method = sum(1 for c in header if c.endswith("__"))
    w = warm[0] if all(x is not None and len(x) == len(warm[0]) for x in warm) and len(warm[0]) else None
    return Fit(model, header, n_method, np.stack(chains), np.stack(warm) if w is not None else None, np.array(steps),
               metrics, {"files": list(paths)}, list(paths), 10)


def _init_setting(init):
    if isinstance(init, (int, float)) and not isinstance(init, bool):
        return [("init", init)]
    if isinstance(init, str):
        if init == "mode" or init.startswith("mode:"):
            return [("init_mode", init.split(":")[1] if ":" in init else 8)]
        if init == "pathfinder":
            return [("init_pathfinder", 1), ("tol_rel_grad", 10)]
        raise ValueError("init must be a number (radius), a dict of values, a list of them (per chain), an "
                         "unconstrained vector, 'mode' / 'mode:S', or 'pathfinder'")
    return []


def sample(model, *, chains=4, warmup=None, draws=1000, seed=1, thin=1, save_warmup=False, adapt_delta=None,
           max_depth=None, metric=None, adapt=None, init=None, threads=None, output_dir=None, sig_figs=None,
           progress=None, **settings):
    """:meth:`urn.Model.sample`."""
    if threads is None:
        threads = max(1, min(int(chains), os.cpu_count() or 1))
    if adapt not in (None, "stan", "fisher"):
        raise ValueError("adapt must be 'stan' or 'fisher'")
    if metric == "lowrank" and adapt == "stan":
        raise ValueError("metric='lowrank' is adapted by the Fisher divergence only (not with adapt='stan')")
    # as urn sample: the Fisher divergence adapts a low-rank metric by default (400 warmup iterations), a diagonal or
    # dense one with metric= (300); adapt="stan" (or metric="unit" without adapt) is Stan's; a Pathfinder start
    if metric == "lowrank" or (metric is None and adapt is None):
        scheme = "lowrank"
    elif adapt == "stan" or (adapt is None and metric in ("unit", "unit_e")):
        scheme = None
    else:
        scheme = "fisher"
    if warmup is None:
        warmup = 400 if scheme == "lowrank" else 300 if scheme else 1000
    metric_name = {None: None, "lowrank": None, "diag": "diag_e", "dense": "dense_e", "unit": "unit_e"}.get(metric,
                                                                                                            metric)
    cfg = [("num_chains", chains), ("num_warmup", warmup), ("num_samples", draws), ("seed", seed), ("thin", thin),
           ("save_warmup", save_warmup), ("delta", adapt_delta), ("max_depth", max_depth), ("metric", metric_name),
           ("adapt_scheme", scheme), ("num_threads", threads), ("sig_figs", sig_figs),
           ("refresh", 0 if output_dir is None else None)]
    cfg += _init_setting(init)
    if scheme and init is None:
        cfg += [("init_pathfinder", 2), ("tol_rel_grad", 10), ("num_paths", 8)]
    cfg += list(settings.items())
    run = _Run(model, _SAMPLE, cfg)
    try:
        run.set_inits(init, int(chains))
        files = []
        if output_dir is not None:
            os.makedirs(output_dir, exist_ok=True)
            err = Error()
            for c in range(int(chains)):
                path = os.path.join(output_dir, "%s-%d.csv" % (model.name, c + 1))
                rc = run.lib.urn_run_output_csv(run.ptr, c, path.encode(), ctypes.byref(err))
                err.raise_for(rc, "output")
                files.append(path)
        run.execute(int(chains) * (int(warmup) + int(draws)), progress, "sampling")
        columns = run.columns()
        n_method = run.lib.urn_run_num_method_cols(run.ptr)
        post, warm = [], []
        for c in range(int(chains)):
            rows = run.rows(c)
            nw = run.lib.urn_run_num_warmup_rows(run.ptr, c)
            warm.append(rows[:nw])
            post.append(rows[nw:])
        n_post = min(len(p) for p in post)
        post_arr = np.stack([p[:n_post] for p in post])
        warm_arr = np.stack(warm) if save_warmup and warm and all(len(w) == len(warm[0]) for w in warm) else None
        n_unc = model.num_unconstrained
        steps = np.array([run.lib.urn_run_stepsize(run.ptr, c) for c in range(int(chains))])
        metrics = []
        for c in range(int(chains)):
            buf = np.zeros(max(1, n_unc * n_unc))
            k = run.lib.urn_run_inv_metric(run.ptr, c, dptr(buf), buf.size)
            metrics.append(buf[:k].reshape(n_unc, n_unc) if k == n_unc * n_unc and n_unc > 1 else buf[:k])
        return Fit(model, columns, n_method, post_arr, warm_arr, steps, metrics, dict(cfg), files or None,
                   max_depth or 10, run.messages)
    finally:
        run.close()


def optimize(model, *, algorithm="lbfgs", jacobian=False, init=None, seed=1, iter=None, save_iterations=False,
             **settings):
    """:meth:`urn.Model.optimize`."""
    cfg = [("algorithm", algorithm), ("jacobian", jacobian), ("seed", seed), ("iter", iter),
           ("save_iterations", save_iterations), ("refresh", 0)]
    cfg += _init_setting(init)
    cfg += list(settings.items())
    run = _Run(model, _OPTIMIZE, cfg)
    try:
        run.set_inits(init, 1)
        run.execute()
        reason = run.lib.urn_run_stop_reason(run.ptr)
        return OptimizeResult(model, run.columns(), run.rows(0), run.lib.urn_run_iterations(run.ptr),
                              reason.decode() if reason else "")
    finally:
        run.close()


class ApproxResult:
    """The result of :meth:`urn.Model.pathfinder` and :meth:`urn.Model.variational`:
    ``draws`` ({name: ndarray[draw, *dims]}: parameters, transformed parameters,
    generated quantities), ``lp`` (the log density at each draw; NaN when not
    computed), ``lp_approx`` (the approximation's log density: Pathfinder's
    normalized ``lp_approx__``, ADVI's ``log_g__`` = -z'z/2), ``mean`` (ADVI:
    {name: ndarray} at the approximation's mean; None for Pathfinder),
    ``method``, ``gradients`` and ``log_densities`` (evaluations made),
    ``pareto_k`` (Pathfinder's PSIS k-hat, NaN without resampling),
    ``iterations`` and ``reason`` (ADVI: "converged" or "maximum iterations")."""

    def __init__(self, model, method, columns, rows, lib, ptr):
        self.model, self.method = model, method
        first = 1 if method == "variational" else 0
        n_m = 3 if method == "variational" else 2
        self.draws = {k: v[0] for k, v in _model_split(model, columns[n_m:], rows[None, first:, n_m:]).items()}
        self.mean = ({k: v[0, 0] for k, v in _model_split(model, columns[n_m:], rows[None, :1, n_m:]).items()}
                     if first else None)
        self.lp = rows[first:, 1].copy()
        self.lp_approx = rows[first:, 2 if first else 0].copy()
        have = hasattr(lib, "urn_run_num_gradients")
        self.gradients = int(lib.urn_run_num_gradients(ptr)) if have else None
        self.log_densities = int(lib.urn_run_num_log_densities(ptr)) if have else None
        self.pareto_k = float(lib.urn_run_pareto_k(ptr)) if have else float("nan")
        self.iterations = lib.urn_run_iterations(ptr)
        reason = lib.urn_run_stop_reason(ptr)
        self.reason = reason.decode() if reason else ""

    def __getitem__(self, name):
        return self.draws[name]

    def __repr__(self):
        n = len(self.lp)
        return "urn.ApproxResult(%s, %d draws, %s gradient evaluations)" % (self.method, n, self.gradients)


def _approx(model, method, cfg, init, output_file):
    run = _Run(model, _PATHFINDER if method == "pathfinder" else _VARIATIONAL, cfg)
    try:
        run.set_inits(init, 1)
        if output_file is not None:
            err = Error()
            rc = run.lib.urn_run_output_csv(run.ptr, 0, str(output_file).encode(), ctypes.byref(err))
            err.raise_for(rc, "output")
        run.execute()
        return ApproxResult(model, method, run.columns(), run.rows(0), run.lib, run.ptr)
    finally:
        run.close()


def _model_pathfinder(self, *, num_paths=4, draws=1000, seed=1, init=None, psis_resample=True, output_file=None,
                      tol_rel_grad=10, **settings):
    """Pathfinder (Zhang et al. 2022), as ``urn pathfinder`` and CmdStan's
    pathfinder method: ``num_paths`` L-BFGS paths, each giving ``draws`` draws
    from its best normal approximation, resampled by PSIS to ``draws`` when
    there are several (``psis_resample=False``: every path's draws).
    ``seed``, ``init`` (a radius or a dict of values), ``output_file`` (also
    write the Stan CSV), and CmdStan's pathfinder arguments by name
    (``history_size=10``, ``num_elbo_draws=50``).  ``tol_rel_grad`` is 10
    (as ``urn pathfinder``; CmdStan's 1e7 stops L-BFGS early on badly scaled
    posteriors).  Returns an :class:`ApproxResult`."""
    cfg = [("num_paths", num_paths), ("num_draws", draws), ("num_psis_draws", draws), ("seed", seed),
           ("psis_resample", psis_resample), ("tol_rel_grad", tol_rel_grad), ("refresh", 0)]
    cfg += _init_setting(init) + list(settings.items())
    return _approx(self, "pathfinder", cfg, init, output_file)


def _model_variational(self, *, algorithm="meanfield", draws=1000, seed=1, init=None, output_file=None, **settings):
    """ADVI (Kucukelbir et al. 2017), as ``urn variational`` and CmdStan's
    variational method: ``algorithm`` "meanfield" or "fullrank", ``draws``
    (CmdStan's output_samples), ``seed``, ``init``, ``output_file``, and
    CmdStan's variational arguments by name (``iter=20000``, ``eta=0.1``,
    ``tol_rel_obj=0.001``, ``adapt_engaged=False``).  Returns an
    :class:`ApproxResult` whose ``mean`` is the approximation's mean."""
    settings = {("adapt engaged" if k == "adapt_engaged" else "adapt iter" if k == "adapt_iter" else k): v
                for k, v in settings.items()}
    cfg = [("algorithm", algorithm), ("output_samples", draws), ("seed", seed), ("refresh", 0)]
    cfg += _init_setting(init) + list(settings.items())
    return _approx(self, "variational", cfg, init, output_file)


def _model_sample(self, **kw):
    """Draws from the posterior with NUTS (the run layer of ``urn sample``; the
    same seed gives the same draws, bit for bit).

    ``chains`` (4), ``warmup`` (400; 300 with ``metric="diag"`` or
    ``"dense"``, 1000 with ``adapt="stan"``), ``draws`` (1000) per chain,
    ``seed`` (1), ``thin``, ``save_warmup``, ``adapt_delta`` (0.8),
    ``max_depth`` (10), ``metric`` ("lowrank", the default as in ``urn
    sample``: low rank plus diagonal, "diag", "dense" or "unit"), ``adapt``
    ("fisher", the default: the metric minimizes the Fisher divergence of
    draws and gradients, and chains start from Pathfinder draws unless
    ``init`` is given; or "stan": Stan's algorithm and adaptation, its draws
    for a seed; ``metric="unit"`` without ``adapt`` is Stan's too), ``init`` (a radius, a dict of
    values, one per chain in a list, an unconstrained vector, "mode:S" for
    the best of S L-BFGS modes, or "pathfinder" for Pathfinder draws), ``threads`` (default: one per chain up to the
    cores; results do not depend on it), ``output_dir`` (also write the Stan
    CSV files ``<model>-<chain>.csv`` there), ``sig_figs`` (of those files),
    ``progress`` (a tqdm bar; default in notebooks and terminals); any other
    CmdStan sample argument by name (``stepsize=0.5``, ``init_buffer=100``).
    Returns a :class:`Fit`.  Ctrl-C stops the chains after their current
    iteration and raises KeyboardInterrupt."""
    return sample(self, **kw)


def _model_optimize(self, **kw):
    """The posterior mode (``jacobian=True``) or the penalized maximum
    likelihood estimate (default), by L-BFGS (``algorithm="bfgs"`` or
    ``"newton"`` too): ``urn optimize``'s run layer.  ``init``, ``seed``,
    ``iter``, ``save_iterations`` and CmdStan's optimize arguments by name
    (``tol_rel_grad=1e5``).  Returns an :class:`OptimizeResult`."""
    return optimize(self, **kw)


Model.sample = _model_sample
Model.optimize = _model_optimize
Model.pathfinder = _model_pathfinder
Model.variational = _model_variational
