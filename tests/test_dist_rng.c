/* tests/test_dist_rng.c — the rngs of math/dist.h at a fixed seed: sample
 * mean and variance against the closed forms, a Kolmogorov-Smirnov test
 * against the family's own CDF (itself checked against scipy in
 * test_dist.c) for continuous families, a chi-square test against the mass
 * function for discrete ones, and the multivariate rngs by moments (plus KS
 * for the K = 2 LKJ correlation).  Also vectorized draws and errors. */
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "math/dist.h"
#include "math/special.h"

#define NDRAW 20000

static int nmom, nks, nchi, nother;

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Upper 0.001 quantile of chi-square(df), Wilson-Hilferty. */
static double chi2_crit(int df) {
  double z = 3.090232, t = 2.0 / (9 * df);
  double c = 1 - t + z * sqrt(t);
  return df * c * c * c;
}

/* Parameters as urn_darg scalars. */
static void scalars(const urn_dist *d, const double *p, int np, urn_darg *a, int *iv) {
  for (int j = 0; j < np; j++) {
    urn_dist_argkind k = d->n_rng_args >= 0 ? d->rng_args[j].kind : d->args[j + 1].kind;
    if (k == URN_DA_INTS || k == URN_DA_INT) {
      iv[j] = (int)p[j];
      a[j] = urn_darg_ints(&iv[j], 1);
    } else {
      a[j] = urn_darg_reals(&p[j], 1, NULL);
    }
  }
}

typedef struct cont_case {
  const char *family; /* family */
  int np;             /* number of rng parameters */
  double p[3];        /* parameters */
  double mean, var;   /* closed-form moments (var < 0: skip moments) */
} cont_case;

static void test_continuous(urn_rng *r) {
  const double g1 = exp(urn_lgamma(1 + 1 / 1.5)), g2 = exp(urn_lgamma(1 + 2 / 1.5));
  const double gf1 = exp(urn_lgamma(0.8)), gf2 = exp(urn_lgamma(0.6)), bl = M_PI / 6, dl = 3 / sqrt(10.0);
  /* skew double exponential (mu 1, sigma 2, tau 0.3): mu - Exp(2 (1 - tau) / sigma) with probability tau,
   * mu + Exp(2 tau / sigma) otherwise */
  const double sl = 2 / (2 * 0.7), sr = 2 / (2 * 0.3), sde_m = -0.3 * sl + 0.7 * sr;
  const double sde_v = 0.3 * 2 * sl * sl + 0.7 * 2 * sr * sr - sde_m * sde_m;
  const cont_case cases[] = {
      {"normal", 2, {1, 2}, 1, 4},
      {"std_normal", 0, {0}, 0, 1},
      {"student_t", 3, {5, 1, 2}, 1, 4 * 5.0 / 3},
      {"cauchy", 2, {0.5, 2}, 0, -1},
      {"double_exponential", 2, {1, 2}, 1, 8},
      {"logistic", 2, {1, 2}, 1, M_PI * M_PI * 4 / 3},
      {"lognormal", 2, {0.2, 0.5}, exp(0.325), (exp(0.25) - 1) * exp(0.65)},
      {"exponential", 1, {2}, 0.5, 0.25},
      {"gamma", 2, {2.5, 1.5}, 2.5 / 1.5, 2.5 / 2.25},
      {"gamma", 2, {0.3, 2}, 0.15, 0.075},
      {"inv_gamma", 2, {5, 3}, 0.75, 9.0 / (16 * 3)},
      {"weibull", 2, {1.5, 2}, 2 * g1, 4 * (g2 - g1 * g1)},
      {"beta", 2, {2, 3}, 0.4, 0.04},
      {"beta", 2, {0.3, 0.5}, 0.375, 0.3 * 0.5 / (0.64 * 1.8)},
      {"beta_proportion", 2, {0.3, 5}, 0.3, 0.3 * 0.7 / 6},
      {"uniform", 2, {-1, 3}, 1, 16.0 / 12},
      {"chi_square", 1, {3}, 3, 6},
      {"inv_chi_square", 1, {9}, 1.0 / 7, 2.0 / (49 * 5)},
      {"scaled_inv_chi_square", 2, {9, 1.5}, 9 * 2.25 / 7, 2 * 81 * 2.25 * 2.25 / (49 * 5)},
      {"pareto", 2, {1.5, 9}, 1.5 * 9 / 8, 2.25 * 9 / (64 * 7.0)},
      {"pareto_type_2", 3, {1, 2, 9}, 1.25, 4 * 9 / (64 * 7.0)},
      {"gumbel", 2, {1, 2}, 1 + 2 * 0.57721566490153286, M_PI * M_PI * 4 / 6},
      {"frechet", 2, {5, 2}, 2 * gf1, 4 * (gf2 - gf1 * gf1)},
      {"rayleigh", 1, {1.5}, 1.5 * sqrt(M_PI / 2), (4 - M_PI) / 2 * 2.25},
      {"loglogistic", 2, {2, 6}, 2 * bl / sin(bl), 4 * (2 * bl / sin(2 * bl) - bl * bl / (sin(bl) * sin(bl)))},
      {"skew_normal", 3, {1, 2, 3}, 1 + 2 * dl * sqrt(2 / M_PI), 4 * (1 - 2 * dl * dl / M_PI)},
      {"skew_double_exponential", 3, {1, 2, 0.3}, 1 + sde_m, sde_v},
      {"exp_mod_normal", 3, {1, 0.5, 2}, 1.5, 0.5},
  };
  double *x = malloc(sizeof(double) * NDRAW);
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const cont_case *k = &cases[c];
    const urn_dist *d = urn_dist_find(k->family);
    urn_darg a[4];
    int iv[4];
    scalars(d, k->p, k->np, a, iv);
    urn_error e;
    int ok = 1;
    for (int i = 0; i < NDRAW && ok; i++) ok = d->rng(r, a, 1, &x[i], NULL, &e) == URN_OK;
    CHECK(ok, "%s rng runs", k->family);
    if (k->var >= 0) {
      double m = 0, v = 0;
      for (int i = 0; i < NDRAW; i++) m += x[i];
      m /= NDRAW;
      for (int i = 0; i < NDRAW; i++) v += (x[i] - m) * (x[i] - m);
      v /= NDRAW - 1;
      CHECK(fabs(m - k->mean) < 5 * sqrt(k->var / NDRAW), "%s mean %g vs %g", k->family, m,
            k->mean);
      CHECK(fabs(v / k->var - 1) < 0.08, "%s variance %g vs %g", k->family, v, k->var);
      nmom += 2;
    }
    /* KS against the family's CDF */
    qsort(x, NDRAW, sizeof(double), cmp_double);
    double D = 0;
    for (int i = 0; i < NDRAW; i++) {
      double args_v[4] = {x[i], k->p[0], k->p[1], k->p[2]}, F;
      urn_darg ca[4];
      int civ[4];
      ca[0] = urn_darg_reals(&args_v[0], 1, NULL);
      scalars(d, args_v + 1, k->np, ca + 1, civ);
      if (d->lcdf) {
        d->lcdf(ca, 0, &F, NULL);
        F = exp(F);
      } else {
        d->cdf(ca, 0, &F, NULL); /* loglogistic has foo_cdf only */
      }
      D = fmax(D, fmax(fabs(F - (double)i / NDRAW), fabs(F - (double)(i + 1) / NDRAW)));
    }
    CHECK(D * sqrt(NDRAW) < 1.949, "%s KS statistic sqrt(n) D = %g < 1.949 (p = 0.001)",
          k->family, D * sqrt(NDRAW));
    nks++;
  }
  /* von Mises: E cos(y - mu) = I1/I0(kappa), E sin(y - mu) = 0 */
  const urn_dist *d = urn_dist_find("von_mises");
  double mu = 0.5, kap = 2.0, sc = 0, ss = 0;
  urn_darg a[2] = {urn_darg_reals(&mu, 1, NULL), urn_darg_reals(&kap, 1, NULL)};
  for (int i = 0; i < NDRAW; i++) {
    d->rng(r, a, 1, &x[i], NULL, NULL);
    sc += cos(x[i] - mu);
    ss += sin(x[i] - mu);
  }
  /* I1(2)/I0(2) = 0.697774657964008 */
  CHECK(fabs(sc / NDRAW - 0.697774657964008) < 0.01, "von_mises E cos %g", sc / NDRAW);
  CHECK(fabs(ss / NDRAW) < 0.01, "von_mises E sin %g", ss / NDRAW);
  nmom += 2;
  free(x);
}

typedef struct disc_case {
  const char *family; /* family */
  int np;             /* number of rng parameters */
  double p[3];        /* parameters */
  double mean, var;   /* closed-form moments */
} disc_case;

static void test_discrete(urn_rng *r) {
  const double lg3 = log(3.5), lo = log(0.3 / 0.7);
  const disc_case cases[] = {
      {"poisson", 1, {3.5}, 3.5, 3.5},
      {"poisson", 1, {40}, 40, 40},
      {"poisson_log", 1, {lg3}, 3.5, 3.5},
      {"binomial", 2, {10, 0.3}, 3, 2.1},
      {"binomial", 2, {200, 0.6}, 120, 48},
      {"binomial_logit", 2, {10, lo}, 3, 2.1},
      {"bernoulli", 1, {0.3}, 0.3, 0.21},
      {"bernoulli_logit", 1, {lo}, 0.3, 0.21},
      {"neg_binomial_2", 2, {4, 2}, 4, 12},
      {"neg_binomial_2_log", 2, {log(4.0), 2}, 4, 12},
      {"beta_binomial", 3, {10, 2, 3}, 4, 10 * 6.0 * 15 / (25 * 6)},
      {"neg_binomial", 2, {3, 0.5}, 6, 18},
      {"beta_neg_binomial", 3, {5, 8, 3}, 15.0 / 7, 1800.0 / 294},
      {"yule_simon", 1, {6}, 1.2, 0.36},
      {"discrete_range", 2, {2, 7}, 4.5, 35.0 / 12},
      {"hypergeometric", 3, {10, 8, 12}, 4, 10 * 0.4 * 0.6 * 10 / 19},
  };
  int *x = malloc(sizeof(int) * NDRAW);
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const disc_case *k = &cases[c];
    const urn_dist *d = urn_dist_find(k->family);
    urn_darg a[4];
    int iv[4];
    scalars(d, k->p, k->np, a, iv);
    int ok = 1, maxv = 0;
    for (int i = 0; i < NDRAW && ok; i++) {
      ok = d->rng(r, a, 1, NULL, &x[i], NULL) == URN_OK;
      if (x[i] > maxv) maxv = x[i];
    }
    CHECK(ok, "%s rng runs", k->family);
    double m = 0, v = 0;
    for (int i = 0; i < NDRAW; i++) m += x[i];
    m /= NDRAW;
    for (int i = 0; i < NDRAW; i++) v += (x[i] - m) * (x[i] - m);
    v /= NDRAW - 1;
    CHECK(fabs(m - k->mean) < 5 * sqrt(k->var / NDRAW), "%s(%g) mean %g vs %g", k->family,
          k->p[0], m, k->mean);
    CHECK(fabs(v / k->var - 1) < 0.08, "%s(%g) variance %g vs %g", k->family, k->p[0], v, k->var);
    nmom += 2;
    /* chi-square over values 0..maxv, pooling cells with expected count < 5 */
    int *count = calloc((size_t)maxv + 2, sizeof(int));
    for (int i = 0; i < NDRAW; i++) count[x[i]]++;
    double chi = 0, pool_e = 0, pool_o = 0, total_e = 0;
    int df = -1;
    for (int v2 = 0; v2 <= maxv; v2++) {
      double lp, args_v[4] = {0, k->p[0], k->p[1], k->p[2]};
      int yv = v2, civ[4];
      urn_darg ca[4];
      ca[0] = urn_darg_ints(&yv, 1);
      scalars(d, args_v + 1, k->np, ca + 1, civ);
      if (d->lpdf(ca, 0, &lp, NULL) != URN_OK) lp = -INFINITY; /* outside the support where that is an error */
      double ex = NDRAW * exp(lp);
      total_e += ex;
      pool_e += ex;
      pool_o += count[v2];
      if (pool_e >= 5) {
        chi += (pool_o - pool_e) * (pool_o - pool_e) / pool_e;
        df++;
        pool_e = pool_o = 0;
      }
    }
    pool_e += NDRAW - total_e; /* the tail beyond maxv */
    if (pool_e > 0) {
      chi += (pool_o - pool_e) * (pool_o - pool_e) / pool_e;
      df++;
    }
    CHECK(df >= 1 && chi < chi2_crit(df), "%s(%g) chi-square %g on %d df < %g", k->family,
          k->p[0], chi, df, chi2_crit(df));
    nchi++;
    free(count);
  }
  free(x);
}

static void test_multivariate(urn_rng *r) {
  /* dirichlet: means alpha / sum(alpha) */
  const urn_dist *d = urn_dist_find("dirichlet");
  double al[3] = {1.5, 0.7, 3.0}, out[9], m[3] = {0};
  urn_darg a[2] = {urn_darg_items(al, 1, 3, 1, NULL)};
  size_t n = urn_dist_rng_length(d, a);
  CHECK(n == 3, "dirichlet rng length %zu", n);
  for (int i = 0; i < NDRAW; i++) {
    d->rng(r, a, n, out, NULL, NULL);
    for (int k = 0; k < 3; k++) m[k] += out[k] / NDRAW;
  }
  for (int k = 0; k < 3; k++)
    CHECK(fabs(m[k] - al[k] / 5.2) < 0.006, "dirichlet mean[%d] %g vs %g", k, m[k], al[k] / 5.2);
  nmom += 3;
  /* multi_normal and multi_normal_cholesky: sample mean and covariance */
  const double S[9] = {2.0, 0.3, -0.4, 0.3, 1.0, 0.2, -0.4, 0.2, 1.5};
  double Lc[9] = {0};
  for (int j = 0; j < 3; j++) { /* Cholesky for the _cholesky variant */
    double s = S[j + 3 * j];
    for (int k = 0; k < j; k++) s -= Lc[j + 3 * k] * Lc[j + 3 * k];
    Lc[j + 3 * j] = sqrt(s);
    for (int i = j + 1; i < 3; i++) {
      double t = S[i + 3 * j];
      for (int k = 0; k < j; k++) t -= Lc[i + 3 * k] * Lc[j + 3 * k];
      Lc[i + 3 * j] = t / Lc[j + 3 * j];
    }
  }
  const char *fams[2] = {"multi_normal", "multi_normal_cholesky"};
  for (int f = 0; f < 2; f++) {
    const urn_dist *dm = urn_dist_find(fams[f]);
    double mu[3] = {0.1, -0.3, 0.5}, sum[3] = {0}, cov[9] = {0};
    urn_darg b[2] = {urn_darg_items(mu, 1, 3, 1, NULL),
                     urn_darg_items(f ? Lc : S, 1, 3, 3, NULL)};
    for (int i = 0; i < NDRAW; i++) {
      dm->rng(r, b, 3, out, NULL, NULL);
      for (int k = 0; k < 3; k++) {
        sum[k] += out[k];
        for (int l = 0; l < 3; l++) cov[k + 3 * l] += (out[k] - mu[k]) * (out[l] - mu[l]);
      }
    }
    int ok = 1;
    for (int k = 0; k < 3; k++) ok &= fabs(sum[k] / NDRAW - mu[k]) < 5 * sqrt(S[k + 3 * k] / NDRAW);
    for (int k = 0; k < 9; k++) ok &= fabs(cov[k] / NDRAW - S[k]) < 0.06;
    CHECK(ok, "%s sample mean and covariance", fams[f]);
    nmom++;
  }
  /* two mu items give two vectors */
  const urn_dist *dm = urn_dist_find("multi_normal");
  double mu2[6] = {0, 0, 0, 100, 100, 100};
  urn_darg b2[2] = {urn_darg_items(mu2, 2, 3, 1, NULL), urn_darg_items((double *)S, 1, 3, 3, NULL)};
  CHECK(urn_dist_rng_length(dm, b2) == 6 && dm->rng(r, b2, 6, out, NULL, NULL) == URN_OK &&
            fabs(out[4] - 100) < 10 && fabs(out[1]) < 10,
        "multi_normal_rng with an array of means");
  nother++;
  /* LKJ: K = 2, L[2,1] = 2 Beta(eta, eta) - 1 (KS); K = 4 off-diagonal variance 1/(2 eta + K - 1) */
  const urn_dist *dl = urn_dist_find("lkj_corr_cholesky");
  int K = 2;
  double eta = 2.5, *x = malloc(sizeof(double) * NDRAW);
  urn_darg c[2] = {urn_darg_ints(&K, 1), urn_darg_reals(&eta, 1, NULL)};
  CHECK(urn_dist_rng_length(dl, c) == 4, "lkj rng length");
  for (int i = 0; i < NDRAW; i++) {
    dl->rng(r, c, 4, out, NULL, NULL);
    x[i] = out[1];
  }
  qsort(x, NDRAW, sizeof(double), cmp_double);
  double D = 0;
  for (int i = 0; i < NDRAW; i++) {
    double F = urn_inc_beta(eta, eta, 0.5 * (x[i] + 1));
    D = fmax(D, fmax(fabs(F - (double)i / NDRAW), fabs(F - (double)(i + 1) / NDRAW)));
  }
  CHECK(D * sqrt(NDRAW) < 1.949, "lkj K=2 KS %g", D * sqrt(NDRAW));
  nks++;
  free(x);
  K = 4;
  eta = 1.5;
  double L[16], var = 0, mean = 0, maxdev = 0;
  int cnt = 0;
  const urn_dist *dlp = dl;
  for (int i = 0; i < NDRAW / 4; i++) {
    dl->rng(r, c, 16, L, NULL, NULL);
    for (int p = 0; p < 4; p++) {
      double nr = 0;
      for (int q = 0; q < 4; q++) nr += L[p + 4 * q] * L[p + 4 * q];
      maxdev = fmax(maxdev, fabs(nr - 1));
      for (int q = 0; q < p; q++) {
        double om = 0;
        for (int k = 0; k < 4; k++) om += L[p + 4 * k] * L[q + 4 * k];
        mean += om;
        var += om * om;
        cnt++;
      }
    }
  }
  mean /= cnt;
  var = var / cnt;
  CHECK(maxdev < 1e-12, "lkj rows have unit length (%g)", maxdev);
  CHECK(fabs(mean) < 0.01 && fabs(var * (2 * eta + 3) - 1) < 0.05,
        "lkj K=4 correlations: mean %g, variance %g vs %g", mean, var, 1 / (2 * eta + 3));
  double lp;
  urn_darg lk[2] = {urn_darg_items(L, 1, 4, 4, NULL), urn_darg_reals(&eta, 1, NULL)};
  CHECK(dlp->lpdf(lk, 0, &lp, NULL) == URN_OK && isfinite(lp), "lkj draw is in the support");
  nmom += 2;
  nother++;
  /* categorical, categorical_logit and ordered_logistic frequencies: chi-square */
  double th[4] = {0.1, 0.4, 0.2, 0.3}, be[4], cut[3] = {-0.5, 0.8, 2.0}, et = 0.7;
  for (int k = 0; k < 4; k++) be[k] = log(th[k]) + 0.3;
  const char *names[4] = {"categorical", "categorical_logit", "ordered_logistic", "ordered_probit"};
  for (int f = 0; f < 4; f++) {
    const urn_dist *dc = urn_dist_find(names[f]);
    urn_darg p[2];
    if (f == 0) p[0] = urn_darg_items(th, 1, 4, 1, NULL);
    if (f == 1) p[0] = urn_darg_items(be, 1, 4, 1, NULL);
    if (f >= 2) {
      p[0] = urn_darg_reals(&et, 1, NULL);
      p[1] = urn_darg_items(cut, 1, 3, 1, NULL);
    }
    int cnts[5] = {0}, y;
    for (int i = 0; i < NDRAW; i++) {
      dc->rng(r, p, 1, NULL, &y, NULL);
      if (y >= 1 && y <= 4) cnts[y]++;
    }
    double chi = 0;
    for (int k = 1; k <= 4; k++) {
      double lpk;
      urn_darg q[3] = {urn_darg_ints(&k, 1), p[0], p[1]};
      dc->lpdf(q, 0, &lpk, NULL);
      double ex = NDRAW * exp(lpk);
      chi += (cnts[k] - ex) * (cnts[k] - ex) / ex;
    }
    CHECK(chi < chi2_crit(3), "%s chi-square %g", names[f], chi);
    nchi++;
  }
}

/* Counts over categories: the mean of each count is N times its probability (4-sigma bands of the multinomial
 * variance), for multinomial, multinomial_logit and dirichlet_multinomial (variance inflated by
 * (N + alpha0) / (1 + alpha0)); bernoulli_logit_glm_rng's per-row frequencies. */
static void test_count_vectors(urn_rng *r) {
  double th[4] = {0.2, 0.1, 0.4, 0.3}, gm[4], al[4] = {1.5, 0.7, 3.0, 2.2}, a0 = 7.4;
  for (int k = 0; k < 4; k++) gm[k] = log(th[k]) + 0.7; /* softmax(gm) = th */
  const char *fams[3] = {"multinomial", "multinomial_logit", "dirichlet_multinomial"};
  enum { NT = 20, REPS = 4000 };
  int Nt = NT;
  for (int f = 0; f < 3; f++) {
    const urn_dist *d = urn_dist_find(fams[f]);
    double *pv = f == 0 ? th : f == 1 ? gm : al;
    urn_darg p[2] = {urn_darg_items(pv, 1, 4, 1, NULL), urn_darg_ints(&Nt, 1)};
    CHECK(urn_dist_rng_length(d, p) == 4, "%s rng length", fams[f]);
    double sum[4] = {0};
    int y[4], ok = 1;
    for (int i = 0; i < REPS; i++) {
      ok &= d->rng(r, p, 4, NULL, y, NULL) == URN_OK && y[0] + y[1] + y[2] + y[3] == NT;
      for (int k = 0; k < 4; k++) sum[k] += y[k];
    }
    CHECK(ok, "%s draws sum to N", fams[f]);
    for (int k = 0; k < 4; k++) {
      double pk = f == 2 ? al[k] / a0 : th[k], var = NT * pk * (1 - pk) * (f == 2 ? (NT + a0) / (1 + a0) : 1);
      CHECK(fabs(sum[k] / REPS - NT * pk) < 4 * sqrt(var / REPS), "%s mean count[%d] %g vs %g", fams[f], k,
            sum[k] / REPS, NT * pk);
    }
    nmom += 4, nother++;
  }
  /* bernoulli_logit_glm_rng: 3 rows, 4000 draws each */
  const urn_dist *d = urn_dist_find("bernoulli_logit_glm");
  double x[6] = {1.0, -0.3, 0.7, 0.5, 2.0, -1.1}, al0 = 0.3, be[2] = {0.4, -0.2};
  urn_darg p[3] = {urn_darg_items(x, 1, 3, 2, NULL), urn_darg_reals(&al0, 1, NULL), urn_darg_reals(be, 2, NULL)};
  CHECK(urn_dist_rng_length(d, p) == 3, "bernoulli_logit_glm_rng length is N");
  int cnt[3] = {0}, y[3];
  for (int i = 0; i < REPS; i++) {
    d->rng(r, p, 3, NULL, y, NULL);
    for (int k = 0; k < 3; k++) cnt[k] += y[k];
  }
  for (int k = 0; k < 3; k++) {
    double pk = 1 / (1 + exp(-(al0 + x[k] * be[0] + x[k + 3] * be[1])));
    CHECK(fabs((double)cnt[k] / REPS - pk) < 4 * sqrt(pk * (1 - pk) / REPS), "bernoulli_logit_glm_rng row %d", k);
  }
  nmom += 3;
}

/* The matrix rngs by their means: wishart nu S, inv_wishart S / (nu - K - 1) (also through the Cholesky-factor
 * forms, L L'), lkj_corr a unit diagonal and mean-zero correlations, multi_student_t mean mu and covariance
 * nu / (nu - 2) Sigma.  Bands: 5 standard errors estimated from the draws themselves. */
static void test_matrix_rngs(urn_rng *r) {
  enum { REPS = 20000 };
  const double S[4] = {2.0, 0.3, 0.3, 1.0}, Ls[4] = {sqrt(2.0), 0.3 / sqrt(2.0), 0, sqrt(1 - 0.045)};
  double nu = 7.5, out[4], W[4];
  const char *fams[4] = {"wishart", "wishart_cholesky", "inv_wishart", "inv_wishart_cholesky"};
  for (int f = 0; f < 4; f++) {
    const urn_dist *d = urn_dist_find(fams[f]);
    urn_darg p[2] = {urn_darg_reals(&nu, 1, NULL), urn_darg_items(f % 2 ? Ls : S, 1, 2, 2, NULL)};
    CHECK(urn_dist_rng_length(d, p) == 4, "%s rng length", fams[f]);
    double m[4] = {0}, m2[4] = {0};
    int ok = 1;
    for (int i = 0; i < REPS; i++) {
      ok &= d->rng(r, p, 4, out, NULL, NULL) == URN_OK;
      if (f % 2) { /* a Cholesky factor: lower triangular, W = L L' */
        ok &= out[2] == 0 && out[0] > 0 && out[3] > 0;
        W[0] = out[0] * out[0], W[1] = W[2] = out[0] * out[1], W[3] = out[1] * out[1] + out[3] * out[3];
      } else {
        ok &= out[1] == out[2];
        memcpy(W, out, sizeof W);
      }
      for (int k = 0; k < 4; k++) m[k] += W[k] / REPS, m2[k] += W[k] * W[k] / REPS;
    }
    CHECK(ok, "%s draws have the right shape", fams[f]);
    for (int k = 0; k < 4; k++) {
      double want = f < 2 ? nu * S[k] : S[k] / (nu - 3), se = sqrt((m2[k] - m[k] * m[k]) / REPS);
      CHECK(fabs(m[k] - want) < 5 * se, "%s mean[%d] %g vs %g (se %g)", fams[f], k, m[k], want, se);
    }
    nmom += 4;
  }
  /* lkj_corr_rng(3, eta): unit diagonal, symmetric, mean-zero off-diagonal with variance 1 / (2 eta + K - 1) */
  const urn_dist *dl = urn_dist_find("lkj_corr");
  int K = 3;
  double eta = 2.0, C[9], s01 = 0, q01 = 0;
  urn_darg pl[2] = {urn_darg_ints(&K, 1), urn_darg_reals(&eta, 1, NULL)};
  int ok = urn_dist_rng_length(dl, pl) == 9;
  for (int i = 0; i < REPS; i++) {
    ok &= dl->rng(r, pl, 9, C, NULL, NULL) == URN_OK && C[0] == 1 && C[4] == 1 && C[8] == 1 && C[1] == C[3];
    s01 += C[1] / REPS, q01 += C[1] * C[1] / REPS;
  }
  CHECK(ok, "lkj_corr_rng: correlation matrices");
  CHECK(fabs(s01) < 5 * sqrt(1.0 / (6 * REPS)) && fabs(q01 - 1.0 / 6) < 0.01, "lkj_corr_rng marginal mean %g, var %g vs 1/6",
        s01, q01);
  nmom += 2;
  /* multi_student_t(_cholesky)_rng */
  const char *tf[2] = {"multi_student_t", "multi_student_t_cholesky"};
  double mu[2] = {1.0, -0.5}, nut = 6;
  for (int f = 0; f < 2; f++) {
    const urn_dist *dt = urn_dist_find(tf[f]);
    urn_darg pt[3] = {urn_darg_reals(&nut, 1, NULL), urn_darg_items(mu, 1, 2, 1, NULL),
                      urn_darg_items(f ? Ls : S, 1, 2, 2, NULL)};
    double sm[2] = {0}, c00 = 0, y[2];
    for (int i = 0; i < REPS; i++) {
      dt->rng(r, pt, 2, y, NULL, NULL);
      sm[0] += y[0] / REPS, sm[1] += y[1] / REPS, c00 += (y[0] - mu[0]) * (y[0] - mu[0]) / REPS;
    }
    double v00 = nut / (nut - 2) * S[0];
    CHECK(fabs(sm[0] - mu[0]) < 5 * sqrt(v00 / REPS) && fabs(c00 / v00 - 1) < 0.08, "%s mean %g, var %g vs %g",
          tf[f], sm[0], c00, v00);
    nmom += 2;
  }
}

static void test_vector_and_errors(urn_rng *r) {
  const urn_dist *d = urn_dist_find("normal");
  double mu[3] = {-100, 0, 100}, s = 1, out[3];
  urn_darg a[2] = {urn_darg_reals(mu, 3, NULL), urn_darg_reals(&s, 1, NULL)};
  CHECK(urn_dist_rng_length(d, a) == 3, "vectorized rng length");
  CHECK(d->rng(r, a, 3, out, NULL, NULL) == URN_OK && fabs(out[0] + 100) < 6 &&
            fabs(out[2] - 100) < 6,
        "vectorized normal_rng follows its means");
  double bad = -1;
  a[1] = urn_darg_reals(&bad, 1, NULL);
  urn_error e;
  CHECK(d->rng(r, a, 3, out, NULL, &e) == URN_EREJECT &&
            strstr(e.msg, "normal_rng: Scale parameter is -1, but must be positive finite!"),
        "rng domain error: %s", e.msg);
  const urn_dist *pd = urn_dist_find("poisson");
  double big = 2e9;
  int iy;
  urn_darg pa[1] = {urn_darg_reals(&big, 1, NULL)};
  CHECK(pd->rng(r, pa, 1, NULL, &iy, &e) == URN_EREJECT && strstr(e.msg, "poisson_rng: Rate parameter"),
        "poisson_rng too large: %s", e.msg);
  const urn_dist *cd = urn_dist_find("categorical");
  double th[2] = {0.5, 0.6};
  urn_darg ca[1] = {urn_darg_items(th, 1, 2, 1, NULL)};
  CHECK(cd->rng(r, ca, 1, NULL, &iy, &e) == URN_EREJECT && strstr(e.msg, "not a valid simplex"),
        "categorical_rng non-simplex: %s", e.msg);
  /* same seed, same draws */
  urn_rng r1, r2;
  urn_rng_seed(&r1, 7, 0);
  urn_rng_seed(&r2, 7, 0);
  const urn_dist *gd = urn_dist_find("gamma");
  double p2[2] = {0.5, 1}, g1[4], g2[4];
  urn_darg ga[2] = {urn_darg_reals(&p2[0], 1, NULL), urn_darg_reals(&p2[1], 1, NULL)};
  gd->rng(&r1, ga, 1, g1, NULL, NULL);
  gd->rng(&r2, ga, 1, g2, NULL, NULL);
  CHECK(g1[0] == g2[0], "reproducible draws");
  nother += 6;
}

int main(void) {
  urn_rng r;
  urn_rng_seed(&r, 20240601, 0);
  test_continuous(&r);
  test_discrete(&r);
  test_multivariate(&r);
  test_count_vectors(&r);
  test_matrix_rngs(&r);
  test_vector_and_errors(&r);
  printf("rng: %d moment, %d KS, %d chi-square, %d other checks\n", nmom, nks, nchi, nother);
  return test_done();
}
