#!/usr/bin/python3
"""tests/data/gen_linalg_fn.py — reference values of the matrix built-ins added for issue #14 (inverse_spd,
log_determinant_spd, chol2inv, mdivide_left/right(_spd, _tri_low), symmetrize_from_lower_tri, trace_dot,
trace_quad_form, trace_gen_quad_form, matrix_power, matrix_exp, matrix_exp_multiply, scale_matrix_exp_multiply,
generalized_inverse, qr_Q/qr_R/qr_thin_Q/qr_thin_R, singular_values, svd_U/svd_V, csr_*) computed with numpy and
scipy on fixed matrices (seed 20260), written to tests/data/linalg_fn_table.h for tests/test_fn_matrix.c.

Each row: a Stan expression over matrix literals (the exact doubles below), the expected result (column-major,
as urn's generated quantities are written) and a relative tolerance on the result's scale.  QR is normalised as
Stan's (R's diagonal nonnegative), the SVD as urn's (singular values descending, each right singular vector's
largest-magnitude entry positive).  Run by hand:  /usr/bin/python3 tests/data/gen_linalg_fn.py"""
import os

import numpy as np
import scipy.linalg as sl

rng = np.random.default_rng(20260)


def lit(M):
    """A Stan literal of a matrix, vector (column) or row vector."""
    M = np.asarray(M, dtype=float)
    if M.ndim == 1:
        return "[" + ", ".join(repr(float(x)) for x in M) + "]'"
    return "[" + ", ".join("[" + ", ".join(repr(float(x)) for x in row) + "]" for row in M) + "]"


def spd(n):
    X = rng.standard_normal((n, n))
    return X @ X.T + n * np.eye(n)


A3 = rng.standard_normal((3, 3))
S4 = spd(4)
S4 = (S4 + S4.T) / 2
B43 = rng.standard_normal((4, 3))
B34 = rng.standard_normal((3, 4))
W24 = rng.standard_normal((2, 4))
T53 = rng.standard_normal((5, 3))
L4 = np.linalg.cholesky(S4)
U4 = rng.standard_normal((4, 4))  # its upper triangle must be ignored by the _tri_low forms
Ltri = np.tril(U4) + 4 * np.eye(4)
D3 = rng.standard_normal((3, 3))
b4 = rng.standard_normal(4)
r4 = rng.standard_normal(4)
M4 = rng.standard_normal((4, 4)) * 0.7
Big = rng.standard_normal((3, 3)) * 6  # norm well above theta_13: scaling and squaring
Sp = np.array([[0.0, 2.5, 0.0, -1.0], [0.0, 0.0, 0.0, 0.0], [3.0, 0.0, 4.5, 0.0]])
bvec = rng.standard_normal(4)


def qr_stan(A):
    Q, R = np.linalg.qr(A, mode="complete")
    k = min(A.shape)
    for i in range(k):
        if R[i, i] < 0:
            R[i, :] *= -1
            Q[:, i] *= -1
    return Q, R


def svd_urn(A):
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    V = Vt.T
    for j in range(len(s)):
        i = np.argmax(np.abs(V[:, j]))
        if V[i, j] < 0:
            V[:, j] *= -1
            U[:, j] *= -1
    return U, s, V


def csr(A):
    w, v, u = [], [], [1]
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            if A[i, j] != 0:
                w.append(A[i, j])
                v.append(j + 1)
        u.append(len(w) + 1)
    return np.array(w), v, u


w, v, u = csr(Sp)
Q53, R53 = qr_stan(T53)
Q24, R24 = qr_stan(W24)
U53, s53, V53 = svd_urn(T53)
U24, s24, V24 = svd_urn(W24)
X3 = rng.standard_normal((3, 2))
LS = np.array([0.7, 1.9])


def ard(kind, X, Y, sig, ls):
    r = np.sqrt((((X[:, None, :] - Y[None, :, :]) / ls) ** 2).sum(-1))
    g = {"exponential": np.exp(-r), "matern32": (1 + np.sqrt(3) * r) * np.exp(-np.sqrt(3) * r),
         "matern52": (1 + np.sqrt(5) * r + 5 * r * r / 3) * np.exp(-np.sqrt(5) * r)}[kind]
    return sig * sig * g


def pts(X):
    return "{" + ", ".join(lit(x) for x in X) + "}"


CASES = [
    ("gp_exponential_cov ARD", "matrix[3, 3] r = gp_exponential_cov(%s, 1.3, {0.7, 1.9});" % pts(X3),
     ard("exponential", X3, X3, 1.3, LS), 1e-14),
    ("gp_matern32_cov ARD", "matrix[3, 2] r = gp_matern32_cov(%s, %s, 1.3, {0.7, 1.9});" % (pts(X3), pts(X3[:2] + 0.3)),
     ard("matern32", X3, X3[:2] + 0.3, 1.3, LS), 1e-14),
    ("gp_matern52_cov ARD", "matrix[3, 3] r = gp_matern52_cov(%s, 1.3, {0.7, 1.9});" % pts(X3),
     ard("matern52", X3, X3, 1.3, LS), 1e-14),
    ("inverse_spd", "matrix[4, 4] r = inverse_spd(%s);" % lit(S4), np.linalg.inv(S4), 1e-13),
    ("log_determinant_spd", "real r = log_determinant_spd(%s);" % lit(S4), np.linalg.slogdet(S4)[1], 1e-14),
    ("chol2inv", "matrix[4, 4] r = chol2inv(%s);" % lit(L4), np.linalg.inv(L4 @ L4.T), 1e-13),
    ("mdivide_right", "matrix[3, 3] r = mdivide_right(%s, %s);" % (lit(D3), lit(A3)), D3 @ np.linalg.inv(A3), 1e-13),
    ("mdivide_right row", "row_vector[4] r = mdivide_right(%s, %s);" % (lit(r4)[:-1], lit(S4)),
     r4 @ np.linalg.inv(S4), 1e-13),
    ("mdivide_right_spd", "matrix[3, 4] r = mdivide_right_spd(%s, %s);" % (lit(B34), lit(S4)),
     B34 @ np.linalg.inv(S4), 1e-13),
    ("mdivide_right_tri_low", "matrix[3, 4] r = mdivide_right_tri_low(%s, %s);" % (lit(B34), lit(np.tril(Ltri) + np.triu(U4, 1))),
     B34 @ np.linalg.inv(np.tril(Ltri)), 1e-13),
    ("mdivide_left_tri_low", "vector[4] r = mdivide_left_tri_low(%s, %s);" % (lit(np.tril(Ltri) + np.triu(U4, 1)), lit(b4)),
     np.linalg.solve(np.tril(Ltri), b4), 1e-13),
    ("mdivide_left_spd", "matrix[4, 3] r = mdivide_left_spd(%s, %s);" % (lit(S4), lit(B43)), np.linalg.solve(S4, B43), 1e-13),
    ("symmetrize_from_lower_tri", "matrix[4, 4] r = symmetrize_from_lower_tri(%s);" % lit(U4),
     np.tril(U4) + np.tril(U4, -1).T, 0),
    ("trace_dot", "real r = trace_dot(%s, %s);" % (lit(B34), lit(B43)), np.trace(B34 @ B43), 1e-14),
    ("trace_quad_form", "real r = trace_quad_form(%s, %s);" % (lit(S4), lit(B43)), np.trace(B43.T @ S4 @ B43), 1e-14),
    ("trace_quad_form vector", "real r = trace_quad_form(%s, %s);" % (lit(S4), lit(b4)), b4 @ S4 @ b4, 1e-14),
    ("trace_gen_quad_form", "real r = trace_gen_quad_form(%s, %s, %s);" % (lit(D3), lit(M4), lit(B43)),
     np.trace(D3 @ B43.T @ M4 @ B43), 1e-13),
    ("matrix_power 0", "matrix[3, 3] r = matrix_power(%s, 0);" % lit(A3), np.eye(3), 0),
    ("matrix_power 7", "matrix[3, 3] r = matrix_power(%s, 7);" % lit(A3), np.linalg.matrix_power(A3, 7), 1e-13),
    ("matrix_exp", "matrix[4, 4] r = matrix_exp(%s);" % lit(M4), sl.expm(M4), 1e-13),
    ("matrix_exp large", "matrix[3, 3] r = matrix_exp(%s);" % lit(Big), sl.expm(Big), 1e-11),
    ("matrix_exp 1x1", "matrix[1, 1] r = matrix_exp([[-2.5]]);", np.exp([[-2.5]]), 1e-15),
    ("matrix_exp_multiply", "matrix[4, 3] r = matrix_exp_multiply(%s, %s);" % (lit(M4), lit(B43)), sl.expm(M4) @ B43, 1e-13),
    ("scale_matrix_exp_multiply", "matrix[4, 3] r = scale_matrix_exp_multiply(0.37, %s, %s);" % (lit(M4), lit(B43)),
     sl.expm(0.37 * M4) @ B43, 1e-13),
    ("generalized_inverse tall", "matrix[3, 5] r = generalized_inverse(%s);" % lit(T53), np.linalg.pinv(T53), 1e-12),
    ("generalized_inverse wide", "matrix[4, 2] r = generalized_inverse(%s);" % lit(W24), np.linalg.pinv(W24), 1e-12),
    ("generalized_inverse rank 1", "matrix[2, 3] r = generalized_inverse([[1, 2], [2, 4], [3, 6]]);",
     np.linalg.pinv(np.array([[1.0, 2], [2, 4], [3, 6]])), 1e-12),
    ("qr_thin_Q", "matrix[5, 3] r = qr_thin_Q(%s);" % lit(T53), Q53[:, :3], 1e-13),
    ("qr_thin_R", "matrix[3, 3] r = qr_thin_R(%s);" % lit(T53), R53[:3, :], 1e-13),
    ("qr_Q", "matrix[5, 5] r = qr_Q(%s);" % lit(T53), Q53, 1e-13),
    ("qr_R", "matrix[5, 3] r = qr_R(%s);" % lit(T53), R53, 1e-13),
    ("qr_Q wide", "matrix[2, 2] r = qr_Q(%s);" % lit(W24), Q24, 1e-13),
    ("qr_R wide", "matrix[2, 4] r = qr_R(%s);" % lit(W24), R24, 1e-13),
    ("singular_values", "vector[3] r = singular_values(%s);" % lit(T53), s53, 1e-14),
    ("svd_U", "matrix[5, 3] r = svd_U(%s);" % lit(T53), U53, 1e-13),
    ("svd_V", "matrix[3, 3] r = svd_V(%s);" % lit(T53), V53, 1e-13),
    ("svd_U wide", "matrix[2, 2] r = svd_U(%s);" % lit(W24), U24, 1e-13),
    ("svd_V wide", "matrix[4, 2] r = svd_V(%s);" % lit(W24), V24, 1e-13),
    ("csr_extract_w", "vector[%d] r = csr_extract_w(%s);" % (len(w), lit(Sp)), w, 0),
    ("csr_extract_v", "array[%d] int r = csr_extract_v(%s);" % (len(v), lit(Sp)), np.array(v, float), 0),
    ("csr_extract_u", "array[4] int r = csr_extract_u(%s);" % lit(Sp), np.array(u, float), 0),
    ("csr_to_dense_matrix", "matrix[3, 4] r = csr_to_dense_matrix(3, 4, %s, {%s}, {%s});" % (
        lit(w), ", ".join(map(str, v)), ", ".join(map(str, u))), Sp, 0),
    ("csr_matrix_times_vector", "vector[3] r = csr_matrix_times_vector(3, 4, %s, {%s}, {%s}, %s);" % (
        lit(w), ", ".join(map(str, v)), ", ".join(map(str, u)), lit(bvec)), Sp @ bvec, 1e-15),
]

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "linalg_fn_table.h")
with open(out, "w") as fh:
    fh.write("/* tests/data/linalg_fn_table.h — generated by tests/data/gen_linalg_fn.py (numpy %s, scipy); do not edit.\n"
             " * Each row: what, a generated-quantities statement defining r, r's expected values (column-major), their\n"
             " * number and a relative tolerance on the scale of the largest value (0: exact). */\n" % np.__version__)
    fh.write("typedef struct linalg_fn_row {\n  const char *what;  /* the case */\n"
             "  const char *stmt;  /* Stan statement declaring r */\n  const double *want; /* expected values */\n"
             "  int n;             /* their number */\n  double rtol;       /* tolerance */\n} linalg_fn_row;\n\n")
    for i, (name, stmt, val, tol) in enumerate(CASES):
        arr = np.asarray(val, dtype=float)
        flat = arr.flatten(order="F") if arr.ndim == 2 else arr.reshape(-1)
        fh.write("static const double linalg_want_%d[] = {%s};\n" % (i, ", ".join(repr(float(x)) for x in flat)))
    fh.write("\nstatic const linalg_fn_row linalg_fn_table[] = {\n")
    for i, (name, stmt, val, tol) in enumerate(CASES):
        n = int(np.asarray(val).size)
        fh.write('  {"%s", "%s", linalg_want_%d, %d, %.3g},\n' % (name, stmt, i, n, tol))
    fh.write("};\n")
print("wrote %d cases to %s" % (len(CASES), out))
