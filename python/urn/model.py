"""urn.model -- a Stan program with its data: log density, gradient, Hessian,
constrain/unconstrain, names and dimensions, and (urn.fit) sampling and
optimization.  A thin layer over include/urn/model.h."""
import ctypes
import os

import numpy as np

from . import _lib
from ._data import data_source, to_json
from ._lib import Error, UrnError, dptr


def column_major(cols, shape):
    """Reshapes (n, prod(shape)) values stored column-major (Stan's order:
    first index fastest) to (n, *shape)."""
    n = cols.shape[0]
    if not shape:
        return cols.reshape(n)
    return cols.reshape((n,) + tuple(reversed(shape))).transpose((0,) + tuple(range(len(shape), 0, -1)))


class Rng:
    """A random number generator for generated quantities: stream ``stream`` of
    ``seed`` (urn's xoshiro256++; chain c of a run uses stream c - 1).  Pass it
    to :meth:`Model.constrain` to continue one stream over many calls.  Not
    thread-safe: one per thread."""

    def __init__(self, seed=1, stream=0):
        self._lib = _lib.lib()
        self._ptr = self._lib.urn_rng_new(int(seed) & (2**64 - 1), int(stream))
        if not self._ptr:
            raise MemoryError("urn: cannot allocate a random number generator")

    def __del__(self):
        ptr, self._ptr = getattr(self, "_ptr", None), None
        if ptr and self._lib is not None:
            self._lib.urn_rng_free(ptr)


class Variable:
    """One output variable of a model: ``name``, ``block`` ("parameters",
    "transformed parameters" or "generated quantities") and ``shape`` (array
    dimensions, then rows and columns; () for a scalar)."""

    BLOCKS = ("parameters", "transformed parameters", "generated quantities")

    def __init__(self, name, block, shape):
        self.name, self.block, self.shape = name, block, tuple(shape)

    @property
    def size(self):
        """Number of scalar values."""
        return int(np.prod(self.shape)) if self.shape else 1

    def __repr__(self):
        return "Variable(%r, %r, shape=%r)" % (self.name, self.block, self.shape)


def _native_cache():
    """The CLI's cache folder of compiled models: $XDG_CACHE_HOME/urn, else $HOME/.cache/urn, else
    /tmp/urn-cache-UID."""
    xdg, home = os.environ.get("XDG_CACHE_HOME"), os.environ.get("HOME")
    if xdg:
        return xdg + "/urn"
    if home:
        return home + "/.cache/urn"
    return "/tmp/urn-cache-%d" % os.getuid()


class Model:
    """A Stan program and its data, ready to evaluate and to sample.

    ``Model("model.stan", data=...)`` reads a file; ``Model(code="parameters
    {...} model {...}")`` (or any string that is not an existing file but looks
    like a program) takes the program text.  ``data`` is a dict (numpy arrays
    welcome), a path to a CmdStan JSON file, or JSON text; ``seed`` seeds the
    random numbers of ``transformed data``.  The program's ``print()``
    statements go to Python's ``sys.stdout`` (so notebooks show them;
    ``capture_prints=False`` leaves them on the process's standard output;
    those of ``transformed data`` always go there).  Errors in the program or the data
    raise :class:`urn.UrnError` with urn's message, which names the
    file:line:column or the variable.

    Unconstrained parameters (``theta``) are the sampler's coordinates, in
    :meth:`unc_param_names` order; constrained values are Stan's, column-major
    within a variable, in :meth:`param_names` order.  One model may be used by
    many Python threads at once.

    ``native="auto"`` opts in to the native tier (the model block compiled to C
    by the system compiler; the same draws bit for bit: docs/autodiff.md), as
    ``urn sample`` uses it by default: an object compiled earlier (in
    ``native_cache``, else ``$XDG_CACHE_HOME/urn`` or ``~/.cache/urn``, the
    CLI's folder) is loaded at once; otherwise a compile starts, at the lowest
    priority, only once a sampling run's projected interpreted cost is at least
    10x the compile's, and it is killed if the run ends first.  ``"on"``
    compiles in the background at once, ``"wait"`` before returning (the object
    is then in the cache for later runs).  Off by default (``native=None``):
    an embedding process compiles nothing unless asked.  ``$CC`` names the
    compiler (else ``cc``); without one the interpreter runs, the same draws.
    :attr:`native_status` says what the tier did.

    >>> m = urn.Model(code="parameters { real mu; } model { mu ~ normal(1, 2); }")
    >>> m.log_density([0.0], grad=True)
    (-1.737085713764618, array([0.25]))
    """

    def __init__(self, program=None, data=None, *, code=None, seed=1, name=None, capture_prints=True, native=None,
                 native_cache=None):
        self._lib = _lib.lib()
        self._ptr = None
        self._stream = None
        if code is None and program is None:
            raise TypeError("Model needs a .stan file or code=...")
        if code is None and not os.path.exists(os.fspath(program)) and ("{" in program or "\n" in program):
            code, program = program, None
        if code is not None:
            source = code.encode()
            path = (name or "model") + ".stan"
        else:
            path = os.fspath(program)
            with open(path, "rb") as f:
                source = f.read()
            if name:
                path = name + ".stan"
        dtext, dpath = data_source(data)
        modes = {None: 0, False: 0, "off": 0, "on": 1, "wait": 2, "auto": 3}
        if native not in modes:
            raise ValueError("native must be 'auto', 'on', 'wait' or 'off' (or None), got %r" % (native,))
        err = Error()
        if modes[native]:
            opt = _lib.ModelOptions()
            self._lib.urn_model_options_default(ctypes.byref(opt))
            cache = os.fspath(native_cache) if native_cache is not None else _native_cache()
            cc = os.environ.get("CC") or "cc"
            self._native_strs = (cache.encode(), cc.encode())  # alive as long as the model (the library keeps copies)
            opt.seed, opt.native = int(seed) & (2**64 - 1), modes[native]
            opt.native_cache, opt.native_cc = self._native_strs
            ptr = self._lib.urn_model_new_opt(path.encode(), source, len(source), dpath.encode() if dpath else None,
                                              dtext, len(dtext) if dtext else 0, ctypes.byref(opt), ctypes.byref(err))
        else:
            ptr = self._lib.urn_model_new(path.encode(), source, len(source), dpath.encode() if dpath else None,
                                          dtext, len(dtext) if dtext else 0, int(seed) & (2**64 - 1), ctypes.byref(err))
        if not ptr:
            err.raise_for(err.code or 2, "urn.Model")
        self._ptr = ptr
        if capture_prints:
            self._stream = _lib.PythonStream()
            if self._stream.file:
                self._lib.urn_model_set_print(ptr, self._stream.file)
        self.stan_file = None if code is not None else os.path.abspath(program)
        self.code = source.decode("utf-8", "replace")
        self.data = data
        self.seed = seed
        self._path = path
        self._dtext, self._dpath = dtext, dpath
        self._vars = None

    def __del__(self):
        ptr, self._ptr = getattr(self, "_ptr", None), None
        if ptr and getattr(self, "_lib", None) is not None:
            self._lib.urn_model_free(ptr)
        stream, self._stream = getattr(self, "_stream", None), None
        if stream is not None:
            stream.close()

    @property
    def native_status(self):
        """One line on the native tier: "native: off", "native: not compiled (...)", "native: on (...)", ..."""
        return self._lib.urn_model_native_status(self._ptr).decode()

    def __repr__(self):
        return "urn.Model(%r, %d unconstrained parameters)" % (self.name, self.num_unconstrained)

    # ------------------------------------------------------------ names
    @property
    def name(self):
        """The model's name: the file stem of its program ("model" for code)."""
        return self._lib.urn_model_name(self._ptr).decode()

    @property
    def num_unconstrained(self):
        """Number of unconstrained parameters (the sampler's dimension)."""
        return self._lib.urn_model_num_unconstrained(self._ptr)

    def num_params(self, include_tp=False, include_gq=False):
        """Number of constrained scalar outputs: parameters, then transformed
        parameters and generated quantities when asked."""
        return self._lib.urn_model_num_params(self._ptr, int(bool(include_tp)), int(bool(include_gq)))

    def param_names(self, include_tp=False, include_gq=False):
        """Names of the constrained outputs in Stan CSV style ("theta.1",
        "Sigma.2.3"), column-major within each variable."""
        names = []
        n_p = self.num_params()
        n_tp = self.num_params(True) - n_p
        total = self.num_params(True, True)
        for i in range(total):
            if (n_p <= i < n_p + n_tp and not include_tp) or (i >= n_p + n_tp and not include_gq):
                continue
            names.append(self._lib.urn_model_param_name(self._ptr, i).decode())
        return names

    def unc_param_names(self):
        """Names of the unconstrained coordinates, as Stan's
        unconstrained_param_names ("sigma", "theta.1" .. "theta.K-1" for a simplex)."""
        return [self._lib.urn_model_param_unc_name(self._ptr, i).decode() for i in range(self.num_unconstrained)]

    @property
    def variables(self):
        """The output variables (:class:`Variable`: name, block, shape) in order."""
        if self._vars is None:
            out = []
            dims = (ctypes.c_size_t * 10)()
            block, ndim = ctypes.c_int(), ctypes.c_int()
            for i in range(self._lib.urn_model_num_vars(self._ptr)):
                nm = self._lib.urn_model_var(self._ptr, i, ctypes.byref(block), ctypes.byref(ndim), dims)
                out.append(Variable(nm.decode(), Variable.BLOCKS[block.value], [dims[k] for k in range(ndim.value)]))
            self._vars = out
        return list(self._vars)

    @property
    def dims(self):
        """{name: shape} of every output variable (() for scalars)."""
        return {v.name: v.shape for v in self.variables}

    # ---------------------------------------------------------- density
    def _theta(self, theta, what="theta"):
        a = np.ascontiguousarray(theta, dtype=np.float64)
        if a.ndim != 1 or a.shape[0] != self.num_unconstrained:
            raise ValueError("%s must be a vector of the %d unconstrained parameters, not shape %s"
                             % (what, self.num_unconstrained, a.shape))
        return a

    def log_density(self, theta, grad=False, hessian=False, *, propto=False, jacobian=True):
        """The log density at the unconstrained point ``theta``.

        Returns ``lp``, or ``(lp, gradient)`` with ``grad=True``, or ``(lp,
        gradient, Hessian)`` with ``hessian=True``.  ``jacobian`` adds the
        log-Jacobian of the constraining transforms; ``propto`` drops constant
        terms as ``~`` does (``propto=True, jacobian=True`` is Stan's
        ``lp__``); the defaults are those of ``urn logdensity``.  The gradient
        is exact (reverse-mode autodiff); the Hessian is a sixth-order finite
        difference of it (about 1e-12 relative, docs/model-api.md).  A point the
        model rejects raises :class:`urn.UrnError` (status 1) with its message.
        """
        th = self._theta(theta)
        err, lp = Error(), ctypes.c_double()
        p, j = int(bool(propto)), int(bool(jacobian))
        if hessian:
            n = th.shape[0]
            g, H = np.zeros(n), np.zeros((n, n))
            rc = self._lib.urn_model_log_density_hessian(self._ptr, p, j, dptr(th), ctypes.byref(lp), dptr(g), dptr(H),
                                                         ctypes.byref(err))
            err.raise_for(rc)
            return lp.value, g, H
        if grad:
            g = np.zeros(th.shape[0])
            rc = self._lib.urn_model_log_density_gradient(self._ptr, p, j, dptr(th), ctypes.byref(lp), dptr(g),
                                                          ctypes.byref(err))
            err.raise_for(rc)
            return lp.value, g
        rc = self._lib.urn_model_log_density(self._ptr, p, j, dptr(th), ctypes.byref(lp), ctypes.byref(err))
        err.raise_for(rc)
        return lp.value

    def log_density_hvp(self, theta, v, *, propto=False, jacobian=True):
        """``(lp, H v)``: the log density and the Hessian-vector product at
        ``theta`` (six gradient evaluations)."""
        th, vv = self._theta(theta), self._theta(v, "v")
        err, lp, out = Error(), ctypes.c_double(), np.zeros(th.shape[0])
        rc = self._lib.urn_model_log_density_hvp(self._ptr, int(bool(propto)), int(bool(jacobian)), dptr(th), dptr(vv),
                                                 ctypes.byref(lp), dptr(out), ctypes.byref(err))
        err.raise_for(rc)
        return lp.value, out

    # --------------------------------------------------------- transforms
    def constrain(self, theta, include_tp=False, include_gq=False, *, seed=None, rng=None, flat=False):
        """Constrained values at the unconstrained point ``theta``: a dict
        {name: ndarray of the variable's shape, or a float} (``flat=True``: one vector in
        :meth:`param_names` order).  Generated quantities need random numbers:
        give ``seed`` (a fresh stream) or ``rng`` (an :class:`Rng`, continued).
        ``theta`` may also be 2-D (points x parameters): each array then gets a
        leading axis."""
        th = np.ascontiguousarray(theta, dtype=np.float64)
        if include_gq and rng is None:
            rng = Rng(1 if seed is None else seed)
        if th.ndim == 2:
            arr = np.array([self.constrain(t, include_tp, include_gq, rng=rng, flat=True) for t in th])
            arr = arr.reshape(th.shape[0], self.num_params(include_tp, include_gq))
            return arr if flat else self._split(arr, include_tp, include_gq)
        th = self._theta(th)
        out = np.zeros(self.num_params(include_tp, include_gq))
        err = Error()
        rc = self._lib.urn_model_param_constrain(self._ptr, int(bool(include_tp)), int(bool(include_gq)), dptr(th),
                                                 dptr(out), rng._ptr if include_gq else None, ctypes.byref(err))
        err.raise_for(rc)
        return out if flat else self._split(out[None, :], include_tp, include_gq, squeeze=True)

    def _split(self, rows, include_tp, include_gq, squeeze=False):
        """{name: values} from rows of flat constrained outputs."""
        out, k = {}, 0
        for v in self.variables:
            if (v.block == Variable.BLOCKS[1] and not include_tp) or (v.block == Variable.BLOCKS[2] and not include_gq):
                continue
            vals = column_major(rows[:, k:k + v.size], v.shape)
            if squeeze:
                out[v.name] = float(vals[0]) if not v.shape else np.array(vals[0])
            else:
                out[v.name] = np.ascontiguousarray(vals)
            k += v.size
        return out

    def unconstrain(self, values):
        """The unconstrained point of constrained parameter values: a dict
        {name: value} (as CmdStan inits; every parameter needed) or a flat
        vector in :meth:`param_names` order.  Values outside a parameter's
        support raise :class:`urn.UrnError` naming it."""
        out = np.zeros(self.num_unconstrained)
        err = Error()
        if isinstance(values, dict):
            text = to_json(values).encode()
            rc = self._lib.urn_model_param_unconstrain_json(self._ptr, text, len(text), b"values", dptr(out),
                                                            ctypes.byref(err))
        else:
            v = np.ascontiguousarray(values, dtype=np.float64)
            if v.ndim != 1 or v.shape[0] != self.num_params():
                raise ValueError("values must be a vector of the %d constrained parameter values, not shape %s"
                                 % (self.num_params(), v.shape))
            rc = self._lib.urn_model_param_unconstrain(self._ptr, dptr(v), dptr(out), ctypes.byref(err))
        err.raise_for(rc)
        return out
