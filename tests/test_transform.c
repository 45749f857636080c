/* tests/test_transform.c — Stan's constraint transforms: round trips
 * (constrain then unconstrain), the log-Jacobian against log|det| of a
 * central finite-difference Jacobian of u -> the free elements of x, the
 * reverse (adjoint) functions against finite differences of
 * L(u) = w . x(u) + log J(u) (relative 1e-6), bound/offset/multiplier
 * adjoints, a few closed-form values, and the validation messages of
 * unconstrain for values outside their constraint. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "math/linalg.h"
#include "math/rng.h"
#include "model/transform.h"
#include "data/transform_rstan.h"

typedef struct tcase {
  urn_transform_kind kind; /* transform */
  size_t rows, cols;       /* shape */
  const char *what;        /* description for messages */
} tcase;

/* Indices of x whose values are free (the image coordinates of the bijection). */
static size_t free_indices(urn_transform_kind k, size_t rows, size_t cols, size_t *idx) {
  size_t n = 0;
  switch (k) {
  case URN_TR_SIMPLEX:
    for (size_t i = 0; i + 1 < rows; i++) idx[n++] = i;
    return n;
  case URN_TR_STOCHASTIC_COLUMN: /* the first rows - 1 entries of every column */
    for (size_t c = 0; c < cols; c++)
      for (size_t i = 0; i + 1 < rows; i++) idx[n++] = i + c * rows;
    return n;
  case URN_TR_STOCHASTIC_ROW: /* the first cols - 1 entries of every row, in u's column-major order */
    for (size_t c = 0; c + 1 < cols; c++)
      for (size_t i = 0; i < rows; i++) idx[n++] = i + c * rows;
    return n;
  case URN_TR_CHOLESKY_CORR:
  case URN_TR_CORR_MATRIX:
    for (size_t c = 0; c < rows; c++)
      for (size_t i = c + 1; i < rows; i++) idx[n++] = i + c * rows;
    return n;
  case URN_TR_COV_MATRIX:
  case URN_TR_CHOLESKY_COV:
    for (size_t c = 0; c < cols; c++)
      for (size_t i = c; i < rows; i++) idx[n++] = i + c * rows;
    return n;
  default:
    for (size_t i = 0; i < urn__model_transform_constrained_size(k, rows, cols); i++) idx[n++] = i;
    return n;
  }
}

/* L(u) = w . x(u) + log J(u) */
static double objective(const tcase *t, const urn_transform_args *a, const double *u, const double *w, double *x) {
  double lj = 0;
  int rc = urn__model_transform_constrain(t->kind, t->rows, t->cols, a, u, x, &lj, "v", NULL);
  if (rc) return NAN;
  size_t nx = urn__model_transform_constrained_size(t->kind, t->rows, t->cols);
  return urn_dot(w, x, nx) + lj;
}

static double worst_rt = 0, worst_jac = 0, worst_grad = 0; /* worst errors seen, for the report */

static void run_case(const tcase *t, const urn_transform_args *a, urn_rng *r, double scale) {
  size_t nu = urn__model_transform_unconstrained_size(t->kind, t->rows, t->cols);
  size_t nx = urn__model_transform_constrained_size(t->kind, t->rows, t->cols);
  double *u = calloc(nu + 1, sizeof(double)), *u2 = calloc(nu + 1, sizeof(double));
  double *x = calloc(nx + 1, sizeof(double)), *xp = calloc(nx + 1, sizeof(double)), *xm = calloc(nx + 1, sizeof(double));
  double *w = calloc(nx + 1, sizeof(double)), *g = calloc(nu + 1, sizeof(double));
  size_t *idx = calloc(nx + 1, sizeof(size_t));
  for (size_t i = 0; i < nu; i++) u[i] = scale * urn_rng_normal(r);
  for (size_t i = 0; i < nx; i++) w[i] = urn_rng_normal(r);
  urn_error err;
  double lj = 0;
  int rc = urn__model_transform_constrain(t->kind, t->rows, t->cols, a, u, x, &lj, "v", &err);
  CHECK(rc == URN_OK, "%s: constrain (%s)", t->what, rc ? err.msg : "");
  if (rc) goto done;

  /* round trip */
  rc = urn__model_transform_unconstrain(t->kind, t->rows, t->cols, a, x, u2, "v", &err);
  CHECK(rc == URN_OK, "%s: unconstrain of constrain's output (%s)", t->what, rc ? err.msg : "");
  double e = 0;
  if (t->kind != URN_TR_UNIT_VECTOR) { /* unit_vector forgets the norm of u */
    for (size_t i = 0; i < nu; i++) e = fmax(e, fabs(u2[i] - u[i]) / fmax(1, fabs(u[i])));
    worst_rt = fmax(worst_rt, e);
    CHECK(e < 1e-9, "%s: round trip u -> x -> u error %.3g", t->what, e);
  }
  /* and x -> u -> x */
  urn__model_transform_constrain(t->kind, t->rows, t->cols, a, u2, xp, NULL, "v", NULL);
  e = 0;
  for (size_t i = 0; i < nx; i++) e = fmax(e, fabs(xp[i] - x[i]) / fmax(1, fabs(x[i])));
  worst_rt = fmax(worst_rt, e);
  CHECK(e < 1e-12, "%s: round trip x -> u -> x error %.3g", t->what, e);

  /* log-Jacobian against log|det| of the finite-difference Jacobian; the
   * sum-to-zero kinds are isometries onto their subspace (J'J = I, no term) */
  if (t->kind == URN_TR_SUM_TO_ZERO || t->kind == URN_TR_SUM_TO_ZERO_MATRIX) {
    CHECK(lj == 0, "%s: no log-Jacobian term (%g)", t->what, lj);
    double *J = calloc(nx * nu + 1, sizeof(double)), eo = 0, es = 0;
    urn__model_transform_jacobian(t->kind, t->rows, t->cols, a, u, J, NULL, "v", NULL);
    for (size_t p = 0; p < nu; p++)
      for (size_t q = 0; q < nu; q++) eo = fmax(eo, fabs(urn_dot(J + p * nx, J + q * nx, nx) - (p == q)));
    for (int by_row = 0; by_row < 2 && t->kind == URN_TR_SUM_TO_ZERO_MATRIX; by_row++)
      for (size_t k = 0; k < (by_row ? t->rows : t->cols); k++) {
        double sum = 0;
        for (size_t l = 0; l < (by_row ? t->cols : t->rows); l++) sum += by_row ? x[k + l * t->rows] : x[l + k * t->rows];
        es = fmax(es, fabs(sum));
      }
    CHECK(eo < 1e-13, "%s: columns of the Jacobian orthonormal (worst %.3g)", t->what, eo);
    CHECK(es < 1e-13, "%s: every row and column sums to 0 (worst %.3g)", t->what, es);
    free(J);
  } else if (t->kind != URN_TR_UNIT_VECTOR) {
    size_t nf = free_indices(t->kind, t->rows, t->cols, idx);
    CHECK(nf == nu, "%s: %zu free elements for %zu unconstrained", t->what, nf, nu);
    if (nf == nu && nu > 0) {
      double *J = calloc(nu * nu, sizeof(double));
      for (size_t j = 0; j < nu; j++) {
        double h = 1e-6 * fmax(1, fabs(u[j])), keep = u[j];
        u[j] = keep + h;
        urn__model_transform_constrain(t->kind, t->rows, t->cols, a, u, xp, NULL, "v", NULL);
        u[j] = keep - h;
        urn__model_transform_constrain(t->kind, t->rows, t->cols, a, u, xm, NULL, "v", NULL);
        u[j] = keep;
        for (size_t i = 0; i < nu; i++) J[i + j * nu] = (xp[idx[i]] - xm[idx[i]]) / (2 * h);
      }
      int sign;
      double ld = urn_log_abs_det(J, nu, &sign);
      double d = fabs(ld - lj) / fmax(1, fabs(lj));
      worst_jac = fmax(worst_jac, d);
      CHECK(d < 1e-6, "%s: log-Jacobian %.12g vs finite-difference log|det J| %.12g", t->what, lj, ld);
      free(J);
    }
  } else {
    double ss = urn_dot(u, u, nu);
    CHECK_REL(lj, -0.5 * ss, 1e-14, "unit_vector log-Jacobian term -u'u/2");
  }

  /* reverse against finite differences of L(u) = w.x + log J */
  rc = urn__model_transform_reverse(t->kind, t->rows, t->cols, a, u, x, w, 1.0, g, NULL, "v", &err);
  CHECK(rc == URN_OK, "%s: reverse (%s)", t->what, rc ? err.msg : "");
  e = 0;
  for (size_t j = 0; j < nu; j++) {
    /* five-point central difference: truncation O(h^4) */
    double h = 1e-3 * fmax(1, fabs(u[j])), keep = u[j], f[4];
    const double step[4] = {-2, -1, 1, 2};
    for (int q = 0; q < 4; q++) {
      u[j] = keep + step[q] * h;
      f[q] = objective(t, a, u, w, xp);
    }
    u[j] = keep;
    double fd = (f[0] - 8 * f[1] + 8 * f[2] - f[3]) / (12 * h);
    e = fmax(e, fabs(g[j] - fd) / fmax(1, fabs(fd)));
  }
  worst_grad = fmax(worst_grad, e);
  CHECK(e < 1e-6, "%s: reverse vs finite differences, worst rel %.3g", t->what, e);

  /* the dense Jacobian agrees with central differences of constrain, and
   * its log-Jacobian gradient with the reverse sweep at x_adj = 0 */
  {
    double *J = calloc(nx * nu + 1, sizeof(double)), *dl = calloc(nu + 1, sizeof(double));
    double *dl2 = calloc(nu + 1, sizeof(double));
    CHECK(urn__model_transform_jacobian(t->kind, t->rows, t->cols, a, u, J, dl, "v", NULL) == URN_OK, "%s: jacobian", t->what);
    urn__model_transform_reverse(t->kind, t->rows, t->cols, a, u, x, NULL, 1.0, dl2, NULL, "v", NULL);
    double ej = 0, el = 0;
    for (size_t j = 0; j < nu; j++) {
      double h = 1e-6 * fmax(1, fabs(u[j])), keep = u[j];
      u[j] = keep + h;
      urn__model_transform_constrain(t->kind, t->rows, t->cols, a, u, xp, NULL, "v", NULL);
      u[j] = keep - h;
      urn__model_transform_constrain(t->kind, t->rows, t->cols, a, u, xm, NULL, "v", NULL);
      u[j] = keep;
      for (size_t i = 0; i < nx; i++) {
        double fd = (xp[i] - xm[i]) / (2 * h);
        ej = fmax(ej, fabs(J[i + j * nx] - fd) / fmax(1, fabs(fd)));
      }
      el = fmax(el, fabs(dl[j] - dl2[j]));
    }
    CHECK(ej < 1e-7, "%s: dense Jacobian vs finite differences, worst %.3g", t->what, ej);
    CHECK(el < 1e-14, "%s: d log J / du from jacobian == reverse", t->what);
    free(J), free(dl), free(dl2);
  }

  /* the adjoint of unconstrain along the constraint surface: unconstrain(constrain(u)) = u, so
   * (du/dx)' w . J e_j = w_j for every direction j (J = dx/du); unit_vector's u = x gives w itself */
  if (t->kind != URN_TR_UNIT_VECTOR) {
    double *J = calloc(nx * nu + 1, sizeof(double)), *xa = calloc(nx + 1, sizeof(double));
    urn__model_transform_jacobian(t->kind, t->rows, t->cols, a, u, J, NULL, "v", NULL);
    rc = urn__model_transform_unconstrain_reverse(t->kind, t->rows, t->cols, a, x, u, w, xa, NULL, "v", &err);
    CHECK(rc == URN_OK, "%s: unconstrain_reverse (%s)", t->what, rc ? err.msg : "");
    double eu = 0;
    for (size_t j = 0; j < nu; j++) eu = fmax(eu, fabs(urn_dot(xa, J + j * nx, nx) - w[j]) / fmax(1, fabs(w[j])));
    CHECK(eu < 1e-9, "%s: unconstrain's adjoint inverts constrain's Jacobian (worst %.3g)", t->what, eu);
    free(J), free(xa);
  }

  /* reverse adds (does not overwrite), and x_adj NULL gives the Jacobian part only */
  for (size_t j = 0; j < nu; j++) u2[j] = 1.0;
  urn__model_transform_reverse(t->kind, t->rows, t->cols, a, u, x, w, 1.0, u2, NULL, "v", NULL);
  e = 0;
  for (size_t j = 0; j < nu; j++) e = fmax(e, fabs(u2[j] - 1.0 - g[j]));
  CHECK(e < 1e-12, "%s: reverse accumulates into u_adj", t->what);
done:
  free(u), free(u2), free(x), free(xp), free(xm), free(w), free(g), free(idx);
}

static void test_all_kinds(void) {
  urn_rng r;
  urn_rng_seed(&r, 4242, 0);
  const tcase cases[] = {
      {URN_TR_IDENTITY, 3, 1, "identity"},
      {URN_TR_ORDERED, 5, 1, "ordered[5]"},
      {URN_TR_ORDERED, 1, 1, "ordered[1]"},
      {URN_TR_POSITIVE_ORDERED, 4, 1, "positive_ordered[4]"},
      {URN_TR_SIMPLEX, 5, 1, "simplex[5]"},
      {URN_TR_SIMPLEX, 2, 1, "simplex[2]"},
      {URN_TR_SIMPLEX, 1, 1, "simplex[1]"},
      {URN_TR_UNIT_VECTOR, 4, 1, "unit_vector[4]"},
      {URN_TR_CHOLESKY_CORR, 4, 4, "cholesky_factor_corr[4]"},
      {URN_TR_CHOLESKY_CORR, 2, 2, "cholesky_factor_corr[2]"},
      {URN_TR_CHOLESKY_COV, 4, 4, "cholesky_factor_cov[4]"},
      {URN_TR_CHOLESKY_COV, 5, 3, "cholesky_factor_cov[5,3]"},
      {URN_TR_CORR_MATRIX, 4, 4, "corr_matrix[4]"},
      {URN_TR_CORR_MATRIX, 3, 3, "corr_matrix[3]"},
      {URN_TR_CORR_MATRIX, 2, 2, "corr_matrix[2]"},
      {URN_TR_COV_MATRIX, 3, 3, "cov_matrix[3]"},
      {URN_TR_COV_MATRIX, 1, 1, "cov_matrix[1]"},
      {URN_TR_STOCHASTIC_COLUMN, 4, 3, "column_stochastic_matrix[4,3]"},
      {URN_TR_STOCHASTIC_COLUMN, 1, 2, "column_stochastic_matrix[1,2]"},
      {URN_TR_STOCHASTIC_ROW, 3, 4, "row_stochastic_matrix[3,4]"},
      {URN_TR_STOCHASTIC_ROW, 2, 2, "row_stochastic_matrix[2,2]"},
      {URN_TR_SUM_TO_ZERO, 6, 1, "sum_to_zero_vector[6]"},
      {URN_TR_SUM_TO_ZERO_MATRIX, 4, 3, "sum_to_zero_matrix[4,3]"},
      {URN_TR_SUM_TO_ZERO_MATRIX, 2, 5, "sum_to_zero_matrix[2,5]"},
      {URN_TR_SUM_TO_ZERO_MATRIX, 1, 3, "sum_to_zero_matrix[1,3]"},
      /* large enough to take the heap path of the scratch buffers */
      {URN_TR_SIMPLEX, 150, 1, "simplex[150]"},
      {URN_TR_CORR_MATRIX, 9, 9, "corr_matrix[9]"},
      {URN_TR_COV_MATRIX, 9, 9, "cov_matrix[9]"},
      {URN_TR_CHOLESKY_CORR, 12, 12, "cholesky_factor_corr[12]"},
      {URN_TR_STOCHASTIC_ROW, 7, 40, "row_stochastic_matrix[7,40]"},
      {URN_TR_SUM_TO_ZERO_MATRIX, 30, 12, "sum_to_zero_matrix[30,12]"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    /* wide u (sd 2) only for small shapes: for large correlation matrices
     * tanh(u) near +-1 makes the inverse map ill-conditioned (partial
     * correlations are recovered by dividing by products of (1 - z^2)) */
    for (int rep = 0; rep < 3; rep++) run_case(&cases[i], NULL, &r, rep == 2 && cases[i].rows <= 5 ? 2.0 : 0.7);

  /* bounded kinds, with per-element and broadcast bounds */
  double lb[4] = {-1, 0, 2.5, -INFINITY}, ub[4] = {1, 10, 3, 4}, one_lb = 0.5, one_ub = 7;
  urn_transform_args a = {0};
  a.lb = lb, a.ub = ub, a.lb_stride = 1, a.ub_stride = 1;
  tcase lbc = {URN_TR_LOWER_UPPER, 4, 1, "lower_upper (per element, one infinite)"};
  run_case(&lbc, &a, &r, 1.0);
  tcase lo = {URN_TR_LOWER, 3, 1, "lower (per element)"};
  run_case(&lo, &a, &r, 1.0);
  tcase up = {URN_TR_UPPER, 4, 1, "upper (per element)"};
  run_case(&up, &a, &r, 1.0);
  urn_transform_args s = {0};
  s.lb = &one_lb, s.ub = &one_ub;
  tcase lus = {URN_TR_LOWER_UPPER, 2, 3, "lower_upper matrix, scalar bounds"};
  run_case(&lus, &s, &r, 1.5);
  tcase los = {URN_TR_LOWER, 3, 1, "lower, scalar"};
  run_case(&los, &s, &r, 1.5);
  tcase ups = {URN_TR_UPPER, 3, 1, "upper, scalar"};
  run_case(&ups, &s, &r, 1.5);
  double inf_lb = -INFINITY, inf_ub = INFINITY;
  urn_transform_args inf = {0};
  inf.lb = &inf_lb, inf.ub = &inf_ub;
  tcase luinf = {URN_TR_LOWER_UPPER, 3, 1, "lower_upper with both bounds infinite"};
  run_case(&luinf, &inf, &r, 1.0);
  double mu[3] = {1, -2, 0.5}, sig[3] = {0.5, 2, 10};
  urn_transform_args om = {0};
  om.offset = mu, om.multiplier = sig, om.offset_stride = 1, om.multiplier_stride = 1;
  tcase omc = {URN_TR_OFFSET_MULTIPLIER, 3, 1, "offset/multiplier"};
  run_case(&omc, &om, &r, 1.0);
  printf("worst round trip %.2e, worst log-Jacobian vs FD %.2e, worst reverse vs FD %.2e\n", worst_rt, worst_jac, worst_grad);
}

/* dL/dbound by finite differences against reverse's bound adjoints */
static void test_bound_adjoints(void) {
  double u[3] = {0.3, -1.2, 2.0}, w[3] = {0.7, -1.1, 0.4};
  const urn_transform_kind kinds[4] = {URN_TR_LOWER, URN_TR_UPPER, URN_TR_LOWER_UPPER, URN_TR_OFFSET_MULTIPLIER};
  for (int kk = 0; kk < 4; kk++) {
    for (int scalar = 0; scalar < 2; scalar++) {
      double p1[3] = {-0.5, 0.2, 1.0}, p2[3] = {2.0, 3.5, 4.0}; /* lb/offset, ub/multiplier */
      urn_transform_args a = {0};
      size_t st = scalar ? 0 : 1;
      if (kinds[kk] == URN_TR_OFFSET_MULTIPLIER)
        a.offset = p1, a.multiplier = p2, a.offset_stride = st, a.multiplier_stride = st;
      else
        a.lb = p1, a.ub = p2, a.lb_stride = st, a.ub_stride = st;
      tcase t = {kinds[kk], 3, 1, "bounds"};
      double x[3], g[3] = {0}, g1[3] = {0}, g2[3] = {0};
      urn_transform_adj adj = {0};
      if (kinds[kk] == URN_TR_OFFSET_MULTIPLIER)
        adj.offset = g1, adj.multiplier = g2;
      else
        adj.lb = g1, adj.ub = g2;
      urn__model_transform_constrain(t.kind, 3, 1, &a, u, x, NULL, "v", NULL);
      CHECK(urn__model_transform_reverse(t.kind, 3, 1, &a, u, x, w, 1.0, g, &adj, "v", NULL) == URN_OK, "bound reverse");
      double *par[2] = {p1, p2}, *got[2] = {g1, g2};
      for (int which = 0; which < 2; which++) {
        if (kinds[kk] == URN_TR_LOWER && which == 1) continue;
        if (kinds[kk] == URN_TR_UPPER && which == 0) continue;
        size_t nb = scalar ? 1 : 3;
        for (size_t b = 0; b < nb; b++) {
          double h = 1e-6, keep = par[which][b];
          par[which][b] = keep + h;
          double fp = objective(&t, &a, u, w, x);
          par[which][b] = keep - h;
          double fm = objective(&t, &a, u, w, x);
          par[which][b] = keep;
          CHECK_NEAR(got[which][b], (fp - fm) / (2 * h), 1e-6, 1e-7, "bound adjoint vs finite difference");
        }
      }
      /* unconstrain's adjoint: w . u(x, bounds) differentiated in x and in the bounds */
      double ux[3], xa[3] = {0}, h1[3] = {0}, h2[3] = {0};
      urn_transform_adj uadj = adj;
      if (kinds[kk] == URN_TR_OFFSET_MULTIPLIER) uadj.offset = h1, uadj.multiplier = h2;
      else uadj.lb = h1, uadj.ub = h2;
      urn__model_transform_unconstrain(t.kind, 3, 1, &a, x, ux, "v", NULL);
      CHECK(urn__model_transform_unconstrain_reverse(t.kind, 3, 1, &a, x, ux, w, xa, &uadj, "v", NULL) == URN_OK, "unconstrain reverse");
      double *upar[3] = {x, p1, p2}, *ugot[3] = {xa, h1, h2};
      for (int which = 0; which < 3; which++) {
        if ((kinds[kk] == URN_TR_LOWER && which == 2) || (kinds[kk] == URN_TR_UPPER && which == 1)) continue;
        size_t nb = which && scalar ? 1 : 3;
        for (size_t b = 0; b < nb; b++) {
          double h = 1e-7, keep = upar[which][b], fp, fm;
          upar[which][b] = keep + h;
          urn__model_transform_unconstrain(t.kind, 3, 1, &a, which ? x : upar[0], ux, "v", NULL);
          fp = urn_dot(w, ux, 3);
          upar[which][b] = keep - h;
          urn__model_transform_unconstrain(t.kind, 3, 1, &a, which ? x : upar[0], ux, "v", NULL);
          fm = urn_dot(w, ux, 3);
          upar[which][b] = keep;
          CHECK_NEAR(ugot[which][b], (fp - fm) / (2 * h), 1e-6, 1e-7, "unconstrain adjoint (x or bound) vs finite difference");
        }
      }
    }
  }
}

static void test_closed_forms(void) {
  /* simplex at u = 0 is uniform (softmax of the zero vector) */
  double u0[4] = {0, 0, 0, 0}, x[25], lj = 0;
  urn__model_transform_constrain(URN_TR_SIMPLEX, 5, 1, NULL, u0, x, &lj, "s", NULL);
  for (int i = 0; i < 5; i++) CHECK_REL(x[i], 0.2, 1e-15, "simplex(0) is uniform");
  /* log J = sum log x + 0.5 log K = 5 log(1/5) + 0.5 log 5 */
  CHECK_REL(lj, -4.5 * log(5.0), 1e-14, "simplex log-Jacobian at 0");
  /* K = 2: x = softmax(u/sqrt(2) * (1, -1)): x1 = inv_logit(sqrt(2) u) */
  {
    double u1 = 0.7, x2[2], l2 = 0, s1 = 1 / (1 + exp(-sqrt(2.0) * 0.7));
    urn__model_transform_constrain(URN_TR_SIMPLEX, 2, 1, NULL, &u1, x2, &l2, "s", NULL);
    CHECK_REL(x2[0], s1, 1e-15, "simplex[2] is inv_logit(sqrt(2) u)");
    /* dx1/du = sqrt(2) s (1 - s) */
    CHECK_REL(l2, log(sqrt(2.0) * s1 * (1 - s1)), 1e-14, "simplex[2] log-Jacobian");
  }
  /* sum_to_zero_matrix[2, 2] from one value u: V_2 = (1, -1)'/sqrt(2), x = u/2 [[1, -1], [-1, 1]] */
  {
    double u1 = 1.3, m[4];
    urn__model_transform_constrain(URN_TR_SUM_TO_ZERO_MATRIX, 2, 2, NULL, &u1, m, NULL, "z", NULL);
    CHECK_REL(m[0], 0.65, 1e-15, "sum_to_zero_matrix[2,2] [1,1]");
    CHECK_REL(m[1], -0.65, 1e-15, "sum_to_zero_matrix[2,2] [2,1]");
    CHECK_REL(m[2], -0.65, 1e-15, "sum_to_zero_matrix[2,2] [1,2]");
    CHECK_REL(m[3], 0.65, 1e-15, "sum_to_zero_matrix[2,2] [2,2]");
  }
  /* column_stochastic_matrix columns are the simplexes of the columns of u; row_stochastic of the rows */
  {
    double um[6] = {0.3, -1.2, 2.0, 0.5, -0.4, 0.9}, cm[9], rm[9], sv[3], l1 = 0, l2 = 0, l3 = 0;
    urn__model_transform_constrain(URN_TR_STOCHASTIC_COLUMN, 3, 3, NULL, um, cm, &l1, "c", NULL);
    double ls = 0;
    for (int c = 0; c < 3; c++) {
      urn__model_transform_constrain(URN_TR_SIMPLEX, 3, 1, NULL, um + 2 * c, sv, &ls, "s", NULL);
      for (int i = 0; i < 3; i++) CHECK_REL(cm[i + 3 * c], sv[i], 1e-15, "column_stochastic column = simplex");
    }
    CHECK_REL(l1, ls, 1e-14, "column_stochastic log-Jacobian = sum over columns");
    urn__model_transform_constrain(URN_TR_STOCHASTIC_ROW, 3, 3, NULL, um, rm, &l2, "r", NULL);
    for (int r = 0; r < 3; r++) {
      double ur[2] = {um[r], um[r + 3]};
      urn__model_transform_constrain(URN_TR_SIMPLEX, 3, 1, NULL, ur, sv, &l3, "s", NULL);
      for (int j = 0; j < 3; j++) CHECK_REL(rm[r + 3 * j], sv[j], 1e-15, "row_stochastic row = simplex");
    }
    CHECK_REL(l2, l3, 1e-14, "row_stochastic log-Jacobian = sum over rows");
  }
  /* lower: x = lb + exp(u), log J = u */
  double lb = 2, u = 0.5, v;
  urn_transform_args a = {0};
  a.lb = &lb;
  lj = 0;
  urn__model_transform_constrain(URN_TR_LOWER, 1, 1, &a, &u, &v, &lj, "sigma", NULL);
  CHECK_REL(v, 2 + exp(0.5), 1e-15, "lower constrain");
  CHECK_REL(lj, 0.5, 1e-15, "lower log-Jacobian");
  /* lower_upper (0, 1) at u: inv_logit, log J = log s + log(1 - s) */
  double z = 0, o = 1;
  a.lb = &z, a.ub = &o;
  lj = 0;
  u = 1.3;
  urn__model_transform_constrain(URN_TR_LOWER_UPPER, 1, 1, &a, &u, &v, &lj, "p", NULL);
  double s = 1 / (1 + exp(-1.3));
  CHECK_REL(v, s, 1e-15, "lower_upper constrain");
  CHECK_REL(lj, log(s) + log(1 - s), 1e-14, "lower_upper log-Jacobian");
  /* far tails: finite log-Jacobian (no log(0)) */
  u = -800;
  lj = 0;
  urn__model_transform_constrain(URN_TR_LOWER_UPPER, 1, 1, &a, &u, &v, &lj, "p", NULL);
  CHECK(isfinite(lj) && v == 0, "lower_upper far tail: log J %g finite", lj);
  /* cholesky_factor_corr[2] at u: L = [[1, 0], [tanh u, sech u]] */
  u = 0.4;
  lj = 0;
  urn__model_transform_constrain(URN_TR_CHOLESKY_CORR, 2, 2, NULL, &u, x, &lj, "L", NULL);
  CHECK(x[0] == 1 && x[2] == 0, "cholesky_corr[2] first row");
  CHECK_REL(x[1], tanh(0.4), 1e-15, "cholesky_corr[2] L21");
  CHECK_REL(x[3], 1 / cosh(0.4), 1e-15, "cholesky_corr[2] L22");
  CHECK_REL(lj, log(1 - tanh(0.4) * tanh(0.4)), 1e-14, "cholesky_corr[2] log J");
  /* corr_matrix[3]: unit diagonal, symmetric, positive definite */
  double uc[3] = {0.3, -0.8, 1.1};
  urn__model_transform_constrain(URN_TR_CORR_MATRIX, 3, 3, NULL, uc, x, NULL, "R", NULL);
  double L[9];
  CHECK(x[0] == 1 && x[4] == 1 && x[8] == 1, "corr_matrix unit diagonal");
  CHECK(x[1] == x[3] && x[2] == x[6] && x[5] == x[7], "corr_matrix symmetric");
  CHECK(urn_cholesky(L, x, 3) == 0, "corr_matrix positive definite");
  /* corr_matrix reads partial correlations by column: R21 = tanh u1, R31 = tanh u2 */
  CHECK_REL(x[1], tanh(0.3), 1e-15, "corr_matrix R[2,1] = tanh(u1)");
  CHECK_REL(x[2], tanh(-0.8), 1e-15, "corr_matrix R[3,1] = tanh(u2)");
  /* cholesky_factor_corr reads them by row: L21 = tanh u1, L31 = tanh u2, L32 = tanh u3 sqrt(1 - L31^2) */
  urn__model_transform_constrain(URN_TR_CHOLESKY_CORR, 3, 3, NULL, uc, x, NULL, "L", NULL);
  CHECK_REL(x[1], tanh(0.3), 1e-15, "cholesky_corr L[2,1]");
  CHECK_REL(x[2], tanh(-0.8), 1e-15, "cholesky_corr L[3,1]");
  CHECK_REL(x[5], tanh(1.1) * sqrt(1 - tanh(-0.8) * tanh(-0.8)), 1e-15, "cholesky_corr L[3,2]");
  /* cov_matrix[2]: L = [[e^u1, 0], [u2, e^u3]], log J = 2 log 2 + 3 u1 + 2 u3 */
  double uv[3] = {0.2, -0.7, 0.1};
  lj = 0;
  urn__model_transform_constrain(URN_TR_COV_MATRIX, 2, 2, NULL, uv, x, &lj, "S", NULL);
  CHECK_REL(x[0], exp(0.4), 1e-15, "cov_matrix S11");
  CHECK_REL(x[1], exp(0.2) * -0.7, 1e-15, "cov_matrix S21");
  CHECK_REL(x[3], 0.49 + exp(0.2), 1e-15, "cov_matrix S22");
  CHECK_REL(lj, 2 * log(2.0) + 3 * 0.2 + 2 * 0.1, 1e-15, "cov_matrix log J (Stan's)");
  /* sizes */
  CHECK(urn__model_transform_unconstrained_size(URN_TR_CHOLESKY_COV, 5, 3) == 12, "cholesky_factor_cov[5,3] has 6 + 6 free values");
  CHECK(urn__model_transform_unconstrained_size(URN_TR_CORR_MATRIX, 4, 4) == 6, "corr_matrix[4] size");
  CHECK(urn__model_transform_unconstrained_size(URN_TR_COV_MATRIX, 4, 4) == 10, "cov_matrix[4] size");
  CHECK(urn__model_transform_unconstrained_size(URN_TR_SIMPLEX, 4, 1) == 3, "simplex[4] size");
  CHECK(urn__model_transform_constrained_size(URN_TR_CORR_MATRIX, 4, 4) == 16, "corr_matrix[4] constrained size");
}

/* unconstrain refuses values outside the constraint with a message that
 * contains `want` */
static void expect_error(urn_transform_kind k, size_t rows, size_t cols, const urn_transform_args *a, const double *x,
                         const char *want) {
  double u[64];
  urn_error err;
  urn_error_clear(&err);
  int rc = urn__model_transform_unconstrain(k, rows, cols, a, x, u, "theta", &err);
  CHECK(rc == URN_EINPUT && strstr(err.msg, want), "%s: expected an error containing \"%s\", got rc %d \"%s\"", urn__model_transform_name(k), want, rc,
        err.msg);
}

static void test_validation(void) {
  double lb = 0, ub = 1;
  urn_transform_args a = {0};
  a.lb = &lb, a.ub = &ub;
  double neg[2] = {0.5, -0.1};
  expect_error(URN_TR_LOWER, 2, 1, &a, neg, "theta[2] is -0.10000000000000001, but must be greater than or equal to 0 (lower bound)");
  double big[1] = {1.5};
  expect_error(URN_TR_LOWER_UPPER, 1, 1, &a, big, "theta is 1.5, but must be less than or equal to 1 (upper bound)");
  expect_error(URN_TR_UPPER, 1, 1, &a, big, "upper bound");
  double atb[1] = {0};
  expect_error(URN_TR_LOWER, 1, 1, &a, atb, "exactly its lower bound");
  double nan1[1] = {NAN};
  expect_error(URN_TR_IDENTITY, 1, 1, NULL, nan1, "theta is nan");
  double sig0 = 0, mu0 = 0;
  urn_transform_args om = {0};
  om.offset = &mu0, om.multiplier = &sig0;
  expect_error(URN_TR_OFFSET_MULTIPLIER, 1, 1, &om, big, "multiplier is 0, but must be positive finite");
  double bad_lu_lb = 2;
  urn_transform_args badlu = {0};
  badlu.lb = &bad_lu_lb, badlu.ub = &ub;
  expect_error(URN_TR_LOWER_UPPER, 1, 1, &badlu, big, "must be less than the upper bound");
  double ord[3] = {1, 3, 2};
  expect_error(URN_TR_ORDERED, 3, 1, NULL, ord, "theta is not a valid ordered vector: theta[3] is 2, but must be greater than the previous element, 3");
  double pord[2] = {-1, 2};
  expect_error(URN_TR_POSITIVE_ORDERED, 2, 1, NULL, pord, "theta[1] is -1, but must be positive");
  double sx[3] = {0.2, 0.3, 0.4};
  expect_error(URN_TR_SIMPLEX, 3, 1, NULL, sx, "theta is not a valid simplex: sum(theta) = 0.90000000000000002, but should be 1");
  double sxn[3] = {0.7, -0.1, 0.4};
  expect_error(URN_TR_SIMPLEX, 3, 1, NULL, sxn, "theta[2] = -0.10000000000000001, but must be greater than or equal to 0");
  double sx0[3] = {0.5, 0, 0.5};
  expect_error(URN_TR_SIMPLEX, 3, 1, NULL, sx0, "boundary of the simplex");
  double uv[2] = {0.6, 0.6};
  expect_error(URN_TR_UNIT_VECTOR, 2, 1, NULL, uv, "not a valid unit vector");
  double ns[4] = {1, 0.5, 0.4, 1};
  expect_error(URN_TR_COV_MATRIX, 2, 2, NULL, ns, "theta is not symmetric: theta[2,1] = 0.5, but theta[1,2] = 0.40000000000000002");
  double npd[4] = {1, 2, 2, 1};
  expect_error(URN_TR_COV_MATRIX, 2, 2, NULL, npd, "theta is not positive definite");
  double cd[4] = {1, 0.3, 0.3, 1.1};
  expect_error(URN_TR_CORR_MATRIX, 2, 2, NULL, cd, "theta[2,2] is 1.1000000000000001, but should be 1");
  double cpd[9] = {1, 0.9, -0.9, 0.9, 1, 0.9, -0.9, 0.9, 1};
  expect_error(URN_TR_CORR_MATRIX, 3, 3, NULL, cpd, "not positive definite");
  double lt[4] = {1, 0.5, 0.1, 0.8};
  expect_error(URN_TR_CHOLESKY_COV, 2, 2, NULL, lt, "theta is not lower triangular: theta[1,2] = 0.10000000000000001");
  double nd[4] = {1, 0.5, 0, -0.8};
  expect_error(URN_TR_CHOLESKY_COV, 2, 2, NULL, nd, "diagonal element theta[2,2] = -0.80000000000000004, but must be positive");
  double cc[4] = {1, 0.6, 0, 0.7};
  expect_error(URN_TR_CHOLESKY_CORR, 2, 2, NULL, cc, "row 2 has squared norm");
  double wide[6] = {1, 0, 0, 1, 0, 0};
  expect_error(URN_TR_CHOLESKY_COV, 2, 3, NULL, wide, "rows >= columns");
  /* column_stochastic_matrix[2, 2] column-major: column 2 = (0.5, 0.6) */
  double cs[4] = {0.3, 0.7, 0.5, 0.6};
  expect_error(URN_TR_STOCHASTIC_COLUMN, 2, 2, NULL, cs, "theta[:, 2] is not a valid simplex: sum(theta[:, 2]) = 1.1000000000000001, but should be 1");
  /* row_stochastic_matrix[2, 2]: row 1 = (0.3, 0.5), row 2 = (0.7, 0.5) */
  double rs[4] = {0.3, 0.7, 0.5, 0.5};
  expect_error(URN_TR_STOCHASTIC_ROW, 2, 2, NULL, rs, "theta[1, :] is not a valid simplex: sum(theta[1, :]) = 0.80000000000000004");
  double rsn[4] = {1.2, 0.5, -0.2, 0.5};
  expect_error(URN_TR_STOCHASTIC_ROW, 2, 2, NULL, rsn, "theta[1, :][2] = -0.20000000000000001, but must be greater than or equal to 0");
  double rs0[4] = {1, 0.5, 0, 0.5};
  expect_error(URN_TR_STOCHASTIC_ROW, 2, 2, NULL, rs0, "boundary of the simplex");
  /* sum_to_zero_matrix[2, 3]: column 3 (1, 1) sums to 2 (columns are checked first) */
  double sz[6] = {1, -1, -2, 2, 1, 1};
  expect_error(URN_TR_SUM_TO_ZERO_MATRIX, 2, 3, NULL, sz, "theta is not a valid sum_to_zero_matrix: column 3 sums to 2, but must sum to 0");
  double szc[6] = {1, -1, -2, 2, 1, -1};
  CHECK(urn__model_transform_validate(URN_TR_SUM_TO_ZERO_MATRIX, 2, 3, szc, "z", NULL) == URN_OK, "a valid sum_to_zero_matrix validates");
  double szr[6] = {1, -1, -2, 2, 1, -0.5};
  expect_error(URN_TR_SUM_TO_ZERO_MATRIX, 2, 3, NULL, szr, "column 3 sums to 0.5");
  /* validate accepts boundary values that unconstrain refuses (data may hold them) */
  CHECK(urn__model_transform_validate(URN_TR_STOCHASTIC_ROW, 2, 2, rs0, "p", NULL) == URN_OK, "a stochastic matrix with a 0 entry is valid data");
  CHECK(urn__model_transform_validate(URN_TR_SIMPLEX, 3, 1, sx0, "p", NULL) == URN_OK, "a simplex with a 0 entry is valid data");
  {
    urn_error e3;
    CHECK(urn__model_transform_validate(URN_TR_STOCHASTIC_COLUMN, 2, 2, cs, "P", &e3) == URN_EINPUT && strstr(e3.msg, "P[:, 2]"), "validate names the column: %s", e3.msg);
  }
  /* constrain rejects bad bounds at this point (a parameter-dependent bound) */
  double u1 = 0.1, x1;
  urn_error err;
  CHECK(urn__model_transform_constrain(URN_TR_LOWER_UPPER, 1, 1, &badlu, &u1, &x1, NULL, "p", &err) == URN_EREJECT &&
            strstr(err.msg, "p: lower bound is 2, but must be less than the upper bound 1"),
        "constrain with lower > upper rejects: %s", err.msg);
  double zero2[2] = {0, 0}, x2[2];
  CHECK(urn__model_transform_constrain(URN_TR_UNIT_VECTOR, 2, 1, NULL, zero2, x2, NULL, "uv", &err) == URN_EREJECT, "unit_vector of 0 rejects");
}

/* The log-Jacobian of Stan <= 2.36's stick-breaking simplex, which rstan 2.21
 * uses: sum_k log s_k + log z_k + log(1 - z_k), z_k = inv_logit(u_k - log(K - 1 - k)). */
static double stick_breaking_logj(size_t K, const double *u) {
  double stick = 1, s = 0;
  for (size_t k = 0; k + 1 < K; k++) {
    double z = 1 / (1 + exp(-(u[k] - log((double)(K - 1 - k)))));
    s += log(stick) + log(z) + log1p(-z);
    stick -= stick * z;
  }
  return s;
}

/* Against rstan 2.21 (tests/data/gen_transform_rstan.R): an empty model with
 * one parameter of every constraint; rstan's log_prob is then the sum of the
 * log-Jacobians, grad_log_prob its gradient, constrain_pars the values.
 * rstan's simplex is the stick-breaking one (urn's is Stan 2.37's): its term
 * is taken out of rstan's log_prob, its gradient entries are not compared,
 * and its values are checked by a round trip through urn's inverse. */
static void test_rstan(void) {
  double worst_lp = 0, worst_g = 0;
  double lb_a = 0.5, ub_b = 2, lb_c = -1, ub_c = 3, off_d = 1, mul_d = 2, zero = 0, one = 1;
  urn_transform_args A[13];
  memset(A, 0, sizeof A);
  A[0].lb = &lb_a;
  A[1].ub = &ub_b;
  A[2].lb = &lb_c, A[2].ub = &ub_c;
  A[3].offset = &off_d, A[3].multiplier = &mul_d;
  A[4].lb = &zero, A[4].ub = &one;
  const struct {
    urn_transform_kind k; /* kind */
    size_t rows, cols;    /* shape */
    const char *name;     /* Stan name */
  } v[13] = {{URN_TR_LOWER, 1, 1, "a"},          {URN_TR_UPPER, 1, 1, "b"},
             {URN_TR_LOWER_UPPER, 1, 1, "c"},    {URN_TR_OFFSET_MULTIPLIER, 1, 1, "d"},
             {URN_TR_LOWER_UPPER, 2, 1, "e"},    {URN_TR_ORDERED, 3, 1, "o"},
             {URN_TR_POSITIVE_ORDERED, 3, 1, "po"}, {URN_TR_SIMPLEX, 4, 1, "s"},
             {URN_TR_UNIT_VECTOR, 3, 1, "uv"},   {URN_TR_CHOLESKY_CORR, 4, 4, "Lc"},
             {URN_TR_CHOLESKY_COV, 4, 3, "Lv"},  {URN_TR_CORR_MATRIX, 4, 4, "R"},
             {URN_TR_COV_MATRIX, 3, 3, "S"}};
  for (int p = 0; p < RSTAN_NPTS; p++) {
    const double *u = rstan_u + p * RSTAN_NU, *xr = rstan_x + p * RSTAN_NX, *gr = rstan_grad + p * RSTAN_NU;
    double x[RSTAN_NX], g[RSTAN_NU], u2[RSTAN_NU], lj = 0, lp_ref = rstan_lp[p];
    size_t s_lo = 0, s_hi = 0; /* the simplex's entries of u */
    memset(g, 0, sizeof g);
    size_t uo = 0, xo = 0;
    for (int i = 0; i < 13; i++) {
      size_t nu = urn__model_transform_unconstrained_size(v[i].k, v[i].rows, v[i].cols);
      size_t nx = urn__model_transform_constrained_size(v[i].k, v[i].rows, v[i].cols);
      if (v[i].k == URN_TR_SIMPLEX) {
        lp_ref -= stick_breaking_logj(v[i].rows, u + uo);
        s_lo = uo, s_hi = uo + nu;
        double us[8], xs[8];
        CHECK(urn__model_transform_unconstrain(v[i].k, v[i].rows, 1, NULL, xr + xo, us, "s", NULL) == URN_OK, "rstan's simplex unconstrains");
        urn__model_transform_constrain(v[i].k, v[i].rows, 1, NULL, us, xs, NULL, "s", NULL);
        double ex = 0;
        for (size_t j = 0; j < nx; j++) ex = fmax(ex, fabs(xs[j] - xr[xo + j]));
        CHECK(ex < 1e-14, "point %d: rstan's simplex round trip (worst %.3g)", p, ex);
        uo += nu, xo += nx;
        continue;
      }
      CHECK(urn__model_transform_constrain(v[i].k, v[i].rows, v[i].cols, &A[i], u + uo, x + xo, &lj, v[i].name, NULL) == URN_OK, "rstan constrain %s", v[i].name);
      urn__model_transform_reverse(v[i].k, v[i].rows, v[i].cols, &A[i], u + uo, x + xo, NULL, 1.0, g + uo, NULL, v[i].name, NULL);
      double ex = 0;
      for (size_t j = 0; j < nx; j++) ex = fmax(ex, fabs(x[xo + j] - xr[xo + j]) / fmax(1, fabs(xr[xo + j])));
      CHECK(ex < 1e-13, "point %d: %s constrained values match rstan (worst %.3g)", p, v[i].name, ex);
      CHECK(urn__model_transform_unconstrain(v[i].k, v[i].rows, v[i].cols, &A[i], xr + xo, u2 + uo, v[i].name, NULL) == URN_OK, "rstan unconstrain %s", v[i].name);
      double eu = 0;
      for (size_t j = 0; j < nu; j++) eu = fmax(eu, fabs(u2[uo + j] - u[uo + j]) / fmax(1, fabs(u[uo + j])));
      CHECK(eu < 1e-9 || v[i].k == URN_TR_UNIT_VECTOR, "point %d: %s unconstrain of rstan's values gives rstan's u (worst %.3g)", p, v[i].name, eu);
      uo += nu, xo += nx;
    }
    CHECK(uo == RSTAN_NU && xo == RSTAN_NX, "sizes match rstan's (%zu, %zu)", uo, xo);
    CHECK_REL(lj, lp_ref, 1e-12, "sum of log-Jacobians == rstan log_prob (simplex term aside)");
    worst_lp = fmax(worst_lp, fabs(lj - lp_ref) / fabs(lp_ref));
    double eg = 0;
    for (int j = 0; j < RSTAN_NU; j++)
      if ((size_t)j < s_lo || (size_t)j >= s_hi) eg = fmax(eg, fabs(g[j] - gr[j]) / fmax(1, fabs(gr[j])));
    CHECK(eg < 1e-12, "point %d: log-Jacobian gradient == rstan grad_log_prob (worst %.3g)", p, eg);
    worst_g = fmax(worst_g, eg);
  }
  printf("rstan 2.21: worst log-Jacobian rel %.2e, worst gradient rel %.2e over %d points\n", worst_lp, worst_g, RSTAN_NPTS);
}

int main(void) {
  test_rstan();
  test_all_kinds();
  test_bound_adjoints();
  test_closed_forms();
  test_validation();
  return test_done();
}
