"""urn.summary -- the summary table of draws (mean, MCSE, sd, quantiles, ESS,
R-hat, HDI) exactly as ``urn summary`` computes and prints it: the same C code
(urn_summary_print in include/urn/diag.h), so the numbers are R's ``posterior``
package's."""
import ctypes
import io

import numpy as np

from . import _lib
from ._lib import Error, UrnError


class _Draws(ctypes.Structure):
    """urn_draws (include/urn/diag.h)."""
    _fields_ = [("n_chains", ctypes.c_size_t), ("n_draws", ctypes.c_size_t), ("n_cols", ctypes.c_size_t),
                ("names", ctypes.POINTER(ctypes.c_char_p)), ("draws", ctypes.POINTER(ctypes.POINTER(ctypes.c_double))),
                ("max_depth", ctypes.POINTER(ctypes.c_int)), ("chain_labels", ctypes.POINTER(ctypes.c_char_p))]


class _Options(ctypes.Structure):
    """urn_summary_options (include/urn/diag.h)."""
    _fields_ = [("format", ctypes.c_int), ("percentiles", ctypes.POINTER(ctypes.c_double)),
                ("n_percentiles", ctypes.c_size_t), ("use_hdi", ctypes.c_int), ("hdi_prob", ctypes.c_double),
                ("sig_figs", ctypes.c_int), ("vars", ctypes.POINTER(ctypes.c_char_p)), ("n_vars", ctypes.c_size_t),
                ("diagnostics", ctypes.c_int)]


def flatten(draws):
    """(column names, array[chain, draw, column]) from {name: ndarray[chain,
    draw, *dims]}: a variable's columns are named as in Stan CSV ("theta.2.1")
    in column-major order."""
    names, cols = [], []
    shape = None
    for name, a in draws.items():
        a = np.asarray(a, dtype=np.float64)
        if a.ndim < 2:
            raise ValueError("draws[%r] must have at least the dimensions (chain, draw), not shape %s" % (name, a.shape))
        if shape is None:
            shape = a.shape[:2]
        elif a.shape[:2] != shape:
            raise ValueError("draws[%r] has %d chains x %d draws, but the first variable has %d x %d"
                             % ((name,) + a.shape[:2] + shape))
        dims = a.shape[2:]
        if not dims:
            names.append(name)
            cols.append(a[:, :, None])
            continue
        # column-major: the first index varies fastest
        flat = a.transpose((0, 1) + tuple(range(a.ndim - 1, 1, -1))).reshape(a.shape[:2] + (-1,))
        for idx in np.ndindex(*reversed(dims)):
            names.append(name + "".join(".%d" % (i + 1) for i in reversed(idx)))
        cols.append(flat)
    if shape is None:
        raise ValueError("no draws to summarize")
    return names, np.ascontiguousarray(np.concatenate(cols, axis=2))


def summarize(draws, *, percentiles=None, hdi=None, variables=None, sig_figs=3, fmt="frame", max_depth=None,
              diagnostics=True):
    """The summary of ``draws`` ({name: ndarray[chain, draw, *dims]}, or a
    :class:`urn.Fit`) as ``urn summary`` gives it.

    ``fmt="frame"`` (default): a pandas DataFrame indexed by the Stan CSV name
    ("theta.1") with the columns of ``urn summary --csv``: mean, mcse_mean, sd,
    mcse_sd, q5, q50, q95, median, mad, mcse_q5, mcse_q95, ess_bulk, ess_tail,
    ess_basic, rhat, rhat_basic, hdi_low, hdi_high, and ``qP`` for extra
    ``percentiles``.  ``fmt="table"``: the text table ``urn summary`` prints,
    sampler diagnostics included.  ``hdi`` is the HDI probability (0.94);
    ``variables`` limits the rows ("theta" selects theta.1, theta.2, ...).
    Sampler columns ("lp__", "divergent__", ...) are summarized as urn does.
    """
    if hasattr(draws, "_summary_input"):
        draws, max_depth = draws._summary_input()
    names, arr = flatten(draws)
    M, N, C = arr.shape
    lib = _lib.lib()
    cnames = (ctypes.c_char_p * C)(*[n.encode() for n in names])
    rows = [np.ascontiguousarray(arr[c]) for c in range(M)]
    ptrs = (ctypes.POINTER(ctypes.c_double) * M)(*[_lib.dptr(r) for r in rows])
    d = _Draws(M, N, C, cnames, ptrs, None, None)
    if max_depth is not None:
        md = (ctypes.c_int * M)(*([int(max_depth)] * M if np.ndim(max_depth) == 0 else [int(v) for v in max_depth]))
        d.max_depth = md
    opt = _Options()
    lib.urn_summary_options_init(ctypes.byref(opt))
    opt.format = 0 if fmt == "table" else 1
    if percentiles is not None:
        pc = (ctypes.c_double * len(percentiles))(*[float(p) for p in percentiles])
        opt.percentiles, opt.n_percentiles = pc, len(percentiles)
    if hdi is not None:
        opt.use_hdi, opt.hdi_prob = 1, float(hdi)
    opt.sig_figs = int(sig_figs)
    opt.diagnostics = int(bool(diagnostics))
    if variables is not None:
        if isinstance(variables, str):
            variables = [variables]
        vs = (ctypes.c_char_p * len(variables))(*[v.encode() for v in variables])
        opt.vars, opt.n_vars = vs, len(variables)
    err = Error()
    rc, text = _lib.capture_file(lambda f: lib.urn_summary_print(f, ctypes.byref(d), ctypes.byref(opt),
                                                                 ctypes.byref(err)))
    err.raise_for(rc, "summary")
    if fmt == "table":
        return text
    if fmt != "frame":
        raise ValueError('fmt must be "frame" or "table", not %r' % fmt)
    import pandas as pd
    return pd.read_csv(io.StringIO(text), index_col="name", keep_default_na=False, na_values=["NA"],
                       float_precision="round_trip")


__all__ = ["summarize", "flatten", "UrnError"]
