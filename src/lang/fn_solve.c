/* lang/fn_solve.c — algebraic equation solvers and map_rect:
 *   algebra_solver, algebra_solver_newton (f(y, theta, x_r, x_i), optional
 *     rel_tol, f_tol, max_steps), solve_newton, solve_powell (variadic
 *     f(y, ...)) and their _tol forms (scaling_step or rel_tol, f_tol,
 *     max_steps);
 *   map_rect(f, phi, thetas, x_rs, x_is): f(phi, theta_j, x_r_j, x_i_j) for
 *     every job j, results concatenated (lang/fn_par.c: on the run's
 *     thread pool);
 *   reduce_sum / reduce_sum_static(f, x, grainsize, ...): the sum of f over slices
 *     of x (lang/fn_par.c).
 *
 * Method for every solver name: Newton's method on f(y) = 0 with the
 * Jacobian from the tape (the user's function run on fresh nodes, one reverse
 * sweep per component, as fn_ode.c), a backtracking line search on |f|^2,
 * and Levenberg-Marquardt damping (J'J + mu I) when the Newton step fails or
 * J is singular — so that "powell" problems that need a trust region are
 * solved too.  Converged when |f|_inf <= f_tol and the last step is below
 * rel_tol (1 + |y|); otherwise the evaluation is rejected with a message.
 *
 * Gradient (implicit function theorem): at the solution y*, f(y*, p) = 0
 * gives dy/dp = -J_y^-1 J_p at y = y*, so each output is one tape node with those
 * partials for every parameter-dependent scalar of the extra arguments.  The
 * initial guess has no influence on y* and gets no partials (as Stan). */
#include <math.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "lang/fn.h"

enum { SOLVE_OLD = 1, SOLVE_TOL = 2, SOLVE_NEWTON_DEFAULTS = 4 };

typedef struct solve_sys {
  urn_usys u;            /* the user's system F(y, ...) = 0: y is argument 0 */
  const char *name;      /* built-in name for messages */
} solve_sys;

/* F(y) into fy; with jac (1: J only, 2: J and Jp) the Jacobians. */
static void solve_call(solve_sys *S, const double *y, double *fy, int jac) {
  size_t rn = urn_usys_call(&S->u, y, fy, jac);
  if (rn != S->u.N)
    urn_ev_reject(S->u.ev, "%s: the system function %s returned %zu values for %zu unknowns", S->name, S->u.f->name,
                  rn, S->u.N);
}

/* Solves A X = B in place (A n x n row-major, B n x m row-major) by Gaussian
 * elimination with partial pivoting; returns 0 when A is (numerically) singular. */
static int lu_solve(double *A, double *B, size_t n, size_t m) {
  double amax = 0;
  for (size_t i = 0; i < n * n; i++) amax = fmax(amax, fabs(A[i]));
  for (size_t c = 0; c < n; c++) {
    size_t p = c;
    for (size_t r = c + 1; r < n; r++)
      if (fabs(A[r * n + c]) > fabs(A[p * n + c])) p = r;
    if (!(fabs(A[p * n + c]) > 1e-14 * amax)) return 0;
    if (p != c) {
      for (size_t j = 0; j < n; j++) { double t = A[c * n + j]; A[c * n + j] = A[p * n + j], A[p * n + j] = t; }
      for (size_t j = 0; j < m; j++) { double t = B[c * m + j]; B[c * m + j] = B[p * m + j], B[p * m + j] = t; }
    }
    for (size_t r = c + 1; r < n; r++) {
      double f = A[r * n + c] / A[c * n + c];
      if (f == 0) continue;
      for (size_t j = c; j < n; j++) A[r * n + j] -= f * A[c * n + j];
      for (size_t j = 0; j < m; j++) B[r * m + j] -= f * B[c * m + j];
    }
  }
  for (size_t c = n; c-- > 0;)
    for (size_t j = 0; j < m; j++) {
      double acc = B[c * m + j];
      for (size_t k = c + 1; k < n; k++) acc -= A[c * n + k] * B[k * m + j];
      B[c * m + j] = acc / A[c * n + c];
    }
  return 1;
}

static double norm2(const double *x, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += x[i] * x[i];
  return s;
}

/* Newton / Levenberg-Marquardt iterations from y (in place). */
static void solve_iterate(solve_sys *S, double *y, double rel_tol, double f_tol, double max_steps) {
  urn_ev *ev = S->u.ev;
  size_t N = S->u.N;
  double *fy = urn_ev_doubles(ev, N), *A = urn_ev_doubles(ev, N * N), *d = urn_ev_doubles(ev, N),
         *yt = urn_ev_doubles(ev, N), *ft = urn_ev_doubles(ev, N);
  solve_call(S, y, fy, 1);
  double mu = 0, fn = norm2(fy, N);
  for (double step = 0;; step++) {
    double finf = 0;
    for (size_t i = 0; i < N; i++) finf = fmax(finf, fabs(fy[i]));
    if (!isfinite(fn)) urn_ev_reject(ev, "%s: the system function is not finite at the current iterate", S->name);
    if (finf <= f_tol * 1e-3 || fn == 0) return;
    if (step >= max_steps) {
      if (finf <= f_tol) return;
      urn_ev_reject(ev, "%s: max_num_steps (%.0f) reached with |f| = %g > function tolerance %g", S->name, max_steps,
                    finf, f_tol);
    }
    /* step: (J'J + mu I) d = -J'f (mu = 0: the Newton step J d = -f) */
    int ok;
    if (mu == 0) {
      memcpy(A, S->u.J, N * N * sizeof *A);
      for (size_t i = 0; i < N; i++) d[i] = -fy[i];
      ok = lu_solve(A, d, N, 1);
    } else {
      for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < N; j++) {
          double acc = 0;
          for (size_t q = 0; q < N; q++) acc += S->u.J[q * N + i] * S->u.J[q * N + j];
          A[i * N + j] = acc + (i == j ? mu : 0);
        }
        double g = 0;
        for (size_t q = 0; q < N; q++) g += S->u.J[q * N + i] * fy[q];
        d[i] = -g;
      }
      ok = lu_solve(A, d, N, 1);
    }
    if (!ok) {
      mu = mu ? mu * 10 : 1e-6 * (1 + fn);
      continue;
    }
    /* backtracking on |f|^2 */
    double t = 1, fnew = INFINITY;
    for (int ls = 0; ls < 30; ls++, t *= 0.5) {
      for (size_t i = 0; i < N; i++) yt[i] = y[i] + t * d[i];
      solve_call(S, yt, ft, 0);
      fnew = norm2(ft, N);
      if (isfinite(fnew) && fnew <= (1 - 1e-4 * t) * fn) break;
    }
    if (!(isfinite(fnew) && fnew < fn)) {
      /* no decrease: damp more (towards gradient descent) */
      mu = mu ? mu * 10 : 1e-3 * (1 + fn);
      if (mu > 1e20) {
        double finf2 = 0;
        for (size_t i = 0; i < N; i++) finf2 = fmax(finf2, fabs(fy[i]));
        if (finf2 <= f_tol) return;
        urn_ev_reject(ev, "%s: no progress from |f| = %g (function tolerance %g): no root found", S->name, finf2, f_tol);
      }
      continue;
    }
    double dmax = 0, ymax = 0;
    for (size_t i = 0; i < N; i++) dmax = fmax(dmax, fabs(t * d[i])), ymax = fmax(ymax, fabs(yt[i]));
    memcpy(y, yt, N * sizeof *y);
    solve_call(S, y, fy, 1);
    fn = norm2(fy, N);
    mu = mu > 0 ? mu * 0.1 : 0;
    if (mu < 1e-12) mu = 0;
    double finf2 = 0;
    for (size_t i = 0; i < N; i++) finf2 = fmax(finf2, fabs(fy[i]));
    if (dmax <= rel_tol * (1 + ymax) && finf2 <= f_tol) return;
  }
}

static void solve_cleanup(solve_sys *S) { urn_usys_end(&S->u); }

static void f_solve(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int old = (b->aux2 & SOLVE_OLD) != 0, tol = (b->aux2 & SOLVE_TOL) != 0;
  const ir_fun *f = urn_fn_funref(&args[0]);
  const urn_val *guess = &args[1];
  double rel_tol = 1e-10, f_tol = 1e-6, max_steps = (b->aux2 & SOLVE_NEWTON_DEFAULTS) ? 200 : 1000;
  int first_extra, nextra;
  if (old) {
    first_extra = 2, nextra = 3;
    if (n == 8) rel_tol = args[5].v[0], f_tol = args[6].v[0], max_steps = args[7].v[0];
  } else {
    first_extra = tol ? 5 : 2;
    nextra = n - first_extra;
    if (tol) rel_tol = args[2].v[0], f_tol = args[3].v[0], max_steps = args[4].v[0];
  }
  /* solve_newton_tol's first tolerance is KINSOL's scaling step: used here as the step tolerance */
  if (!(rel_tol > 0)) urn_ev_reject(ev, "%s: relative tolerance (or scaling step) is %g, but must be positive", b->name, rel_tol);
  if (!(f_tol > 0)) urn_ev_reject(ev, "%s: function tolerance is %g, but must be positive", b->name, f_tol);
  if (!(max_steps >= 1)) urn_ev_reject(ev, "%s: max_num_steps is %g, but must be positive", b->name, max_steps);
  size_t N = guess->n;
  if (N == 0) urn_ev_reject(ev, "%s: the initial guess has size 0", b->name);
  for (size_t i = 0; i < N; i++)
    if (!isfinite(guess->v[i])) urn_ev_reject(ev, "%s: initial guess[%zu] is %g, but must be finite", b->name, i + 1, guess->v[i]);
  solve_sys *S = urn_arena_alloc(&ev->arena, sizeof *S);
  S->u.ev = ev, S->name = b->name, S->u.f = f, S->u.N = N;
  S->u.nfargs = 1 + nextra;
  S->u.fargs = urn_arena_alloc(&ev->arena, (size_t)S->u.nfargs * sizeof *S->u.fargs);
  S->u.fargs[0].ty = (urn_type){URN_TY_VECTOR, 0}, S->u.fargs[0].dim[0] = (int32_t)N, S->u.fargs[0].n = N;
  for (int k = 0; k < nextra; k++) S->u.fargs[1 + k] = args[first_extra + k];
  size_t np = 0;
  for (int k = 1; k < S->u.nfargs; k++)
    if (S->u.fargs[k].ix)
      for (size_t i = 0; i < S->u.fargs[k].n; i++) np += S->u.fargs[k].ix[i] >= 0;
  S->u.p_arg = urn_arena_alloc(&ev->arena, (np ? np : 1) * sizeof *S->u.p_arg);
  S->u.p_pos = urn_arena_alloc(&ev->arena, (np ? np : 1) * sizeof *S->u.p_pos);
  for (int k = 1; k < S->u.nfargs; k++)
    if (S->u.fargs[k].ix)
      for (size_t i = 0; i < S->u.fargs[k].n; i++)
        if (S->u.fargs[k].ix[i] >= 0) S->u.p_arg[S->u.Kp] = k, S->u.p_pos[S->u.Kp++] = i;
  S->u.J = urn_ev_doubles(ev, N * N);
  S->u.Jp = urn_ev_doubles(ev, N * (np ? np : 1));
  double *y = urn_ev_doubles(ev, N), *fy = urn_ev_doubles(ev, N);
  memcpy(y, guess->v, N * sizeof *y);

  urn_usys_begin(&S->u);
  if (setjmp(ev->jb)) {
    solve_cleanup(S);
    longjmp(ev->jb, 1);
  }
  solve_iterate(S, y, rel_tol, f_tol, max_steps);
  if (S->u.Kp) solve_call(S, y, fy, 2);
  solve_cleanup(S);

  int32_t dim[1] = {(int32_t)N};
  urn_val_alloc(ev, out, (urn_type){URN_TY_VECTOR, 0}, dim, S->u.Kp > 0);
  memcpy(out->v, y, N * sizeof *y);
  if (!S->u.Kp) return;
  /* dy/dp = -J^-1 Jp */
  double *A = urn_ev_doubles(ev, N * N), *X = urn_ev_doubles(ev, N * S->u.Kp);
  memcpy(A, S->u.J, N * N * sizeof *A);
  memcpy(X, S->u.Jp, N * S->u.Kp * sizeof *X);
  if (!lu_solve(A, X, N, S->u.Kp))
    urn_ev_reject(ev, "%s: the Jacobian is singular at the solution: the solution has no derivative", b->name);
  for (size_t i = 0; i < N; i++) {
    int32_t *o;
    double *p;
    urn_tape_begin(&ev->tape, S->u.Kp, &o, &p);
    for (size_t k = 0; k < S->u.Kp; k++) o[k] = S->u.fargs[S->u.p_arg[k]].ix[S->u.p_pos[k]], p[k] = -X[i * S->u.Kp + k];
    out->ix[i] = urn_tape_end(&ev->tape, y[i], S->u.Kp);
  }
}

#define F(name, sig, aux2, doc) {name, sig, f_solve, NULL, NULL, aux2, 0, doc}
const urn_builtin urn_fn_solve_table[] = {
    F("algebra_solver", "v:F v v 1r 1i", SOLVE_OLD, "root y of f(y, theta, x_r, x_i) = 0 (Newton / Levenberg-Marquardt)"),
    F("algebra_solver", "v:F v v 1r 1i r r r", SOLVE_OLD, "algebra_solver with rel_tol, f_tol, max_steps"),
    F("algebra_solver_newton", "v:F v v 1r 1i", SOLVE_OLD | SOLVE_NEWTON_DEFAULTS, "as algebra_solver"),
    F("algebra_solver_newton", "v:F v v 1r 1i r r r", SOLVE_OLD, "as algebra_solver with tolerances"),
    F("solve_newton", "v:F v", SOLVE_NEWTON_DEFAULTS, "root y of f(y, ...) = 0"),
    F("solve_newton", "v:F v A*", SOLVE_NEWTON_DEFAULTS, "root y of f(y, ...) = 0"),
    F("solve_newton_tol", "v:F v r r i", SOLVE_TOL, "solve_newton with scaling_step, f_tol, max_steps"),
    F("solve_newton_tol", "v:F v r r i A*", SOLVE_TOL, "solve_newton with scaling_step, f_tol, max_steps"),
    F("solve_powell", "v:F v", 0, "root y of f(y, ...) = 0"),
    F("solve_powell", "v:F v A*", 0, "root y of f(y, ...) = 0"),
    F("solve_powell_tol", "v:F v r r i", SOLVE_TOL, "solve_powell with rel_tol, f_tol, max_steps"),
    F("solve_powell_tol", "v:F v r r i A*", SOLVE_TOL, "solve_powell with rel_tol, f_tol, max_steps"),
    {"reduce_sum", "r:F Z i", urn_fn_reduce_sum, NULL, NULL, 0, 0, "the sum of f(x[lo:hi], lo, hi, ...) over slices of x (on the thread pool)"},
    {"reduce_sum", "r:F Z i A*", urn_fn_reduce_sum, NULL, NULL, 0, 0, "the sum of f(x[lo:hi], lo, hi, ...) over slices of x (on the thread pool)"},
    {"reduce_sum_static", "r:F Z i", urn_fn_reduce_sum, NULL, NULL, 0, 0, "as reduce_sum"},
    {"reduce_sum_static", "r:F Z i A*", urn_fn_reduce_sum, NULL, NULL, 0, 0, "as reduce_sum"},
    {"map_rect", "v:F v 1v 2r 2i", urn_fn_map_rect, NULL, NULL, 0, 0,
     "concatenated f(phi, theta_j, x_r_j, x_i_j) over the jobs (on the thread pool)"},
    {NULL, NULL, NULL, NULL, NULL, 0, 0, NULL}};
