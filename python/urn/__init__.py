"""urn: Bayesian modeling in Python on urn's C library -- Stan models without a
compile step, NUTS, optimization, HMMs and GLM-HMMs by EM, diagnostics.

A thin ctypes layer over liburn.so, numpy arrays in and out:

* :class:`Model` -- a Stan program with data: ``log_density`` (gradient,
  Hessian), ``constrain`` / ``unconstrain``, names and dims, ``sample()``
  (NUTS, a low-rank metric adapted by the Fisher divergence) and ``optimize()`` (L-BFGS);
* :class:`Fit` -- a sampling run: ``draws`` as ``{name: ndarray[chain, draw,
  *dims]}``, ``summary()`` (a pandas DataFrame, the columns of ``urn
  summary``), ``to_arviz()``;
* :func:`read_csv` -- a :class:`Fit` from Stan CSV files (``urn sample``'s or CmdStan's);
* :func:`summarize` -- the summary of any draws;
* :mod:`urn.hmm` -- HMMs and GLM-HMMs: ``fit``, ``loglik``, ``states``
  (Viterbi), ``posterior`` (smoothed probabilities), ``sample``, ``align``;
* :class:`UrnError` -- every error urn reports, with its message.

>>> import urn
>>> m = urn.Model("model.stan", data={"N": 3, "y": [1.0, 2.0, 4.0]})
>>> fit = m.sample(chains=4, seed=1)
>>> fit.summary()
>>> fit.draws["mu"].shape          # (4, 1000)

The package finds liburn.so by :func:`set_library`, ``$URN_LIBRARY``, the copy
``pip install ./python`` puts in the package, the repository's ``build/``, or
the system library path (docs/python.md).
"""
from ._lib import UrnError, library_path, set_library
from ._version import __version__
from .model import Model, Rng, Variable
from .summary import summarize
from . import hmm

from .fit import ApproxResult, Fit, OptimizeResult, read_csv


def version():
    """The version of the loaded liburn.so, e.g. "0.1.0"."""
    from . import _lib
    return _lib.lib().urn_version().decode()


__all__ = ["Model", "Fit", "OptimizeResult", "ApproxResult", "read_csv", "Rng", "Variable", "UrnError", "summarize", "hmm", "version",
           "set_library", "library_path"]
