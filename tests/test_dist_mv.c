/* tests/test_dist_mv.c — the multivariate, categorical, ordinal and GLM
 * families of math/dist.h: values against scipy / closed forms
 * (tests/data/dist_table.h), partials against central finite differences
 * (in simplex-preserving directions for simplex arguments, symmetric
 * perturbations for covariance matrices), propto, item broadcasting,
 * errors, and the LKJ normalizing constant by numerical integration. */
#include <string.h>
#include "harness.h"
#include "math/dist.h"
#include "math/dist_impl.h"
#include "data/dist_table.h"

static int nval, npart, nprop, nbcast, nerr;

/* Evaluates family fam's lpdf on args with no partials; NAN on error. */
static double eval(const urn_dist *d, urn_darg *args, int nargs) {
  urn_darg a[URN_DIST_MAX_ARGS];
  for (int j = 0; j < nargs; j++) {
    a[j] = args[j];
    a[j].d = NULL;
  }
  double v;
  return d->lpdf(a, 0, &v, NULL) == URN_OK ? v : NAN;
}

/* 4-point central difference of the lpdf along direction dir (n values) of arg j. */
static double fd_dir(const urn_dist *d, urn_darg *args, int nargs, int j, const double *dir) {
  double *x = (double *)args[j].v, h = 1e-5, f[4];
  const double off[4] = {-2, -1, 1, 2};
  for (int t = 0; t < 4; t++) {
    for (size_t k = 0; k < args[j].n; k++) x[k] += off[t] * h * dir[k];
    f[t] = eval(d, args, nargs);
    for (size_t k = 0; k < args[j].n; k++) x[k] -= off[t] * h * dir[k];
  }
  return (f[0] - 8 * f[1] + 8 * f[2] - f[3]) / (12 * h);
}

/* Checks the analytic partials of every argument with a buffer against FD,
 * element by element (mode 0), in directions e_i - e_{i+1} (mode 1: simplex),
 * by symmetric pairs (mode 2: symmetric matrix; 4: off the diagonal of a correlation matrix) or on the lower
 * triangle (mode 3: a Cholesky factor). */
static void check_grads(const urn_dist *d, urn_darg *args, int nargs, const int *mode,
                        const char *what) {
  double *saved[URN_DIST_MAX_ARGS];
  for (int j = 0; j < nargs; j++) {
    saved[j] = args[j].d;
    if (args[j].d)
      for (size_t k = 0; k < args[j].n; k++) args[j].d[k] = 0.5; /* partials are added */
  }
  double v;
  urn_error e;
  int st = d->lpdf(args, 0, &v, &e);
  CHECK(st == URN_OK, "%s: %s", what, st ? e.msg : "");
  for (int j = 0; j < nargs; j++) {
    if (!saved[j]) continue;
    size_t n = args[j].n;
    double dir[64];
    for (size_t k = 0; k < n; k++) {
      memset(dir, 0, sizeof dir);
      double an;
      if (mode[j] == 1) {
        if (k + 1 >= n) break;
        dir[k] = 1;
        dir[k + 1] = -1;
        an = (saved[j][k] - 0.5) - (saved[j][k + 1] - 0.5);
      } else if (mode[j] == 3) { /* a Cholesky factor: its lower triangle */
        size_t K = args[j].rows;
        if (k % K < k / K) continue;
        dir[k] = 1;
        an = saved[j][k] - 0.5;
      } else if (mode[j] == 2 || mode[j] == 4) { /* 4: a correlation matrix, its diagonal fixed at 1 */
        size_t K = args[j].rows, r = k % K, c = k / K;
        if (r < c || (mode[j] == 4 && r == c)) continue;
        dir[k] = 1;
        dir[c + r * K] = 1;
        an = (saved[j][k] - 0.5) + (r != c ? saved[j][c + r * K] - 0.5 : 0);
      } else {
        dir[k] = 1;
        an = saved[j][k] - 0.5;
      }
      double num = fd_dir(d, args, nargs, j, dir);
      char msg[128];
      snprintf(msg, sizeof msg, "%s d/d%s[%zu]", what, d->args[j].name, k);
      CHECK_NEAR(an, num, 1e-6, 1e-8, msg);
      npart++;
    }
  }
}

static double lp_of(const urn_dist *d, urn_darg *a, int propto) {
  double v = NAN;
  d->lpdf(a, propto, &v, NULL);
  return v;
}

static void test_dirichlet(void) {
  const urn_dist *d = urn_dist_find("dirichlet");
  double th[3] = {0.2, 0.3, 0.5}, al[3] = {1.5, 0.7, 3.0}, gt[3], ga[3];
  urn_darg a[2] = {urn_darg_items(th, 1, 3, 1, gt), urn_darg_items(al, 1, 3, 1, ga)};
  CHECK_NEAR(eval(d, a, 2), REF_DIRICHLET, 1e-12, 0, "dirichlet value");
  nval++;
  int mode[2] = {1, 0};
  check_grads(d, a, 2, mode, "dirichlet");
  /* propto: theta the only parameter drops lgamma(sum alpha) - sum lgamma(alpha) */
  double full = lp_of(d, a, 0);
  a[1].d = NULL;
  double c = urn_lgamma(5.2) - urn_lgamma(1.5) - urn_lgamma(0.7) - urn_lgamma(3.0);
  CHECK_NEAR(full - lp_of(d, a, 1), c, 1e-12, 1e-12, "dirichlet propto (theta parameter)");
  a[0].d = NULL;
  CHECK(lp_of(d, a, 1) == 0, "dirichlet propto all constant");
  nprop += 2;
  /* two items of theta against one alpha: the sum */
  double th2[6] = {0.2, 0.3, 0.5, 0.6, 0.1, 0.3};
  urn_darg b[2] = {urn_darg_items(th2, 2, 3, 1, NULL), urn_darg_items(al, 1, 3, 1, NULL)};
  urn_darg b2[2] = {urn_darg_items(th2 + 3, 1, 3, 1, NULL), urn_darg_items(al, 1, 3, 1, NULL)};
  CHECK_NEAR(eval(d, b, 2), REF_DIRICHLET + eval(d, b2, 2), 1e-12, 0, "dirichlet items");
  nbcast++;
  /* large concentrations near the mode: the saddle-point form keeps the digits lgamma(5.2e10) would lose */
  double thl[3] = {1.5 / 5.2, 0.7 / 5.2, 3.0 / 5.2}, all[3] = {1.5e10, 0.7e10, 3.0e10}, gtl[3], gal[3];
  urn_darg lg[2] = {urn_darg_items(thl, 1, 3, 1, gtl), urn_darg_items(all, 1, 3, 1, gal)};
  CHECK_NEAR(eval(d, lg, 2), REF_DIRICHLET_LARGE, 1e-12, 0, "dirichlet at alpha ~ 1e10");
  nval++;
  double bad[3] = {0.2, 0.3, 0.6};
  urn_darg e1[2] = {urn_darg_items(bad, 1, 3, 1, NULL), urn_darg_items(al, 1, 3, 1, NULL)};
  urn_error e;
  double v;
  CHECK(d->lpdf(e1, 0, &v, &e) == URN_EREJECT && strstr(e.msg, "dirichlet_lpdf: probabilities is not a valid simplex"),
        "non-simplex: %s", e.msg);
  nerr++;
}

static const double Sigma[9] = {2.0, 0.3, -0.4, 0.3, 1.0, 0.2, -0.4, 0.2, 1.5};

static void test_multi_normal(void) {
  const urn_dist *d = urn_dist_find("multi_normal");
  double y[3] = {0.4, 0.2, -0.6}, mu[3] = {0.1, -0.3, 0.5}, S[9], gy[3], gm[3], gS[9];
  memcpy(S, Sigma, sizeof S);
  urn_darg a[3] = {urn_darg_items(y, 1, 3, 1, gy), urn_darg_items(mu, 1, 3, 1, gm),
                   urn_darg_items(S, 1, 3, 3, gS)};
  CHECK_NEAR(eval(d, a, 3), REF_MULTI_NORMAL, 1e-12, 0, "multi_normal value");
  nval++;
  int mode[3] = {0, 0, 2};
  check_grads(d, a, 3, mode, "multi_normal");
  double full = lp_of(d, a, 0);
  CHECK_NEAR(full - lp_of(d, a, 1), -1.5 * log(2 * M_PI), 1e-12, 0, "multi_normal propto");
  a[2].d = NULL;
  double L[9];
  dist_cholesky("t", "S", S, 3, L, NULL);
  double logdet = 2 * (log(L[0]) + log(L[4]) + log(L[8]));
  CHECK_NEAR(full - lp_of(d, a, 1), -1.5 * log(2 * M_PI) - 0.5 * logdet, 1e-12, 0,
             "multi_normal propto with Sigma data");
  nprop += 2;
  /* two y items against one mu, and two mu items */
  double y2[6] = {0.4, 0.2, -0.6, 1.0, -1.0, 0.3};
  urn_darg b[3] = {urn_darg_items(y2, 2, 3, 1, NULL), urn_darg_items(mu, 1, 3, 1, NULL),
                   urn_darg_items(S, 1, 3, 3, NULL)};
  urn_darg b2[3] = {urn_darg_items(y2 + 3, 1, 3, 1, NULL), urn_darg_items(mu, 1, 3, 1, NULL),
                    urn_darg_items(S, 1, 3, 3, NULL)};
  CHECK_NEAR(eval(d, b, 3), REF_MULTI_NORMAL + eval(d, b2, 3), 1e-12, 0, "multi_normal items");
  double gy2[6], gmb[3], gSb[9];
  urn_darg c[3] = {urn_darg_items(y2, 2, 3, 1, gy2), urn_darg_items(mu, 1, 3, 1, gmb),
                   urn_darg_items(S, 1, 3, 3, gSb)};
  check_grads(d, c, 3, mode, "multi_normal 2 items");
  nbcast++;
  /* multi_normal_cholesky with L = chol(Sigma) gives the same value */
  const urn_dist *dc = urn_dist_find("multi_normal_cholesky");
  double gL[9];
  urn_darg m[3] = {urn_darg_items(y, 1, 3, 1, gy), urn_darg_items(mu, 1, 3, 1, gm),
                   urn_darg_items(L, 1, 3, 3, gL)};
  CHECK_NEAR(eval(dc, m, 3), REF_MULTI_NORMAL, 1e-12, 0, "multi_normal_cholesky value");
  nval++;
  int modec[3] = {0, 0, 0};
  check_grads(dc, m, 3, modec, "multi_normal_cholesky");
  CHECK_NEAR(lp_of(dc, m, 0) - lp_of(dc, m, 1), -1.5 * log(2 * M_PI), 1e-12, 0,
             "multi_normal_cholesky propto");
  nprop++;
  /* errors */
  double ns[9];
  memcpy(ns, Sigma, sizeof ns);
  ns[3] = 0.35;
  urn_darg e1[3] = {urn_darg_items(y, 1, 3, 1, NULL), urn_darg_items(mu, 1, 3, 1, NULL),
                    urn_darg_items(ns, 1, 3, 3, NULL)};
  urn_error e;
  double v;
  CHECK(d->lpdf(e1, 0, &v, &e) == URN_EREJECT && strstr(e.msg, "multi_normal_lpdf: Covariance matrix is not symmetric"),
        "not symmetric: %s", e.msg);
  double npd[9] = {1, 2, 0, 2, 1, 0, 0, 0, 1};
  e1[2] = urn_darg_items(npd, 1, 3, 3, NULL);
  CHECK(d->lpdf(e1, 0, &v, &e) == URN_EREJECT && strstr(e.msg, "Covariance matrix is not positive definite"),
        "not positive definite: %s", e.msg);
  double ymis[2] = {0, 0};
  e1[0] = urn_darg_items(ymis, 1, 2, 1, NULL);
  e1[2] = urn_darg_items(S, 1, 3, 3, NULL);
  CHECK(d->lpdf(e1, 0, &v, &e) == URN_EREJECT && strstr(e.msg, "must match in size"),
        "size mismatch: %s", e.msg);
  nerr += 3;
}

static void test_lkj(void) {
  const urn_dist *d = urn_dist_find("lkj_corr_cholesky");
  double r = 0.3, L2[4] = {1, r, 0, sqrt(1 - r * r)}, eta = 2.5, gL[4], ge[1];
  urn_darg a[2] = {urn_darg_items(L2, 1, 2, 2, gL), urn_darg_reals(&eta, 1, ge)};
  CHECK_NEAR(eval(d, a, 2), REF_LKJ2, 1e-12, 0, "lkj_corr_cholesky K=2 value");
  nval++;
  /* eta partial by FD; L's diagonal partial is coef / L[k,k] (FD on L would leave the
   * unit-row constraint) */
  memset(gL, 0, sizeof gL);
  ge[0] = 0;
  double v;
  d->lpdf(a, 0, &v, NULL);
  double x3[9], gl3[9] = {0}, e3 = 1.7, ge3 = 0;
  /* a K = 3 factor from partial correlations 0.3, -0.2, 0.5 */
  double z21 = 0.3, z31 = -0.2, z32 = 0.5;
  memset(x3, 0, sizeof x3);
  x3[0] = 1;
  x3[1] = z21;
  x3[4] = sqrt(1 - z21 * z21);
  x3[2] = z31;
  x3[5] = z32 * sqrt(1 - z31 * z31);
  x3[8] = sqrt(1 - z31 * z31 - x3[5] * x3[5]);
  urn_darg b[2] = {urn_darg_items(x3, 1, 3, 3, gl3), urn_darg_reals(&e3, 1, &ge3)};
  d->lpdf(b, 0, &v, NULL);
  CHECK_NEAR(gl3[4], (3 - 2 + 2 * e3 - 2) / x3[4], 1e-12, 0, "lkj dL[2,2]");
  CHECK_NEAR(gl3[8], (3 - 3 + 2 * e3 - 2) / x3[8], 1e-12, 0, "lkj dL[3,3]");
  double h = 1e-5, fp, fm;
  urn_darg bc[2] = {urn_darg_items(x3, 1, 3, 3, NULL), urn_darg_reals(&e3, 1, NULL)};
  e3 += h;
  d->lpdf(bc, 0, &fp, NULL);
  e3 -= 2 * h;
  d->lpdf(bc, 0, &fm, NULL);
  e3 += h;
  CHECK_NEAR(ge3, (fp - fm) / (2 * h), 1e-6, 1e-8, "lkj d/deta");
  npart += 3;
  /* K = 3 normalization: integrate exp(lpdf) over the free elements
   * (L21, L31, L32) with the midpoint rule. */
  int G = 60;
  double total = 0;
  for (int i = 0; i < G; i++) {
    double l21 = -1 + (i + 0.5) * 2.0 / G;
    for (int j = 0; j < G; j++) {
      double l31 = -1 + (j + 0.5) * 2.0 / G, w = sqrt(1 - l31 * l31);
      for (int k = 0; k < G; k++) {
        double l32 = -w + (k + 0.5) * 2 * w / G;
        double M[9] = {1, l21, l31, 0, sqrt(1 - l21 * l21), l32, 0, 0,
                       sqrt(fmax(0, 1 - l31 * l31 - l32 * l32))};
        urn_darg q[2] = {urn_darg_items(M, 1, 3, 3, NULL), urn_darg_reals(&e3, 1, NULL)};
        double lp;
        if (d->lpdf(q, 0, &lp, NULL) == URN_OK) total += exp(lp) * (2.0 / G) * (2.0 / G) * (2 * w / G);
      }
    }
  }
  CHECK_NEAR(total, 1.0, 2e-3, 0, "lkj_corr_cholesky K=3 integrates to 1");
  nval++;
  CHECK_NEAR(lp_of(d, b, 0) - lp_of(d, b, 1), 0, 0, 1e-14, "lkj propto keeps all when eta is a parameter");
  b[1].d = NULL;
  double c = 0;
  for (int k = 1; k < 3; k++) {
    double Kk = 3 - k, bb = e3 + 0.5 * (Kk - 1);
    c -= (2 * e3 - 2 + Kk) * Kk * log(2) + Kk * urn_lbeta(bb, bb);
  }
  CHECK_NEAR(lp_of(d, b, 0) - lp_of(d, b, 1), c, 1e-12, 1e-12, "lkj propto drops the constant");
  nprop += 2;
  double badL[4] = {1, 0.5, 0, 0.5};
  urn_darg e1[2] = {urn_darg_items(badL, 1, 2, 2, NULL), urn_darg_reals(&eta, 1, NULL)};
  urn_error e;
  CHECK(d->lpdf(e1, 0, &v, &e) == URN_EREJECT && strstr(e.msg, "not a valid Cholesky factor of a correlation matrix"),
        "bad L: %s", e.msg);
  double neg = -1;
  e1[0] = urn_darg_items(L2, 1, 2, 2, NULL);
  e1[1] = urn_darg_reals(&neg, 1, NULL);
  CHECK(d->lpdf(e1, 0, &v, &e) == URN_EREJECT && strstr(e.msg, "lkj_corr_cholesky_lpdf: Shape parameter is -1"),
        "bad eta: %s", e.msg);
  nerr += 2;
}

static void test_categorical(void) {
  const urn_dist *d = urn_dist_find("categorical");
  int y[3] = {2, 3, 2};
  double th[3] = {0.2, 0.5, 0.3}, g[3];
  urn_darg a[2] = {urn_darg_ints(y, 3), urn_darg_items(th, 1, 3, 1, g)};
  CHECK_NEAR(eval(d, a, 2), REF_CATEGORICAL, 1e-12, 0, "categorical value");
  nval++;
  int mode[2] = {0, 1};
  check_grads(d, a, 2, mode, "categorical");
  int y0[1] = {4};
  urn_darg o[2] = {urn_darg_ints(y0, 1), urn_darg_items(th, 1, 3, 1, NULL)};
  CHECK(eval(d, o, 2) == -INFINITY, "categorical outside 1..K is -inf");
  CHECK(lp_of(d, o + 0, 1) == -INFINITY, "categorical propto outside support");
  nerr += 2;
  const urn_dist *dl = urn_dist_find("categorical_logit");
  int yl[2] = {1, 3};
  double be[3] = {0.4, -1.2, 2.0}, gb[3];
  urn_darg b[2] = {urn_darg_ints(yl, 2), urn_darg_items(be, 1, 3, 1, gb)};
  CHECK_NEAR(eval(dl, b, 2), REF_CATEGORICAL_LOGIT, 1e-12, 0, "categorical_logit value");
  nval++;
  int model[2] = {0, 0};
  check_grads(dl, b, 2, model, "categorical_logit");
  CHECK_NEAR(lp_of(dl, b, 0) - lp_of(dl, b, 1), 0, 0, 1e-14, "categorical_logit propto");
  b[1].d = NULL;
  CHECK(lp_of(dl, b, 1) == 0, "categorical_logit propto all constant");
  nprop += 2;
}

static void test_ordered_logistic(void) {
  const urn_dist *d = urn_dist_find("ordered_logistic");
  int y[4] = {1, 2, 3, 4};
  double eta[4] = {0.3, 0.3, 1.1, 1.1}, c[3] = {-0.5, 0.8, 2.0}, ge[4], gc[3];
  urn_darg a[3] = {urn_darg_ints(y, 4), urn_darg_reals(eta, 4, ge), urn_darg_items(c, 1, 3, 1, gc)};
  CHECK_NEAR(eval(d, a, 3), REF_ORDERED_LOGISTIC, 1e-12, 0, "ordered_logistic value");
  nval++;
  int mode[3] = {0, 0, 0};
  check_grads(d, a, 3, mode, "ordered_logistic");
  /* cut-points as an array of 4 identical vectors: same value, per-item partials sum */
  double c4[12], gc4[12], ge4[4];
  for (int i = 0; i < 4; i++) memcpy(c4 + 3 * i, c, sizeof c);
  urn_darg b[3] = {urn_darg_ints(y, 4), urn_darg_reals(eta, 4, ge4), urn_darg_items(c4, 4, 3, 1, gc4)};
  CHECK_NEAR(eval(d, b, 3), REF_ORDERED_LOGISTIC, 1e-12, 0, "ordered_logistic array of cut-points");
  check_grads(d, b, 3, mode, "ordered_logistic array of cut-points");
  nbcast++;
  double bad[3] = {-0.5, 0.8, 0.1};
  urn_darg e1[3] = {urn_darg_ints(y, 4), urn_darg_reals(eta, 4, NULL), urn_darg_items(bad, 1, 3, 1, NULL)};
  urn_error e;
  double v;
  CHECK(d->lpdf(e1, 0, &v, &e) == URN_EREJECT && strstr(e.msg, "ordered_logistic_lpmf: Cut-points is not a valid ordered vector"),
        "unordered: %s", e.msg);
  int y5[1] = {5};
  urn_darg o[3] = {urn_darg_ints(y5, 1), urn_darg_reals(eta, 1, NULL), urn_darg_items(c, 1, 3, 1, NULL)};
  CHECK(eval(d, o, 3) == -INFINITY, "ordered_logistic k > K is -inf");
  nerr += 2;
}

static void test_glms(void) {
  const urn_dist *d = urn_dist_find("normal_id_glm");
  /* x is 3 x 2, column-major */
  double y[3] = {0.5, -1.0, 0.9}, x[6] = {1.0, -0.3, 0.7, 0.5, 2.0, -1.1}, al = 0.3,
         be[2] = {0.4, -0.2}, s = 1.3;
  double gy[3], gx[6], ga[1], gb[2], gs[1];
  urn_darg a[5] = {urn_darg_reals(y, 3, gy), urn_darg_items(x, 1, 3, 2, gx),
                   urn_darg_reals(&al, 1, ga), urn_darg_reals(be, 2, gb), urn_darg_reals(&s, 1, gs)};
  CHECK_NEAR(eval(d, a, 5), REF_NORMAL_ID_GLM, 1e-12, 0, "normal_id_glm value");
  nval++;
  int mode[5] = {0};
  check_grads(d, a, 5, mode, "normal_id_glm");
  CHECK_NEAR(lp_of(d, a, 0) - lp_of(d, a, 1), -1.5 * log(2 * M_PI), 1e-12, 0, "normal_id_glm propto");
  nprop++;
  const urn_dist *db = urn_dist_find("bernoulli_logit_glm");
  int yb[3] = {1, 0, 1};
  urn_darg b[4] = {urn_darg_ints(yb, 3), urn_darg_items(x, 1, 3, 2, gx), urn_darg_reals(&al, 1, ga),
                   urn_darg_reals(be, 2, gb)};
  CHECK_NEAR(eval(db, b, 4), REF_BERNOULLI_LOGIT_GLM, 1e-12, 0, "bernoulli_logit_glm value");
  nval++;
  int modeb[4] = {0};
  check_grads(db, b, 4, modeb, "bernoulli_logit_glm");
  b[1].d = b[2].d = b[3].d = NULL;
  CHECK(lp_of(db, b, 1) == 0, "bernoulli_logit_glm propto all constant");
  nprop++;
  double neg = -1;
  a[4] = urn_darg_reals(&neg, 1, NULL);
  urn_error e;
  double v;
  CHECK(d->lpdf(a, 0, &v, &e) == URN_EREJECT && strstr(e.msg, "normal_id_glm_lpdf: Scale vector is -1"),
        "glm sigma: %s", e.msg);
  nerr++;
}

/* The GLMs on a size that exercises their blocked, vectorised loops (N = 1237: three row blocks and an odd
 * remainder; K = 13: with AVX2 a pass of eight columns, one of four and one more, in SSE2 three of four and one
 * more; the partials' dot products four columns at a time and one alone), every broadcast form of alpha and sigma, every
 * argument with partials, against a row-by-row evaluation written here from the densities' formulas. */
static void test_glms_large(void) {
  enum { N = 1237, K = 13 };
  static double x[N * K], y[N], al[N], sg[N], gx[N * K], gy[N], ga[N], gs[N], rx[N * K], ry[N], ra[N], rs[N];
  double be[K], gb[K], rb[K];
  static int yb[N];
  uint64_t st = 7;
  for (int i = 0; i < N * K; i++) x[i] = 2 * (double)((st = st * 6364136223846793005ull + 1442695040888963407ull) >> 11) * 0x1p-53 - 1;
  for (int i = 0; i < N; i++) {
    y[i] = sin(0.37 * i) * 2, al[i] = 0.1 * cos(0.11 * i), sg[i] = 0.8 + 0.5 * sin(0.05 * i) * sin(0.05 * i);
    yb[i] = (i * 7) % 3 == 0;
  }
  for (int j = 0; j < K; j++) be[j] = 0.2 * (j - 6);
  const urn_dist *d = urn_dist_find("normal_id_glm"), *db = urn_dist_find("bernoulli_logit_glm");
  for (int form = 0; form < 4; form++) {
    int va = form & 1, vs = form & 2; /* alpha, sigma: vectors or scalars */
    memset(gx, 0, sizeof gx), memset(gy, 0, sizeof gy), memset(ga, 0, sizeof ga), memset(gs, 0, sizeof gs);
    memset(gb, 0, sizeof gb), memset(rx, 0, sizeof rx), memset(ry, 0, sizeof ry), memset(ra, 0, sizeof ra);
    memset(rs, 0, sizeof rs), memset(rb, 0, sizeof rb);
    double ref = 0;
    for (int i = 0; i < N; i++) {
      double a_i = al[va ? i : 0], s_i = sg[vs ? i : 0], eta = a_i;
      for (int j = 0; j < K; j++) eta += x[i + j * N] * be[j];
      double z = (y[i] - eta) / s_i;
      ref += -0.5 * z * z - log(s_i) - 0.5 * log(2 * M_PI);
      ry[i] -= z / s_i, ra[va ? i : 0] += z / s_i, rs[vs ? i : 0] += (z * z - 1) / s_i;
      for (int j = 0; j < K; j++) rb[j] += z / s_i * x[i + j * N], rx[i + j * N] += z / s_i * be[j];
    }
    urn_darg a[5] = {urn_darg_reals(y, N, gy), urn_darg_items(x, 1, N, K, gx), urn_darg_reals(al, va ? N : 1, ga),
                     urn_darg_reals(be, K, gb), urn_darg_reals(sg, vs ? N : 1, gs)};
    double lp = 0;
    CHECK(d->lpdf(a, 0, &lp, NULL) == URN_OK, "normal_id_glm N=%d K=%d form %d runs", N, K, form);
    CHECK_REL(lp, ref, 1e-12, "normal_id_glm, blocked: value equals the row-by-row sum");
    double worst = 0;
    for (int i = 0; i < N; i++) worst = fmax(worst, fabs(gy[i] - ry[i]) / (1 + fabs(ry[i])));
    for (int i = 0; i < (va ? N : 1); i++) worst = fmax(worst, fabs(ga[i] - ra[i]) / (1 + fabs(ra[i])));
    for (int i = 0; i < (vs ? N : 1); i++) worst = fmax(worst, fabs(gs[i] - rs[i]) / (1 + fabs(rs[i])));
    for (int j = 0; j < K; j++) worst = fmax(worst, fabs(gb[j] - rb[j]) / (1 + fabs(rb[j])));
    for (int i = 0; i < N * K; i++) worst = fmax(worst, fabs(gx[i] - rx[i]) / (1 + fabs(rx[i])));
    CHECK(worst < 1e-11, "normal_id_glm, blocked, form %d: every partial equals the row-by-row one (worst %.2g)", form,
          worst);
    npart++, nval++;
    /* bernoulli_logit_glm with the same x, alpha and beta */
    memset(gx, 0, sizeof gx), memset(ga, 0, sizeof ga), memset(gb, 0, sizeof gb);
    memset(rx, 0, sizeof rx), memset(ra, 0, sizeof ra), memset(rb, 0, sizeof rb);
    ref = 0;
    for (int i = 0; i < N; i++) {
      double eta = al[va ? i : 0];
      for (int j = 0; j < K; j++) eta += x[i + j * N] * be[j];
      double p = 1 / (1 + exp(-eta)), g = yb[i] - p;
      ref += yb[i] ? -log1p(exp(-eta)) : -log1p(exp(eta));
      ra[va ? i : 0] += g;
      for (int j = 0; j < K; j++) rb[j] += g * x[i + j * N], rx[i + j * N] += g * be[j];
    }
    urn_darg b[4] = {urn_darg_ints(yb, N), urn_darg_items(x, 1, N, K, gx), urn_darg_reals(al, va ? N : 1, ga),
                     urn_darg_reals(be, K, gb)};
    CHECK(db->lpdf(b, 0, &lp, NULL) == URN_OK, "bernoulli_logit_glm N=%d form %d runs", N, form);
    CHECK_REL(lp, ref, 1e-12, "bernoulli_logit_glm, blocked: value equals the row-by-row sum");
    worst = 0;
    for (int i = 0; i < (va ? N : 1); i++) worst = fmax(worst, fabs(ga[i] - ra[i]) / (1 + fabs(ra[i])));
    for (int j = 0; j < K; j++) worst = fmax(worst, fabs(gb[j] - rb[j]) / (1 + fabs(rb[j])));
    for (int i = 0; i < N * K; i++) worst = fmax(worst, fabs(gx[i] - rx[i]) / (1 + fabs(rx[i])));
    CHECK(worst < 1e-11, "bernoulli_logit_glm, blocked, form %d: every partial equals the row-by-row one (worst %.2g)",
          form, worst);
    npart++, nval++;
  }
}

/* bernoulli_logit_glm's rows (dist_glm.c's vectorised exp and log1p): the term of the log mass y eta -
 * log(1 + exp(eta)) and its derivative y - inv_logit(eta) against mpmath (3000 bits), across every branch (eta
 * below and above 0, |eta| near 0.88 where e = exp(-|eta|) crosses sqrt(2) - 1, up to 707.9 in the vectors and
 * beyond 708 by libm, the tiny and the huge); every value computed one row at a time (the SSE2 kernel, padded) has
 * the bits of the same row computed in a long call (the AVX2 kernel where the CPU has it); NaN and infinities; and
 * bernoulli_logit_lpmf over a container, which takes the same rows. */
static void test_glm_logit_rows(void) {
  static const struct { double x; int y; double t, g, p; } ref[] = {
      {-800.0, 0, 0.0, 0.0, 0.0},
      {-800.0, 1, -8.0e+2, 1.0, 0.0},
      {-709.5, 0, -7.3801483140125808486e-309, -7.3801483140125808486e-309, 7.3801483140125808486e-309},
      {-709.5, 1, -7.095e+2, 1.0, 7.3801483140125808486e-309},
      {-707.9, 0, -3.6554113896150083483e-308, -3.6554113896150083483e-308, 3.6554113896150083483e-308},
      {-707.9, 1, -7.0789999999999997726e+2, 1.0, 3.6554113896150083483e-308},
      {-300.0, 0, -5.1482002224120137812e-131, -5.1482002224120137812e-131, 5.1482002224120137812e-131},
      {-300.0, 1, -3.0e+2, 1.0, 5.1482002224120137812e-131},
      {-37.5, 0, -5.1755550058018684009e-17, -5.175555005801868267e-17, 5.175555005801868267e-17},
      {-37.5, 1, -3.7500000000000000052e+1, 9.9999999999999994824e-1, 5.175555005801868267e-17},
      {-20.25, 0, -1.6052280538972330555e-9, -1.6052280526088545036e-9, 1.6052280526088545036e-9},
      {-20.25, 1, -2.0250000001605228054e+1, 9.9999999839477194739e-1, 1.6052280526088545036e-9},
      {-5.3, 0, -4.9791772043272304924e-3, -4.9668016500569611593e-3, 4.9668016500569611593e-3},
      {-5.3, 1, -5.3049791772043270529, 9.9503319834994303884e-1, 4.9668016500569611593e-3},
      {-1.7, 0, -1.6778602938626592386e-1, -1.5446526508353471013e-1, 1.5446526508353471013e-1},
      {-1.7, 1, -1.8677860293862658795, 8.4553473491646528987e-1, 1.5446526508353471013e-1},
      {-0.9, 0, -3.4115387473208781681e-1, -2.8905049737499603197e-1, 2.8905049737499603197e-1},
      {-0.9, 1, -1.241153874732087839, 7.1094950262500396803e-1, 2.8905049737499603197e-1},
      {-0.87, 0, -3.499182533015573355e-1, -2.9525430200190895235e-1, 2.9525430200190895235e-1},
      {-0.87, 1, -1.2199182533015573311, 7.0474569799809104765e-1, 2.9525430200190895235e-1},
      {-0.5, 0, -4.7407698418010668087e-1, -3.7754066879814543536e-1, 3.7754066879814543536e-1},
      {-0.5, 1, -9.7407698418010668087e-1, 6.2245933120185456464e-1, 3.7754066879814543536e-1},
      {-1e-10, 0, -6.9314718050994530942e-1, -4.99999999975e-1, 4.99999999975e-1},
      {-1e-10, 1, -6.9314718060994530942e-1, 5.00000000025e-1, 4.99999999975e-1},
      {0.0, 0, -6.9314718055994530942e-1, -5.0e-1, 5.0e-1},
      {0.0, 1, -6.9314718055994530942e-1, 5.0e-1, 5.0e-1},
      {1e-300, 0, -6.9314718055994530942e-1, -5.0e-1, 5.0e-1},
      {1e-300, 1, -6.9314718055994530942e-1, 5.0e-1, 5.0e-1},
      {2.5e-08, 0, -6.9314719305994538754e-1, -5.0000000625e-1, 5.0000000625e-1},
      {2.5e-08, 1, -6.9314716805994538754e-1, 4.9999999375e-1, 5.0000000625e-1},
      {0.3, 0, -8.5435524446852711244e-1, -5.7444251681165898444e-1, 5.7444251681165898444e-1},
      {0.3, 1, -5.5435524446852712354e-1, 4.2555748318834101556e-1, 5.7444251681165898444e-1},
      {0.8813, 0, -1.2278951439797419078, -7.0709154058352728797e-1, 7.0709154058352728797e-1},
      {0.8813, 1, -3.4659514397974193547e-1, 2.9290845941647271203e-1, 7.0709154058352728797e-1},
      {0.89, 0, -1.2340546691512106882, -7.0889017256611993097e-1, 7.0889017256611993097e-1},
      {0.89, 1, -3.4405466915121067485e-1, 2.9110982743388006903e-1, 7.0889017256611993097e-1},
      {1.536138870935443, 0, -1.731056146405638317, -8.2290272948176267309e-1, 8.2290272948176267309e-1},
      {1.536138870935443, 1, -1.9491727547019521549e-1, 1.7709727051823732691e-1, 8.2290272948176267309e-1},
      {2.5, 0, -2.5788897342925496233, -9.2414181997875644881e-1, 9.2414181997875644881e-1},
      {2.5, 1, -7.8889734292549623344e-2, 7.5858180021243551193e-2, 9.2414181997875644881e-1},
      {19.7, 0, -1.9700000002782265657e+1, -9.9999999721773363673e-1, 9.9999999721773363673e-1},
      {19.7, 1, -2.7822663671453698892e-9, 2.7822663632748668239e-9, 9.9999999721773363673e-1},
      {36.9, 0, -3.6899999999999998673e+1, -9.999999999999999057e-1, 9.999999999999999057e-1},
      {36.9, 1, -9.4304760785268073691e-17, 9.4304760785268069244e-17, 9.999999999999999057e-1},
      {100.25, 0, -1.0025e+2, -1.0, 1.0},
      {100.25, 1, -2.8971980832101478072e-44, 2.8971980832101478072e-44, 1.0},
      {707.9, 0, -7.0789999999999997726e+2, -1.0, 1.0},
      {707.9, 1, -3.6554113896150083483e-308, 3.6554113896150083483e-308, 1.0},
      {709.5, 0, -7.095e+2, -1.0, 1.0},
      {709.5, 1, -7.3801483140125808486e-309, 7.3801483140125808486e-309, 1.0},
      {800.0, 0, -8.0e+2, -1.0, 1.0},
      {800.0, 1, 0.0, 0.0, 1.0},
  };
  enum { NR = sizeof ref / sizeof ref[0] };
  double x[NR], t[NR], g[NR];
  int y[NR];
  for (int i = 0; i < NR; i++) x[i] = ref[i].x, y[i] = ref[i].y;
  urn__bernoulli_logit_rows(x, y, NR, t, g);
  for (int i = 0; i < NR; i++) {
    /* t: 3e-16 relative (glibc's exp and log1p are within 1.4 ulp here too); g = y - p loses to cancellation
     * what p's rounding gives: 3e-16 of max(y, p) */
    CHECK(test_near(t[i], ref[i].t, 3e-16, 1e-320), "bernoulli_logit_glm row term at eta = %g, y = %d: %.17g "
          "against %.17g", ref[i].x, ref[i].y, t[i], ref[i].t);
    CHECK(test_near(g[i], ref[i].g, 0, 3e-16 * fmax(ref[i].y, ref[i].p) + 1e-320), "bernoulli_logit_glm row "
          "derivative at eta = %g, y = %d: %.17g against %.17g", ref[i].x, ref[i].y, g[i], ref[i].g);
    nval++;
  }
  enum { M = 1003 };
  static double xs[M], ts[M], gs[M];
  static int ys[M];
  uint64_t st = 11;
  for (int i = 0; i < M; i++) {
    double u = (double)((st = st * 6364136223846793005ull + 1442695040888963407ull) >> 11) * 0x1p-53;
    xs[i] = (2 * u - 1) * (i % 3 == 0 ? 3 : i % 3 == 1 ? 40 : 750), ys[i] = (st >> 7) & 1;
  }
  urn__bernoulli_logit_rows(xs, ys, M, ts, gs);
  int same = 1;
  for (int i = 0; i < M; i++) {
    double t1, g1;
    urn__bernoulli_logit_rows(&xs[i], &ys[i], 1, &t1, &g1);
    same &= !memcmp(&t1, &ts[i], sizeof t1) && !memcmp(&g1, &gs[i], sizeof g1);
  }
  CHECK(same, "bernoulli_logit_glm rows: one at a time the bits of a long call");
  double sx[3] = {NAN, INFINITY, -INFINITY}, stt[3], sg[3];
  int sy[3] = {1, 0, 1};
  urn__bernoulli_logit_rows(sx, sy, 3, stt, sg);
  CHECK(isnan(stt[0]) && isnan(sg[0]), "bernoulli_logit_glm row at NaN: NaN");
  CHECK(stt[1] == -INFINITY && sg[1] == -1 && stt[2] == -INFINITY && sg[2] == 1,
        "bernoulli_logit_glm rows at -inf, inf: %g %g %g %g", stt[1], sg[1], stt[2], sg[2]);
  nval += 3;
  /* bernoulli_logit_lpmf with a container alpha of N >= 32 takes these rows (dist_discrete.c): value and partials
   * against the sum of one-element calls (libm's exp and log1p), n a vector or broadcast; N = 31 keeps the
   * per-element loop (the same figures to rounding either way); propto with a data alpha: 0 */
  const urn_dist *bl = urn_dist_find("bernoulli_logit");
  static double ga[M];
  for (int form = 0; form < 3; form++) {
    size_t n = form == 2 ? 31 : M;
    int nb = form == 1; /* n broadcast */
    memset(ga, 0, sizeof ga);
    urn_darg b[2] = {urn_darg_ints(ys, nb ? 1 : n), urn_darg_reals(xs, n, ga)};
    double lp = 0, ref = 0, worst = 0;
    CHECK(bl->lpdf(b, 0, &lp, NULL) == URN_OK, "bernoulli_logit_lpmf N = %zu form %d runs", n, form);
    for (size_t i = 0; i < n; i++) {
      double gi = 0, li = 0;
      urn_darg c[2] = {urn_darg_ints(&ys[nb ? 0 : i], 1), urn_darg_reals(&xs[i], 1, &gi)};
      CHECK(bl->lpdf(c, 0, &li, NULL) == URN_OK, "bernoulli_logit_lpmf one element runs");
      ref += li, worst = fmax(worst, fabs(ga[i] - gi) / (1 + fabs(gi)));
    }
    CHECK_REL(lp, ref, 1e-13, "bernoulli_logit_lpmf over a container: the sum of one-element calls");
    CHECK(worst < 1e-15, "bernoulli_logit_lpmf over a container, form %d: every partial the one-element call's "
          "(worst %.2g)", form, worst);
    b[1].d = NULL;
    CHECK(bl->lpdf(b, 1, &lp, NULL) == URN_OK && lp == 0, "bernoulli_logit_lpmf propto, data alpha: 0");
    nval += 2, npart++, nprop++;
  }
}

/* Checks value, partials and propto-with-constants (0) of one call. */
static void check_family(const char *fam, urn_darg *a, int nargs, const int *mode, double ref) {
  const urn_dist *d = urn_dist_find(fam);
  CHECK(d != NULL, "family %s", fam);
  if (!d) return;
  char what[96];
  snprintf(what, sizeof what, "%s value", fam);
  CHECK_NEAR(eval(d, a, nargs), ref, 1e-12, 1e-13, what);
  nval++;
  check_grads(d, a, nargs, mode, fam);
  double *saved[URN_DIST_MAX_ARGS];
  for (int j = 0; j < nargs; j++) saved[j] = a[j].d, a[j].d = NULL;
  CHECK(lp_of(d, a, 1) == 0, "%s propto with every argument constant is 0", fam);
  for (int j = 0; j < nargs; j++) a[j].d = saved[j];
  nprop++;
}

static void test_counts(void) {
  int y[4] = {2, 0, 3, 1};
  double th[4] = {0.2, 0.1, 0.4, 0.3}, gm[4] = {0.5, -1.0, 0.2, 0.0}, al[4] = {1.5, 0.7, 3.0, 2.2}, g[4];
  int simplex[2] = {0, 1}, plain[2] = {0, 0};
  urn_darg a[2] = {urn_darg_ints(y, 4), urn_darg_items(th, 1, 4, 1, g)};
  check_family("multinomial", a, 2, simplex, REF_MULTINOMIAL);
  a[1] = urn_darg_items(gm, 1, 4, 1, g);
  check_family("multinomial_logit", a, 2, plain, REF_MULTINOMIAL_LOGIT);
  a[1] = urn_darg_items(al, 1, 4, 1, g);
  check_family("dirichlet_multinomial", a, 2, plain, REF_DIRICHLET_MULTINOMIAL);
  /* multinomial_logit(y | gamma) = multinomial(y | softmax(gamma)), also under propto (the same dropped terms) */
  const urn_dist *dm = urn_dist_find("multinomial"), *dl = urn_dist_find("multinomial_logit");
  double sm[4], z = 0;
  for (int k = 0; k < 4; k++) z += exp(gm[k]);
  for (int k = 0; k < 4; k++) sm[k] = exp(gm[k]) / z;
  urn_darg b[2] = {urn_darg_ints(y, 4), urn_darg_items(sm, 1, 4, 1, g)}, c[2] = {urn_darg_ints(y, 4),
                                                                                  urn_darg_items(gm, 1, 4, 1, g)};
  CHECK_NEAR(lp_of(dm, b, 1), lp_of(dl, c, 1), 1e-13, 1e-13, "multinomial_logit propto = multinomial propto");
  nprop++;
  /* dirichlet_multinomial of zero counts is 0; large alpha is the multinomial limit */
  int y0[4] = {0, 0, 0, 0};
  urn_darg e0[2] = {urn_darg_ints(y0, 4), urn_darg_items(al, 1, 4, 1, NULL)};
  CHECK(eval(urn_dist_find("dirichlet_multinomial"), e0, 2) == 0, "dirichlet_multinomial of no counts is 0");
  double big[4];
  for (int k = 0; k < 4; k++) big[k] = th[k] * 1e13;
  urn_darg e1[2] = {urn_darg_ints(y, 4), urn_darg_items(big, 1, 4, 1, NULL)};
  CHECK_NEAR(eval(urn_dist_find("dirichlet_multinomial"), e1, 2), REF_MULTINOMIAL, 1e-11, 0,
             "dirichlet_multinomial(alpha = 1e13 theta) is multinomial(theta): no digits lost");
  nval += 2;
  /* errors: a negative count, a size mismatch, a non-simplex */
  int yn[4] = {2, -1, 3, 1};
  urn_darg e2[2] = {urn_darg_ints(yn, 4), urn_darg_items(th, 1, 4, 1, NULL)};
  urn_error e;
  double v;
  CHECK(dm->lpdf(e2, 0, &v, &e) == URN_EREJECT && strstr(e.msg, "multinomial_lpmf: Number of trials variable[2] is -1"),
        "negative count: %s", e.msg);
  urn_darg e3[2] = {urn_darg_ints(y, 3), urn_darg_items(th, 1, 4, 1, NULL)};
  CHECK(dm->lpdf(e3, 0, &v, &e) == URN_EREJECT && strstr(e.msg, "must match in size"), "size: %s", e.msg);
  double bad[4] = {0.2, 0.1, 0.4, 0.4};
  urn_darg e4[2] = {urn_darg_ints(y, 4), urn_darg_items(bad, 1, 4, 1, NULL)};
  CHECK(dm->lpdf(e4, 0, &v, &e) == URN_EREJECT && strstr(e.msg, "is not a valid simplex"), "simplex: %s", e.msg);
  nerr += 3;
}

static void test_ordered_probit(void) {
  int y[4] = {1, 2, 3, 4};
  double eta[4] = {0.3, 0.3, 1.1, 1.1}, c[3] = {-0.5, 0.8, 2.0}, ge[4], gc[3];
  urn_darg a[3] = {urn_darg_ints(y, 4), urn_darg_reals(eta, 4, ge), urn_darg_items(c, 1, 3, 1, gc)};
  int mode[3] = {0, 0, 0};
  check_family("ordered_probit", a, 3, mode, REF_ORDERED_PROBIT);
  /* far in a tail, where Phi(hi) - Phi(lo) of values near 1 would cancel: the upper-side difference */
  const urn_dist *d = urn_dist_find("ordered_probit");
  int y2[1] = {2};
  double e2[1] = {-40}, c2[3] = {-0.5, 0.8, 2.0};
  urn_darg b[3] = {urn_darg_ints(y2, 1), urn_darg_reals(e2, 1, NULL), urn_darg_items(c2, 1, 3, 1, NULL)};
  /* log(Phi(40.8) - Phi(39.5)) = log(Phi(-39.5) - Phi(-40.8)): mpmath -784.72087910431758 */
  CHECK_NEAR(eval(d, b, 3), -784.72087910431758, 1e-13, 0, "ordered_probit far tail");
  nval++;
}

static void test_glms_more(void) {
  /* the 3 x 2 design of test_glms, column-major */
  double x[6] = {1.0, -0.3, 0.7, 0.5, 2.0, -1.1}, al = 0.3, be[2] = {0.4, -0.2}, phi = 2.5;
  double gx[6], ga[3], gb[2], gp[3], gc[6];
  int yp[3] = {2, 0, 5}, nb[3] = {4, 3, 6}, nn[3] = {2, 0, 5}, mode[5] = {0, 0, 0, 0, 0};
  urn_darg a[5] = {urn_darg_ints(yp, 3), urn_darg_items(x, 1, 3, 2, gx), urn_darg_reals(&al, 1, ga),
                   urn_darg_reals(be, 2, gb), urn_darg_reals(&phi, 1, gp)};
  check_family("poisson_log_glm", a, 4, mode, REF_POISSON_LOG_GLM);
  check_family("neg_binomial_2_log_glm", a, 5, mode, REF_NEG_BINOMIAL_2_LOG_GLM);
  urn_darg b[5] = {urn_darg_ints(nn, 3), urn_darg_ints(nb, 3), urn_darg_items(x, 1, 3, 2, gx),
                   urn_darg_reals(&al, 1, ga), urn_darg_reals(be, 2, gb)};
  check_family("binomial_logit_glm", b, 5, mode, REF_BINOMIAL_LOGIT_GLM);
  int yo[3] = {1, 3, 4};
  double cut[3] = {-0.5, 0.8, 2.0};
  urn_darg c[4] = {urn_darg_ints(yo, 3), urn_darg_items(x, 1, 3, 2, gx), urn_darg_reals(be, 2, gb),
                   urn_darg_items(cut, 1, 3, 1, gc)};
  check_family("ordered_logistic_glm", c, 4, mode, REF_ORDERED_LOGISTIC_GLM);
  int yc[3] = {1, 3, 2};
  double alc[3] = {0.2, -0.1, 0.4}, Bc[6] = {0.3, 0.7, -0.5, 0.2, 0.1, -0.4}, gB[6];
  urn_darg dc[4] = {urn_darg_ints(yc, 3), urn_darg_items(x, 1, 3, 2, gx), urn_darg_items(alc, 1, 3, 1, ga),
                    urn_darg_items(Bc, 1, 2, 3, gB)};
  check_family("categorical_logit_glm", dc, 4, mode, REF_CATEGORICAL_LOGIT_GLM);
  /* a row_vector x is one observation: the first row of x */
  double xr[2] = {1.0, 0.5};
  urn_darg r1[4] = {urn_darg_ints(yp, 1), urn_darg_items(xr, 1, 1, 2, NULL), urn_darg_reals(&al, 1, NULL),
                    urn_darg_reals(be, 2, NULL)};
  const urn_dist *dp = urn_dist_find("poisson_log_glm"), *po = urn_dist_find("poisson_log");
  double e0 = 0.3 + 0.4 * 1.0 - 0.2 * 0.5;
  urn_darg r2[2] = {urn_darg_ints(yp, 1), urn_darg_reals(&e0, 1, NULL)};
  CHECK_NEAR(eval(dp, r1, 4), eval(po, r2, 2), 1e-14, 0, "poisson_log_glm with a row_vector x");
  nval++;
  /* errors, as Stan words them */
  int bad[3] = {2, 5, 1};
  urn_darg e1[5] = {urn_darg_ints(bad, 3), urn_darg_ints(nb, 3), urn_darg_items(x, 1, 3, 2, NULL),
                    urn_darg_reals(&al, 1, NULL), urn_darg_reals(be, 2, NULL)};
  urn_error e;
  double v;
  CHECK(urn_dist_find("binomial_logit_glm")->lpdf(e1, 0, &v, &e) == URN_EREJECT &&
            strstr(e.msg, "binomial_logit_glm_lpmf: Successes variable is 5, but must be in the interval [0, 3]"),
        "binomial_logit_glm n > N: %s", e.msg);
  double be3[3] = {0.4, -0.2, 0.1};
  a[3] = urn_darg_reals(be3, 3, NULL);
  CHECK(dp->lpdf(a, 0, &v, &e) == URN_EREJECT && strstr(e.msg, "Size of Weight vector (3) and columns"),
        "glm weights size: %s", e.msg);
  nerr += 2;
}

/* Lower Cholesky factor of a 3 x 3 matrix (column-major). */
static void chol3(const double *S, double *L) {
  memset(L, 0, 9 * sizeof *L);
  for (int j = 0; j < 3; j++) {
    double s = S[j + 3 * j];
    for (int k = 0; k < j; k++) s -= L[j + 3 * k] * L[j + 3 * k];
    L[j + 3 * j] = sqrt(s);
    for (int i = j + 1; i < 3; i++) {
      double t = S[i + 3 * j];
      for (int k = 0; k < j; k++) t -= L[i + 3 * k] * L[j + 3 * k];
      L[i + 3 * j] = t / L[j + 3 * j];
    }
  }
}

static void test_matrix_families(void) {
  double Om[9] = {2.0, 0.3, -0.4, 0.3, 1.0, 0.2, -0.4, 0.2, 1.5}, y[3] = {0.4, 0.2, -0.6}, mu[3] = {0.1, -0.3, 0.5};
  double gy[3], gm[3], gO[9], gn[1], gL[9], L[9], gw[2];
  int m_mvn[3] = {0, 0, 2}, m_mvt[4] = {0, 0, 0, 2}, m_mvtc[4] = {0, 0, 0, 3};
  urn_darg a[3] = {urn_darg_items(y, 1, 3, 1, gy), urn_darg_items(mu, 1, 3, 1, gm), urn_darg_items(Om, 1, 3, 3, gO)};
  check_family("multi_normal_prec", a, 3, m_mvn, REF_MULTI_NORMAL_PREC);
  /* the same Sigma as test_multi_normal; nu = 4.5 */
  double S[9] = {2.0, 0.3, -0.4, 0.3, 1.0, 0.2, -0.4, 0.2, 1.5}, nu = 4.5;
  urn_darg b[4] = {urn_darg_items(y, 1, 3, 1, gy), urn_darg_reals(&nu, 1, gn), urn_darg_items(mu, 1, 3, 1, gm),
                   urn_darg_items(S, 1, 3, 3, gO)};
  check_family("multi_student_t", b, 4, m_mvt, REF_MULTI_STUDENT_T);
  chol3(S, L);
  b[3] = urn_darg_items(L, 1, 3, 3, gL);
  check_family("multi_student_t_cholesky", b, 4, m_mvtc, REF_MULTI_STUDENT_T);
  /* two items of y against one mu: the sum */
  double y2[6] = {0.4, 0.2, -0.6, 1.0, -0.5, 0.3};
  urn_darg c1[4] = {urn_darg_items(y2, 2, 3, 1, gy), urn_darg_reals(&nu, 1, NULL), urn_darg_items(mu, 1, 3, 1, NULL),
                    urn_darg_items(S, 1, 3, 3, NULL)};
  urn_darg c2[4] = {urn_darg_items(y2 + 3, 1, 3, 1, NULL), c1[1], c1[2], c1[3]};
  const urn_dist *dt = urn_dist_find("multi_student_t");
  CHECK_NEAR(eval(dt, c1, 4), REF_MULTI_STUDENT_T + eval(dt, c2, 4), 1e-12, 0, "multi_student_t items");
  double gy6[6];
  c1[0].d = gy6;
  int m2[4] = {0, 0, 0, 2};
  check_grads(dt, c1, 4, m2, "multi_student_t two items");
  nbcast++;
  /* nu = inf is multi_normal */
  double inf = INFINITY;
  urn_darg c3[4] = {urn_darg_items(y, 1, 3, 1, NULL), urn_darg_reals(&inf, 1, NULL), urn_darg_items(mu, 1, 3, 1, NULL),
                    urn_darg_items(S, 1, 3, 3, NULL)};
  CHECK_NEAR(eval(dt, c3, 4), REF_MULTI_NORMAL, 1e-12, 0, "multi_student_t with nu = inf is multi_normal");
  nval++;
  /* multi_gp: y is 2 x 3 (column-major), Sigma 3 x 3, w 2 */
  double Y[6] = {0.3, 1.1, -0.2, 0.4, 0.5, -0.7}, w[2] = {0.8, 2.5}, gY[6];
  int m_gp[3] = {0, 2, 0}, m_gpc[3] = {0, 3, 0};
  urn_darg g[3] = {urn_darg_items(Y, 1, 2, 3, gY), urn_darg_items(S, 1, 3, 3, gO), urn_darg_items(w, 1, 2, 1, gw)};
  check_family("multi_gp", g, 3, m_gp, REF_MULTI_GP);
  g[1] = urn_darg_items(L, 1, 3, 3, gL);
  check_family("multi_gp_cholesky", g, 3, m_gpc, REF_MULTI_GP);
  /* the Wishart families at W, nu = 5.5, Sigma */
  double W[9] = {1.5, 0.4, 0.1, 0.4, 2.0, -0.3, 0.1, -0.3, 0.9}, LW[9], df = 5.5, gW[9];
  chol3(W, LW);
  int m_w[3] = {2, 0, 2}, m_wc[3] = {3, 0, 3};
  urn_darg h[3] = {urn_darg_items(W, 1, 3, 3, gW), urn_darg_reals(&df, 1, gn), urn_darg_items(S, 1, 3, 3, gO)};
  check_family("wishart", h, 3, m_w, REF_WISHART);
  check_family("inv_wishart", h, 3, m_w, REF_INV_WISHART);
  urn_darg hc[3] = {urn_darg_items(LW, 1, 3, 3, gW), urn_darg_reals(&df, 1, gn), urn_darg_items(L, 1, 3, 3, gL)};
  check_family("wishart_cholesky", hc, 3, m_wc, REF_WISHART_CHOLESKY);
  check_family("inv_wishart_cholesky", hc, 3, m_wc, REF_INV_WISHART_CHOLESKY);
  /* LKJ on the correlation matrix, and lkj_cov */
  double C[9] = {1.0, 0.3, -0.2, 0.3, 1.0, 0.4, -0.2, 0.4, 1.0}, eta = 1.7, ge[1], gC[9];
  int m_l[2] = {4, 0};
  urn_darg l[2] = {urn_darg_items(C, 1, 3, 3, gC), urn_darg_reals(&eta, 1, ge)};
  check_family("lkj_corr", l, 2, m_l, REF_LKJ_CORR);
  double muc[3] = {0.1, 0.2, -0.1}, sgc[3] = {0.5, 1.2, 0.8}, gmc[3], gsc[3];
  int m_lc[4] = {2, 0, 0, 0};
  urn_darg lc[4] = {urn_darg_items(W, 1, 3, 3, gW), urn_darg_items(muc, 1, 3, 1, gmc), urn_darg_items(sgc, 1, 3, 1, gsc),
                    urn_darg_reals(&eta, 1, ge)};
  check_family("lkj_cov", lc, 4, m_lc, REF_LKJ_COV);
  /* errors */
  urn_error e;
  double v, small = 1.5;
  h[1] = urn_darg_reals(&small, 1, NULL);
  CHECK(urn_dist_find("wishart")->lpdf(h, 0, &v, &e) == URN_EREJECT &&
            strstr(e.msg, "wishart_lpdf: Degrees of freedom parameter is 1.5, but must be greater than 2"),
        "wishart nu: %s", e.msg);
  double up[9];
  memcpy(up, LW, sizeof up);
  up[3] = 0.2; /* [1,2] above the diagonal */
  hc[0] = urn_darg_items(up, 1, 3, 3, NULL);
  CHECK(urn_dist_find("wishart_cholesky")->lpdf(hc, 0, &v, &e) == URN_EREJECT && strstr(e.msg, "not lower triangular"),
        "wishart_cholesky factor: %s", e.msg);
  double Cb[9] = {1.0, 0.3, -0.2, 0.3, 1.2, 0.4, -0.2, 0.4, 1.0};
  l[0] = urn_darg_items(Cb, 1, 3, 3, NULL);
  CHECK(urn_dist_find("lkj_corr")->lpdf(l, 0, &v, &e) == URN_EREJECT && strstr(e.msg, "not a valid correlation matrix"),
        "lkj_corr diagonal: %s", e.msg);
  nerr += 3;
}

/* The Wishart families at nu = 1e10 (gen_dist.py's Wbig ~ nu Sigma, mpmath references): terms of size nu K
 * cancel to O(1), and so do the nu partial's. */
static void test_wishart_big_nu(void) {
  double Wb[9] = {20000123456., 3000045678., -3999987654., 3000045678., 9999912345., 2000065432.,
                  -3999987654., 2000065432., 15000054321.};
  double S[9] = {2.0, 0.3, -0.4, 0.3, 1.0, 0.2, -0.4, 0.2, 1.5}, nu = 1e10, gn[1], LW[9], LS[9], v;
  chol3(Wb, LW);
  chol3(S, LS);
  for (int inv = 0; inv < 2; inv++) {
    const char *fam = inv ? "inv_wishart" : "wishart", *famc = inv ? "inv_wishart_cholesky" : "wishart_cholesky";
    double ref = inv ? REF_INV_WISHART_BIG : REF_WISHART_BIG, rdnu = inv ? REF_INV_WISHART_BIG_DNU : REF_WISHART_BIG_DNU;
    /* wishart(Wbig | nu, Sigma); inv_wishart(Sigma | nu, Wbig) */
    urn_darg a[3] = {urn_darg_items(inv ? S : Wb, 1, 3, 3, NULL), urn_darg_reals(&nu, 1, gn),
                     urn_darg_items(inv ? Wb : S, 1, 3, 3, NULL)};
    const urn_dist *d = urn_dist_find(fam), *dc = urn_dist_find(famc);
    char what[96];
    snprintf(what, sizeof what, "%s at nu = 1e10", fam);
    CHECK_NEAR(eval(d, a, 3), ref, 0, 1e-10, what);
    gn[0] = 0;
    CHECK(d->lpdf(a, 0, &v, NULL) == URN_OK, "%s with nu a parameter", fam);
    snprintf(what, sizeof what, "%s d/dnu at nu = 1e10", fam);
    CHECK_NEAR(gn[0], rdnu, 1e-9, 0, what);
    /* the Cholesky forms: the same density plus the Jacobian K log 2 + sum_k (K - k) log L_kk */
    const double *Ly = inv ? LS : LW;
    double jac = 3 * log(2.0);
    for (int k = 0; k < 3; k++) jac += (3 - k) * log(Ly[k + 3 * k]);
    urn_darg c[3] = {urn_darg_items(inv ? LS : LW, 1, 3, 3, NULL), urn_darg_reals(&nu, 1, gn),
                     urn_darg_items(inv ? LW : LS, 1, 3, 3, NULL)};
    snprintf(what, sizeof what, "%s at nu = 1e10", famc);
    CHECK_NEAR(eval(dc, c, 3), ref + jac, 0, 1e-9, what);
    gn[0] = 0;
    CHECK(dc->lpdf(c, 0, &v, NULL) == URN_OK, "%s with nu a parameter", famc);
    snprintf(what, sizeof what, "%s d/dnu at nu = 1e10", famc);
    CHECK_NEAR(gn[0], rdnu, 1e-9, 0, what);
    nval += 4;
  }
}

static void test_dlm(void) {
  /* column-major copies of gen_dist.py's Fd, Gd, Vd, Wd, m0d, C0d, Yd */
  double F[4] = {1.0, 0.5, 0.3, -0.2}, G[4] = {0.9, -0.2, 0.1, 0.8}, V[4] = {0.5, 0.1, 0.1, 0.4},
         W[4] = {0.3, 0.05, 0.05, 0.2}, m0[2] = {0.2, -0.1}, C0[4] = {1.0, 0.2, 0.2, 0.6},
         Y[8] = {0.5, 0.2, 0.1, -0.4, -0.3, 0.6, 0.8, 0.1}, Vv[2] = {0.5, 0.4};
  double gY[8], gF[4], gG[4], gV[4], gW[4], gm[2], gC[4];
  urn_darg a[7] = {urn_darg_items(Y, 1, 2, 4, gY), urn_darg_items(F, 1, 2, 2, gF), urn_darg_items(G, 1, 2, 2, gG),
                   urn_darg_items(V, 1, 2, 2, gV), urn_darg_items(W, 1, 2, 2, gW), urn_darg_items(m0, 1, 2, 1, gm),
                   urn_darg_items(C0, 1, 2, 2, gC)};
  int mode[7] = {0, 0, 0, 2, 2, 0, 2};
  check_family("gaussian_dlm_obs", a, 7, mode, REF_GAUSSIAN_DLM_OBS);
  /* the overload with a vector V (the second table entry of the name) */
  const urn_dist *dv = NULL;
  for (const urn_dist *d = urn_dist_table; d->name; d++)
    if (!strcmp(d->name, "gaussian_dlm_obs") && d->args[3].kind == URN_DA_VECTOR) dv = d;
  CHECK(dv != NULL, "gaussian_dlm_obs with a vector V");
  if (!dv) return;
  a[3] = urn_darg_items(Vv, 1, 2, 1, gV);
  CHECK_NEAR(eval(dv, a, 7), REF_GAUSSIAN_DLM_OBS_VEC, 1e-12, 0, "gaussian_dlm_obs, vector V");
  nval++;
  int mode2[7] = {0, 0, 0, 0, 2, 0, 2};
  check_grads(dv, a, 7, mode2, "gaussian_dlm_obs, vector V");
}

int main(void) {
  test_glms_large();
  test_glm_logit_rows();
  test_dirichlet();
  test_multi_normal();
  test_lkj();
  test_categorical();
  test_ordered_logistic();
  test_glms();
  test_counts();
  test_ordered_probit();
  test_glms_more();
  test_matrix_families();
  test_dlm();
  test_wishart_big_nu();
  printf("multivariate: %d value, %d partial, %d propto, %d broadcast, %d error checks\n", nval,
         npart, nprop, nbcast, nerr);
  return test_done();
}
