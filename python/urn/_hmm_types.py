"""urn._hmm_types -- ctypes mirrors of the structures of include/urn/hmm.h.

The field order and types follow the header exactly; tests/test_hmm.py checks
the defaults urn_hmm_model_init writes through them (a drift of the header
shows up there as wrong numbers).
"""
import ctypes

_d, _i, _dp = ctypes.c_double, ctypes.c_int, ctypes.POINTER(ctypes.c_double)

WARN_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p)
RESTART_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_uint64, ctypes.c_int, ctypes.c_double,
                              ctypes.c_int, ctypes.c_char_p)
ITERATION_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_double)


class Model(ctypes.Structure):
    """urn_hmm_model."""
    _fields_ = [("kind", _i), ("K", _i), ("D", _i), ("M", _i), ("C", _i),
                ("initial_conc", _d), ("trans_conc", _d), ("stickiness", _d),
                ("prior_mean", _dp), ("prior_scale", _dp),
                ("kappa0", _d), ("extra_df", _d), ("iw_scale_jitter", _d), ("ig_shape", _d), ("ig_scale", _d),
                ("weight_scale", _d), ("rate_shape", _d), ("rate_rate", _d), ("cov_floor", _d),
                ("frozen", _i), ("warn", WARN_FN), ("warn_ctx", ctypes.c_void_p),
                ("no_prior", _i), ("var_floor", _d), ("shared_cov", _i),
                ("trans_M", _i), ("trans_weight_scale", _d), ("probs_conc", _d), ("student_dof", _d),
                ("shared_coef", ctypes.c_ulonglong)]


class Params(ctypes.Structure):
    """urn_hmm_params."""
    _fields_ = [("K", _i), ("D", _i), ("M", _i), ("C", _i),
                ("initial_probs", _dp), ("transition_matrix", _dp), ("means", _dp), ("covs", _dp),
                ("scale_diags", _dp), ("weights", _dp), ("biases", _dp), ("rates", _dp),
                ("trans_weights", _dp), ("trans_biases", _dp), ("shapes", _dp), ("dofs", _dp), ("probs", _dp)]


class Seq(ctypes.Structure):
    """urn_hmm_seq."""
    _fields_ = [("T", ctypes.c_size_t), ("y", _dp), ("x", _dp), ("u", _dp)]


class FitOpts(ctypes.Structure):
    """urn_hmm_fit_opts."""
    _fields_ = [("num_iters", _i), ("tol", _d), ("nthreads", _i), ("stop", ctypes.c_void_p)]


class FitReport(ctypes.Structure):
    """urn_hmm_fit_report."""
    _fields_ = [("iterations", _i), ("best_restart", _i), ("log_joint", _d), ("n_failed", _i), ("init", _i),
                ("loglik", _d), ("converged", _i), ("degenerate", _i)]


class FitCallbacks(ctypes.Structure):
    """urn_hmm_fit_callbacks."""
    _fields_ = [("ctx", ctypes.c_void_p), ("restart", RESTART_FN), ("iteration", ITERATION_FN)]


class MsarModel(ctypes.Structure):
    """urn_hmm_msar."""
    _fields_ = [("K", _i), ("order", _i), ("switching_ar", _i), ("switching_var", _i), ("steady_initial", _i),
                ("num_x", _i), ("x", _dp), ("shared_x", ctypes.c_ulonglong)]


class MsarParams(ctypes.Structure):
    """urn_hmm_msar_params."""
    _fields_ = [("initial_probs", _dp), ("transition_matrix", _dp), ("means", _dp), ("ar", _dp),
                ("variances", _dp), ("exog", _dp)]
