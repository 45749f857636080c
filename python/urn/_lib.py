"""urn._lib -- finding and loading liburn.so, and the ctypes declarations of the
parts of its public C API (include/urn/*.h) that the package calls.

Where the library comes from, first match wins:

1. ``urn.set_library(path)`` called before the first use;
2. the environment variable ``URN_LIBRARY`` (a path to liburn.so);
3. the copy ``pip install`` puts inside the package (``urn/lib/liburn.so``);
4. the repository's build: ``<repo>/build/liburn.so`` beside ``python/``, for
   ``PYTHONPATH=python`` after ``make``;
5. the system's library path (``ctypes.util.find_library("urn")``, e.g. after
   ``make install``).

Only exported (``urn_``-prefixed, public) symbols are used.
"""
import ctypes
import ctypes.util
import os
import threading

_HERE = os.path.dirname(os.path.abspath(__file__))
_lock = threading.Lock()
_lib = None
_explicit = None

c_double_p = ctypes.POINTER(ctypes.c_double)
c_int_p = ctypes.POINTER(ctypes.c_int)
c_size_p = ctypes.POINTER(ctypes.c_size_t)


class UrnError(RuntimeError):
    """An error reported by urn: bad program, data or arguments, a rejected
    point, a failed run.  ``str(e)`` is urn's own message (it names the file,
    line and column or the variable); ``e.status`` is urn's status code (1 a
    rejected point, 2 bad input, 3 I/O, 4 memory, 5 fatal, 6 interrupted)."""

    def __init__(self, message, status=2):
        super().__init__(message)
        self.status = status


class ModelOptions(ctypes.Structure):
    """urn_model_options (include/urn/model.h), filled by urn_model_options_default."""
    _fields_ = [("seed", ctypes.c_uint64), ("print", ctypes.c_void_p), ("stop", ctypes.c_void_p),
                ("include_paths", ctypes.c_char_p), ("no_batch", ctypes.c_int), ("native", ctypes.c_int),
                ("native_cache", ctypes.c_char_p), ("native_cc", ctypes.c_char_p)]


class Error(ctypes.Structure):
    """urn_error (include/urn/common.h)."""
    _fields_ = [("code", ctypes.c_int), ("msg", ctypes.c_char * 2048)]

    def raise_for(self, rc, what=None):
        """Raises UrnError with the message when rc is not URN_OK (0)."""
        if rc:
            msg = self.msg.decode("utf-8", "replace") or (what or "urn") + ": failed (status %d)" % rc
            raise UrnError(msg, self.code or rc)


def set_library(path):
    """Use the liburn.so at ``path`` (call before anything else of urn is used)."""
    global _explicit
    if _lib is not None:
        raise UrnError("urn.set_library: the library is already loaded from " + library_path())
    if not os.path.exists(path):
        raise UrnError("urn.set_library: %s does not exist" % path)
    _explicit = os.path.abspath(path)


def _candidates():
    if _explicit:
        yield _explicit
    env = os.environ.get("URN_LIBRARY")
    if env:
        yield env
    yield os.path.join(_HERE, "lib", "liburn.so")
    yield os.path.join(os.path.dirname(os.path.dirname(_HERE)), "build", "liburn.so")
    found = ctypes.util.find_library("urn")
    if found:
        yield found


def library_path():
    """The path of the liburn.so the package uses (or would use)."""
    if _lib is not None:
        return _lib._name
    for c in _candidates():
        if os.path.sep not in c or os.path.exists(c):
            return c
    return None


def lib():
    """The loaded library with its prototypes declared (loaded on first use)."""
    global _lib
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is None:
            path = library_path()
            if path is None:
                raise UrnError("urn: cannot find liburn.so: run `make` in the urn repository (then use "
                               "PYTHONPATH=python), `pip install ./python`, or call urn.set_library(PATH) "
                               "or set URN_LIBRARY")
            try:
                handle = ctypes.CDLL(path)
            except OSError as e:
                raise UrnError("urn: cannot load %s: %s" % (path, e)) from None
            _declare(handle)
            _lib = handle
    return _lib


def _fn(handle, name, restype, *argtypes):
    f = getattr(handle, name)
    f.restype = restype
    f.argtypes = list(argtypes)


def _declare(h):
    P, I, D, S, U64 = ctypes.c_void_p, ctypes.c_int, ctypes.c_double, ctypes.c_size_t, ctypes.c_uint64
    E = ctypes.POINTER(Error)
    cp = ctypes.c_char_p
    _fn(h, "urn_version", cp)
    # model.h
    _fn(h, "urn_model_new", P, cp, cp, S, cp, cp, S, U64, E)
    _fn(h, "urn_model_options_default", None, ctypes.POINTER(ModelOptions))
    _fn(h, "urn_model_new_opt", P, cp, cp, S, cp, cp, S, ctypes.POINTER(ModelOptions), E)
    _fn(h, "urn_model_native_status", cp, P)
    _fn(h, "urn_model_free", None, P)
    _fn(h, "urn_model_name", cp, P)
    _fn(h, "urn_model_num_unconstrained", S, P)
    _fn(h, "urn_model_num_params", S, P, I, I)
    _fn(h, "urn_model_param_name", cp, P, S)
    _fn(h, "urn_model_param_unc_name", cp, P, S)
    _fn(h, "urn_model_num_vars", S, P)
    _fn(h, "urn_model_var", cp, P, S, c_int_p, c_int_p, c_size_p)
    _fn(h, "urn_model_log_density", I, P, I, I, c_double_p, c_double_p, E)
    _fn(h, "urn_model_log_density_gradient", I, P, I, I, c_double_p, c_double_p, c_double_p, E)
    _fn(h, "urn_model_log_density_hessian", I, P, I, I, c_double_p, c_double_p, c_double_p, c_double_p, E)
    _fn(h, "urn_model_log_density_hvp", I, P, I, I, c_double_p, c_double_p, c_double_p, c_double_p, E)
    _fn(h, "urn_model_param_constrain", I, P, I, I, c_double_p, c_double_p, P, E)
    _fn(h, "urn_model_param_unconstrain", I, P, c_double_p, c_double_p, E)
    _fn(h, "urn_model_param_unconstrain_json", I, P, cp, S, cp, c_double_p, E)
    _fn(h, "urn_model_set_print", None, P, P)
    _fn(h, "urn_rng_new", P, U64, U64)
    _fn(h, "urn_rng_free", None, P)
    # diag.h
    _fn(h, "urn_summary_options_init", None, P)
    _fn(h, "urn_summary_print", I, P, P, P, E)
    # hmm.h (the structures are declared in urn/hmm.py)
    from . import _hmm_types as T
    M, PR, SQ = ctypes.POINTER(T.Model), ctypes.POINTER(T.Params), ctypes.POINTER(T.Seq)
    _fn(h, "urn_hmm_model_init", I, M, I, I, I, I, I, E)
    _fn(h, "urn_hmm_model_free", None, M)
    _fn(h, "urn_hmm_kind_name", cp, I)
    _fn(h, "urn_hmm_kind_parse", I, cp)
    _fn(h, "urn_hmm_params_alloc", None, M, PR)
    _fn(h, "urn_hmm_params_free", None, PR)
    _fn(h, "urn_hmm_params_copy", None, M, PR, PR)
    _fn(h, "urn_hmm_params_check", I, M, PR, E)
    _fn(h, "urn_hmm_seq_check", I, M, SQ, S, E)
    _fn(h, "urn_hmm_emission_logliks", I, M, PR, SQ, c_double_p, E)
    _fn(h, "urn_hmm_log_prior", D, M, PR)
    _fn(h, "urn_hmm_loglik", I, M, PR, SQ, S, I, c_double_p, c_double_p, E)
    _fn(h, "urn_hmm_std_errors", I, M, PR, SQ, S, I, c_double_p, ctypes.POINTER(ctypes.c_size_t), c_int_p, E)
    _fn(h, "urn_hmm_smoother", I, I, S, c_double_p, c_double_p, c_double_p, c_double_p, c_double_p, c_double_p, E)
    _fn(h, "urn_hmm_filter", I, I, S, c_double_p, c_double_p, c_double_p, c_double_p, c_double_p, c_double_p, E)
    _fn(h, "urn_hmm_viterbi", I, I, S, c_double_p, c_double_p, c_double_p, c_int_p, E)
    _fn(h, "urn_hmm_sample", I, M, PR, U64, S, c_double_p, c_int_p, c_double_p, E)
    _fn(h, "urn_hmm_sample_tv", I, M, PR, U64, S, c_double_p, c_double_p, c_int_p, c_double_p, E)
    _fn(h, "urn_hmm_trans_matrices", I, M, PR, SQ, c_double_p, E)
    _fn(h, "urn_hmm_smoother_tv", I, I, S, c_double_p, c_double_p, c_double_p, c_double_p, c_double_p, c_double_p, E)
    _fn(h, "urn_hmm_viterbi_tv", I, I, S, c_double_p, c_double_p, c_double_p, c_int_p, E)
    _fn(h, "urn_hmm_find_permutation", I, c_int_p, c_int_p, S, c_int_p, c_int_p, E)
    _fn(h, "urn_hmm_fit_best", I, M, SQ, S, ctypes.POINTER(T.FitOpts), I, PR, I, U64, PR, c_double_p,
        ctypes.POINTER(T.FitReport), ctypes.POINTER(T.FitCallbacks), E)
    _fn(h, "urn_hmm_param_file_parse", I, cp, S, cp, M, PR, E)
    _fn(h, "urn_hmm_param_file_format", P, M, PR, cp)
    _fn(h, "urn_hmm_text_free", None, P)
    MM, MP = ctypes.POINTER(T.MsarModel), ctypes.POINTER(T.MsarParams)
    _fn(h, "urn_hmm_msar_params_alloc", None, MM, MP)
    _fn(h, "urn_hmm_msar_params_free", None, MP)
    _fn(h, "urn_hmm_msar_check", I, MM, S, E)
    _fn(h, "urn_hmm_msar_num_params", I, MM)
    _fn(h, "urn_hmm_msar_loglik", I, MM, MP, c_double_p, S, c_double_p, E)
    _fn(h, "urn_hmm_msar_states", I, MM, MP, c_double_p, S, c_double_p, c_int_p, E)
    _fn(h, "urn_hmm_msar_em", I, MM, MP, c_double_p, S, I, D, c_double_p, c_int_p, c_int_p, c_double_p, E)
    _fn(h, "urn_hmm_msar_fit", I, MM, c_double_p, S, I, U64, I, D, MP, c_double_p, c_int_p, c_int_p, E)
    _fn(h, "urn_hmm_msar_std_errors", I, MM, MP, c_double_p, S, MP, c_int_p, E)


def dptr(a):
    """A double* into a C-contiguous float64 numpy array (None for None)."""
    if a is None:
        return None
    return a.ctypes.data_as(c_double_p)


def iptr(a):
    """An int* into a C-contiguous int32 numpy array."""
    if a is None:
        return None
    return a.ctypes.data_as(c_int_p)


_libc = None


def libc():
    """The C library (open_memstream, fclose, free) for text that urn writes to a FILE*."""
    global _libc
    if _libc is None:
        c = ctypes.CDLL(None)
        _fn(c, "open_memstream", ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_size_t))
        _fn(c, "fclose", ctypes.c_int, ctypes.c_void_p)
        _fn(c, "free", None, ctypes.c_void_p)
        _libc = c
    return _libc


_WRITE_FN = ctypes.CFUNCTYPE(ctypes.c_ssize_t, ctypes.c_void_p, ctypes.POINTER(ctypes.c_char), ctypes.c_size_t)


class _CookieIO(ctypes.Structure):
    """cookie_io_functions_t (glibc's fopencookie)."""
    _fields_ = [("read", ctypes.c_void_p), ("write", _WRITE_FN), ("seek", ctypes.c_void_p), ("close", ctypes.c_void_p)]


class PythonStream:
    """A C FILE* whose output goes to Python's current sys.stdout, one line at a
    time (what a model's print() statements write when captured: notebooks
    show them, contextlib.redirect_stdout catches them)."""

    def __init__(self):
        import sys
        c = libc()
        if not hasattr(c, "_urn_fopencookie"):
            c._urn_fopencookie = c.fopencookie
            _fn(c, "fopencookie", ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p, _CookieIO)
            _fn(c, "setvbuf", ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t)

        def write(cookie, buf, size):
            try:
                sys.stdout.write(ctypes.string_at(buf, size).decode("utf-8", "replace"))
            except Exception:  # noqa: BLE001 - never propagate into C
                pass
            return size
        self._write = _WRITE_FN(write)
        self.file = c.fopencookie(None, b"w", _CookieIO(None, self._write, None, None))
        if self.file:
            c.setvbuf(self.file, None, 1, 4096)  # _IOLBF: one write per line

    def close(self):
        if self.file:
            libc().fclose(self.file)
            self.file = None


def capture_file(write):
    """Calls write(FILE*) on an in-memory stream; returns (its status, the text written)."""
    c = libc()
    buf, size = ctypes.c_void_p(), ctypes.c_size_t()
    f = c.open_memstream(ctypes.byref(buf), ctypes.byref(size))
    if not f:
        raise UrnError("urn: open_memstream failed")
    try:
        rc = write(f)
    finally:
        c.fclose(f)
    text = ctypes.string_at(buf.value, size.value).decode("utf-8", "replace") if buf.value else ""
    c.free(buf)
    return rc, text
