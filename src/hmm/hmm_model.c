/* hmm/hmm_model.c — HMM models and their parameters: dynamax's default
 * hyperparameters, parameter storage and validation, emission log-likelihoods
 * for every kind, the log prior (spec 3, A, B), and simulation (spec 8). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hmm/hmm_internal.h"
#include "math/dist.h"
#include "math/linalg.h"
#include "math/special.h"
#include "util/util.h"

double urn__lmgamma(int D, double a) {
  double s = D * (D - 1) / 4.0 * log(M_PI);
  for (int j = 1; j <= D; j++) s += urn_lgamma(a + (1 - j) / 2.0);
  return s;
}

double urn__log_dirichlet(int K, const double *p, const double *a) {
  double sa = 0.0, s = 0.0;
  for (int k = 0; k < K; k++) {
    sa += a[k];
    s -= urn_lgamma(a[k]);
    if (a[k] != 1.0) s += (a[k] - 1.0) * log(p[k]);
  }
  return s + urn_lgamma(sa);
}

static const char *const kind_names[URN_HMM_NUM_KINDS] = {"gaussian", "diag", "linreg", "logreg", "catreg", "poisson",
                                                            "exponential", "gamma", "lognormal", "beta", "categorical",
                                                            "student", "gmm"};

const char *urn_hmm_kind_name(urn_hmm_kind kind) {
  return (unsigned)kind < URN_HMM_NUM_KINDS ? kind_names[kind] : "?";
}

int urn_hmm_kind_parse(const char *name) {
  for (int i = 0; i < URN_HMM_NUM_KINDS; i++)
    if (strcmp(name, kind_names[i]) == 0) return i;
  if (strcmp(name, "bernoulli-glm") == 0 || strcmp(name, "logistic") == 0) return URN_HMM_LOGREG;
  if (strcmp(name, "categorical-glm") == 0) return URN_HMM_CATREG;
  if (strcmp(name, "gaussian-diag") == 0) return URN_HMM_DIAG;
  if (strcmp(name, "student-t") == 0 || strcmp(name, "t") == 0) return URN_HMM_STUDENT;
  if (strcmp(name, "log-normal") == 0) return URN_HMM_LOGNORMAL;
  if (strcmp(name, "gaussian-mixture") == 0 || strcmp(name, "mixture") == 0) return URN_HMM_GMM;
  return -1;
}

static int uses_inputs(urn_hmm_kind k) {
  return k == URN_HMM_LINREG || k == URN_HMM_LOGREG || k == URN_HMM_CATREG;
}

int urn_hmm_model_init(urn_hmm_model *m, urn_hmm_kind kind, int K, int D, int M, int C,
                       urn_error *err) {
  memset(m, 0, sizeof *m);
  if ((unsigned)kind >= URN_HMM_NUM_KINDS) return urn_error_set(err, URN_EINPUT, "hmm: unknown model kind %d", (int)kind);
  if (kind == URN_HMM_LOGREG || kind == URN_HMM_CATREG || kind == URN_HMM_CATEGORICAL) D = 1;
  if (K < 1 || K > 10000) return urn_error_set(err, URN_EINPUT, "hmm: number of states %d must be in 1..10000", K);
  if (D < 1 || D > 1000) return urn_error_set(err, URN_EINPUT, "hmm: emission dimension %d must be in 1..1000", D);
  if (uses_inputs(kind) && (M < 1 || M > 1000))
    return urn_error_set(err, URN_EINPUT, "hmm: %s needs an input dimension in 1..1000 (got %d)",
                         kind_names[kind], M);
  if (!uses_inputs(kind)) M = 0;
  if ((kind == URN_HMM_CATREG || kind == URN_HMM_CATEGORICAL) && (C < 2 || C > 1000))
    return urn_error_set(err, URN_EINPUT, "hmm: %s needs 2..1000 classes (got %d)", kind_names[kind], C);
  if (kind == URN_HMM_GMM && (C < 1 || C > 100))
    return urn_error_set(err, URN_EINPUT, "hmm: gmm needs 1..100 mixture components per state (got %d)", C);
  if (kind != URN_HMM_CATREG && kind != URN_HMM_CATEGORICAL && kind != URN_HMM_GMM) C = 0;
  m->kind = kind;
  m->K = K;
  m->D = D;
  m->M = M;
  m->C = C;
  m->initial_conc = 1.1;
  m->trans_conc = 1.1;
  m->stickiness = 0.0;
  m->prior_mean = urn_xcalloc((size_t)D, sizeof(double));
  m->prior_scale = urn_xcalloc((size_t)D * D, sizeof(double));
  for (int i = 0; i < D; i++) m->prior_scale[i * D + i] = 1e-4;
  m->kappa0 = 1e-4;
  m->extra_df = 0.1;
  m->ig_shape = 0.1;
  m->ig_scale = 0.1;
  m->weight_scale = 1e8;
  m->rate_shape = 1.1;
  m->rate_rate = 0.1;
  m->trans_weight_scale = 10.0;
  m->probs_conc = 1.1;
  return URN_OK;
}

int urn_hmm_num_free_params(const urn_hmm_model *m) {
  int K = m->K, D = m->D, M = m->M, C = m->C, n = 0;
  if (!(m->frozen & URN_HMM_FREEZE_INITIAL)) n += K - 1;
  if (!(m->frozen & URN_HMM_FREEZE_TRANSITIONS)) n += K * (K - 1) * (m->trans_M + 1);
  if (m->frozen & URN_HMM_FREEZE_EMISSIONS) return n;
  switch (m->kind) {
  case URN_HMM_GAUSSIAN: n += K * D + (m->shared_cov ? 1 : K) * (D * (D + 1) / 2); break;
  case URN_HMM_DIAG: n += K * D + (m->shared_cov ? 1 : K) * D; break;
  case URN_HMM_LINREG: {
    int shared = 0; /* inputs whose coefficients every state shares */
    for (int j = 0; j < M && j < 64; j++) shared += (int)((m->shared_coef >> j) & 1ULL);
    n += K * (D * (M - shared) + D) + D * shared + (m->shared_cov ? 1 : K) * (D * (D + 1) / 2);
    break;
  }
  case URN_HMM_LOGREG: n += K * (M + 1); break;
  case URN_HMM_CATREG: n += K * (C - 1) * (M + 1); break;
  case URN_HMM_POISSON: n += K * D; break;
  default: n += urn__hmm_family_num_params(m); break;
  }
  return n;
}

void urn_hmm_model_free(urn_hmm_model *m) {
  free(m->prior_mean);
  free(m->prior_scale);
  m->prior_mean = m->prior_scale = NULL;
}

/* Number of doubles in each emission array for this model (0 = unused). */
typedef struct sizes {
  size_t means, covs, scale_diags, weights, biases, rates, shapes, dofs, probs; /* element counts */
} sizes;

static sizes param_sizes(const urn_hmm_model *m) {
  sizes s = {0, 0, 0, 0, 0, 0, 0, 0, 0};
  size_t K = (size_t)m->K, D = (size_t)m->D, M = (size_t)m->M, C = (size_t)m->C;
  switch (m->kind) {
  case URN_HMM_GAUSSIAN: s.means = K * D; s.covs = K * D * D; break;
  case URN_HMM_DIAG: s.means = K * D; s.scale_diags = K * D; break;
  case URN_HMM_LINREG: s.weights = K * D * M; s.biases = K * D; s.covs = K * D * D; break;
  case URN_HMM_LOGREG: s.weights = K * M; s.biases = K; break;
  case URN_HMM_CATREG: s.weights = K * C * M; s.biases = K * C; break;
  case URN_HMM_POISSON:
  case URN_HMM_EXPONENTIAL: s.rates = K * D; break;
  case URN_HMM_GAMMA: s.shapes = K * D; s.rates = K * D; break;
  case URN_HMM_LOGNORMAL: s.means = K * D; s.scale_diags = K * D; break;
  case URN_HMM_BETA: s.shapes = 2 * K * D; break;
  case URN_HMM_CATEGORICAL: s.probs = K * C; break;
  case URN_HMM_STUDENT: s.means = K * D; s.scale_diags = K * D; s.dofs = K * D; break;
  case URN_HMM_GMM: s.means = K * C * D; s.scale_diags = K * C * D; s.probs = K * C; break;
  }
  return s;
}

static double *alloc_or_null(size_t n) { return n ? urn_xcalloc(n, sizeof(double)) : NULL; }

void urn_hmm_params_alloc(const urn_hmm_model *m, urn_hmm_params *p) {
  sizes s = param_sizes(m);
  memset(p, 0, sizeof *p);
  p->K = m->K;
  p->D = m->D;
  p->M = m->M;
  p->C = m->C;
  p->initial_probs = urn_xcalloc((size_t)m->K, sizeof(double));
  p->transition_matrix = urn_xcalloc((size_t)m->K * m->K, sizeof(double));
  p->means = alloc_or_null(s.means);
  p->covs = alloc_or_null(s.covs);
  p->scale_diags = alloc_or_null(s.scale_diags);
  p->weights = alloc_or_null(s.weights);
  p->biases = alloc_or_null(s.biases);
  p->rates = alloc_or_null(s.rates);
  p->trans_weights = alloc_or_null((size_t)m->K * m->K * (m->trans_M > 0 ? m->trans_M : 0));
  p->trans_biases = alloc_or_null(m->trans_M > 0 ? (size_t)m->K * m->K : 0);
  p->shapes = alloc_or_null(s.shapes);
  p->dofs = alloc_or_null(s.dofs);
  p->probs = alloc_or_null(s.probs);
}

void urn_hmm_params_free(urn_hmm_params *p) {
  free(p->initial_probs);
  free(p->transition_matrix);
  free(p->means);
  free(p->covs);
  free(p->scale_diags);
  free(p->weights);
  free(p->biases);
  free(p->rates);
  free(p->trans_weights);
  free(p->trans_biases);
  free(p->shapes);
  free(p->dofs);
  free(p->probs);
  memset(p, 0, sizeof *p);
}

void urn_hmm_params_copy(const urn_hmm_model *m, urn_hmm_params *dst, const urn_hmm_params *src) {
  sizes s = param_sizes(m);
  size_t K = (size_t)m->K;
  memcpy(dst->initial_probs, src->initial_probs, K * sizeof(double));
  memcpy(dst->transition_matrix, src->transition_matrix, K * K * sizeof(double));
#define CP(f) if (s.f) memcpy(dst->f, src->f, s.f * sizeof(double))
  CP(means); CP(covs); CP(scale_diags); CP(weights); CP(biases); CP(rates); CP(shapes); CP(dofs); CP(probs);
#undef CP
  if (m->trans_M > 0) {
    memcpy(dst->trans_weights, src->trans_weights, K * K * (size_t)m->trans_M * sizeof(double));
    memcpy(dst->trans_biases, src->trans_biases, K * K * sizeof(double));
  }
}

static int check_simplex(const double *p, int K, const char *what, int row, urn_error *err) {
  double s = 0.0;
  for (int k = 0; k < K; k++) {
    if (!(p[k] >= 0.0 && p[k] <= 1.0)) {
      if (row >= 0)
        return urn_error_set(err, URN_EINPUT, "hmm: %s[%d][%d] = %g is not a probability", what, row, k, p[k]);
      return urn_error_set(err, URN_EINPUT, "hmm: %s[%d] = %g is not a probability", what, k, p[k]);
    }
    s += p[k];
  }
  if (fabs(s - 1.0) > 1e-6) {
    if (row >= 0) return urn_error_set(err, URN_EINPUT, "hmm: row %d of %s sums to %.10g, not 1", row, what, s);
    return urn_error_set(err, URN_EINPUT, "hmm: %s sums to %.10g, not 1", what, s);
  }
  return URN_OK;
}

static int check_finite(const double *v, size_t n, const char *what, urn_error *err) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(v[i])) return urn_error_set(err, URN_EINPUT, "hmm: %s[%zu] is %g (must be finite)", what, i, v[i]);
  return URN_OK;
}

int urn_hmm_params_check(const urn_hmm_model *m, const urn_hmm_params *p, urn_error *err) {
  int K = m->K, D = m->D, rc;
  sizes s = param_sizes(m);
  if ((rc = check_simplex(p->initial_probs, K, "initial_probs", -1, err))) return rc;
  for (int j = 0; j < K; j++)
    if ((rc = check_simplex(p->transition_matrix + (size_t)j * K, K, "transition_matrix", j, err))) return rc;
  if (m->trans_M > 0 && ((rc = check_finite(p->trans_weights, (size_t)K * K * m->trans_M, "transition_weights", err)) ||
                         (rc = check_finite(p->trans_biases, (size_t)K * K, "transition_biases", err))))
    return rc;
  if (s.means && (rc = check_finite(p->means, s.means, "emission_means", err))) return rc;
  if (s.weights && (rc = check_finite(p->weights, s.weights, "emission_weights", err))) return rc;
  if (s.biases && (rc = check_finite(p->biases, s.biases, "emission_biases", err))) return rc;
  if (s.scale_diags) {
    for (size_t i = 0; i < s.scale_diags; i++)
      if (!(p->scale_diags[i] > 0.0) || !isfinite(p->scale_diags[i]))
        return urn_error_set(err, URN_EINPUT, "hmm: emission_scale_diags of state %zu is %g (must be > 0)",
                             i / (s.scale_diags / K), p->scale_diags[i]);
  }
  if (s.rates) {
    for (size_t i = 0; i < s.rates; i++)
      if (!(p->rates[i] >= 0.0) || !isfinite(p->rates[i]))
        return urn_error_set(err, URN_EINPUT, "hmm: emission_rates of state %zu is %g (must be >= 0)",
                             i / D, p->rates[i]);
  }
  for (size_t i = 0; i < s.shapes; i++)
    if (!(p->shapes[i] > 0.0) || !isfinite(p->shapes[i]))
      return urn_error_set(err, URN_EINPUT, "hmm: emission_shapes of state %zu is %g (must be > 0)",
                           i / (s.shapes / K), p->shapes[i]);
  for (size_t i = 0; i < s.dofs; i++)
    if (!(p->dofs[i] > 0.0) || !isfinite(p->dofs[i]))
      return urn_error_set(err, URN_EINPUT, "hmm: emission_dofs of state %zu is %g (must be > 0)", i / D, p->dofs[i]);
  for (int k = 0; s.probs && k < K; k++)
    if ((rc = check_simplex(p->probs + (size_t)k * m->C, m->C, "emission_probs", k, err))) return rc;
  if (s.covs) {
    double *L = urn_xmalloc(sizeof(double) * (size_t)D * D);
    for (int k = 0; k < K; k++) {
      const double *S = p->covs + (size_t)k * D * D;
      int bad = 0;
      for (int i = 0; i < D && !bad; i++)
        for (int j = 0; j < D; j++)
          if (!isfinite(S[i * D + j]) || fabs(S[i * D + j] - S[j * D + i]) > 1e-8 * (fabs(S[i * D + j]) + 1e-300))
            bad = 1;
      if (bad || urn_cholesky(L, S, D)) {
        free(L);
        return urn_error_set(err, URN_EINPUT,
                             "hmm: emission covariance of state %d is not symmetric positive definite", k);
      }
    }
    free(L);
  }
  return URN_OK;
}

int urn_hmm_seq_check(const urn_hmm_model *m, const urn_hmm_seq *s, size_t index, urn_error *err) {
  if (s->T == 0) return urn_error_set(err, URN_EINPUT, "hmm: sequence %zu is empty (length 0)", index);
  size_t ny = s->T * (size_t)m->D;
  for (size_t i = 0; i < ny; i++) {
    double y = s->y[i];
    if (!isfinite(y))
      return urn_error_set(err, URN_EINPUT, "hmm: sequence %zu, time %zu: emission is %g (must be finite)",
                           index, i / m->D, y);
    if (m->kind == URN_HMM_LOGREG && y != 0.0 && y != 1.0)
      return urn_error_set(err, URN_EINPUT, "hmm: sequence %zu, time %zu: logreg emission %g must be 0 or 1",
                           index, i, y);
    if (m->kind == URN_HMM_CATREG && (y != floor(y) || y < 0 || y >= m->C))
      return urn_error_set(err, URN_EINPUT,
                           "hmm: sequence %zu, time %zu: catreg emission %g must be a class 0..%d", index, i, y,
                           m->C - 1);
    if (m->kind == URN_HMM_POISSON && (y != floor(y) || y < 0))
      return urn_error_set(err, URN_EINPUT,
                           "hmm: sequence %zu, time %zu: poisson emission %g must be a non-negative integer count",
                           index, i / m->D, y);
    const char *why = urn__hmm_is_family(m->kind) ? urn__hmm_family_bad_value(m, y) : NULL;
    if (why) {
      if (m->kind == URN_HMM_CATEGORICAL)
        return urn_error_set(err, URN_EINPUT, "hmm: sequence %zu, time %zu: categorical emission %g must be a class "
                             "code 0..%d", index, i, y, m->C - 1);
      return urn_error_set(err, URN_EINPUT, "hmm: sequence %zu, time %zu: %s emission %g %s", index, i / m->D,
                           kind_names[m->kind], y, why);
    }
  }
  if (uses_inputs(m->kind)) {
    if (!s->x) return urn_error_set(err, URN_EINPUT, "hmm: sequence %zu has no inputs (%s needs them)", index,
                                    kind_names[m->kind]);
    size_t nx = s->T * (size_t)m->M;
    for (size_t i = 0; i < nx; i++)
      if (!isfinite(s->x[i]))
        return urn_error_set(err, URN_EINPUT, "hmm: sequence %zu, time %zu: input is %g (must be finite)", index,
                             i / m->M, s->x[i]);
  }
  if (m->trans_M > 0) {
    if (!s->u) return urn_error_set(err, URN_EINPUT, "hmm: sequence %zu has no transition inputs (the model has %d)",
                                    index, m->trans_M);
    for (size_t i = (size_t)m->trans_M; i < s->T * (size_t)m->trans_M; i++)
      if (!isfinite(s->u[i]))
        return urn_error_set(err, URN_EINPUT, "hmm: sequence %zu, time %zu: transition input is %g (must be finite)",
                             index, i / m->trans_M, s->u[i]);
  }
  return URN_OK;
}

static inline double softplus(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }

int urn__hmm_gauss1_terms(const urn_hmm_model *m, const urn_hmm_params *p, double *mu, double *half_prec,
                          double *cst, urn_error *err) {
  const double log2pi = log(2.0 * M_PI);
  for (int k = 0; k < m->K; k++) {
    double v = m->kind == URN_HMM_DIAG ? p->scale_diags[k] * p->scale_diags[k] : p->covs[k];
    if (!(v > 0.0) || !isfinite(v))
      return urn_error_set(err, URN_EINPUT, "hmm: emission variance of state %d is %g (must be > 0)", k, v);
    mu[k] = p->means[k];
    half_prec[k] = 0.5 / v;
    cst[k] = -0.5 * (log2pi + log(v));
  }
  return URN_OK;
}

/* Gaussian-family emissions with per-state Cholesky factors. */
static int gauss_logliks(const urn_hmm_model *m, const urn_hmm_params *p, const urn_hmm_seq *s,
                         double *LL, urn_error *err) {
  int K = m->K, D = m->D, M = m->M;
  size_t T = s->T;
  const double log2pi = log(2.0 * M_PI);
  if (D == 1 && m->kind != URN_HMM_LINREG) {
    /* fast path: LL = c_k - 0.5 (y - mu_k)^2 / v_k */
    double mu[URN_HMM_STACK_K], half_prec[URN_HMM_STACK_K], cst[URN_HMM_STACK_K];
    double *w = K > URN_HMM_STACK_K ? urn_xmalloc(sizeof(double) * 3 * (size_t)K) : NULL;
    double *mu_ = w ? w : mu, *hp = w ? w + K : half_prec, *cs = w ? w + 2 * K : cst;
    int rc = urn__hmm_gauss1_terms(m, p, mu_, hp, cs, err);
    if (rc) {
      free(w);
      return rc;
    }
    for (size_t t = 0; t < T; t++) {
      double y = s->y[t];
      double *row = LL + t * (size_t)K;
      for (int k = 0; k < K; k++) {
        double r = y - mu_[k];
        row[k] = cs[k] - hp[k] * r * r;
      }
    }
    free(w);
    return URN_OK;
  }
  if (m->kind == URN_HMM_DIAG) {
    for (int k = 0; k < K; k++) {
      const double *sd = p->scale_diags + (size_t)k * D, *mu = p->means + (size_t)k * D;
      double cst = -0.5 * D * log2pi;
      for (int d = 0; d < D; d++) {
        if (!(sd[d] > 0.0)) return urn_error_set(err, URN_EINPUT, "hmm: emission scale of state %d is %g", k, sd[d]);
        cst -= log(sd[d]);
      }
      for (size_t t = 0; t < T; t++) {
        const double *y = s->y + t * D;
        double q = 0.0;
        for (int d = 0; d < D; d++) {
          double z = (y[d] - mu[d]) / sd[d];
          q += z * z;
        }
        LL[t * K + k] = cst - 0.5 * q;
      }
    }
    return URN_OK;
  }
  double *L = urn_xmalloc(sizeof(double) * ((size_t)D * D + D));
  double *r = L + (size_t)D * D;
  for (int k = 0; k < K; k++) {
    if (urn_cholesky(L, p->covs + (size_t)k * D * D, D)) {
      free(L);
      return urn_error_set(err, URN_EINPUT, "hmm: emission covariance of state %d is not positive definite", k);
    }
    double cst = -0.5 * (D * log2pi + urn_cholesky_logdet(L, D));
    const double *W = m->kind == URN_HMM_LINREG ? p->weights + (size_t)k * D * M : NULL;
    const double *mean = m->kind == URN_HMM_LINREG ? p->biases + (size_t)k * D : p->means + (size_t)k * D;
    for (size_t t = 0; t < T; t++) {
      const double *y = s->y + t * D;
      for (int d = 0; d < D; d++) {
        double mu = mean[d];
        if (W) {
          const double *x = s->x + t * M, *Wd = W + (size_t)d * M;
          for (int j = 0; j < M; j++) mu += Wd[j] * x[j];
        }
        r[d] = y[d] - mu;
      }
      urn_trsm_lower(L, r, D, 1);
      double q = 0.0;
      for (int d = 0; d < D; d++) q += r[d] * r[d];
      LL[t * K + k] = cst - 0.5 * q;
    }
  }
  free(L);
  return URN_OK;
}

int urn_hmm_emission_logliks(const urn_hmm_model *m, const urn_hmm_params *p,
                             const urn_hmm_seq *s, double *LL, urn_error *err) {
  int K = m->K, D = m->D, M = m->M, C = m->C;
  size_t T = s->T;
  switch (m->kind) {
  case URN_HMM_GAUSSIAN:
  case URN_HMM_DIAG:
  case URN_HMM_LINREG: return gauss_logliks(m, p, s, LL, err);
  case URN_HMM_LOGREG:
    for (size_t t = 0; t < T; t++) {
      const double *x = s->x + t * M;
      for (int k = 0; k < K; k++) {
        const double *w = p->weights + (size_t)k * M;
        double eta = p->biases[k];
        for (int j = 0; j < M; j++) eta += w[j] * x[j];
        LL[t * K + k] = s->y[t] != 0.0 ? -softplus(-eta) : -softplus(eta);
      }
    }
    return URN_OK;
  case URN_HMM_CATREG: {
    double *eta = urn_xmalloc(sizeof(double) * (size_t)C);
    for (size_t t = 0; t < T; t++) {
      const double *x = s->x + t * M;
      int y = (int)s->y[t];
      for (int k = 0; k < K; k++) {
        double mx = -INFINITY;
        for (int c = 0; c < C; c++) {
          const double *w = p->weights + ((size_t)k * C + c) * M;
          double e = p->biases[(size_t)k * C + c];
          for (int j = 0; j < M; j++) e += w[j] * x[j];
          eta[c] = e;
          if (e > mx) mx = e;
        }
        double se = 0.0;
        for (int c = 0; c < C; c++) se += exp(eta[c] - mx);
        LL[t * K + k] = eta[y] - mx - log(se);
      }
    }
    free(eta);
    return URN_OK;
  }
  case URN_HMM_POISSON: {
    double *lr = urn_xmalloc(sizeof(double) * (size_t)K * D);
    for (size_t i = 0; i < (size_t)K * D; i++) lr[i] = p->rates[i] > 0 ? log(p->rates[i]) : -INFINITY;
    for (size_t t = 0; t < T; t++) {
      const double *y = s->y + t * D;
      double lf = 0.0;
      for (int d = 0; d < D; d++) lf += urn_lgamma(y[d] + 1.0);
      for (int k = 0; k < K; k++) {
        double v = -lf;
        for (int d = 0; d < D; d++) {
          double r = p->rates[(size_t)k * D + d];
          v += (y[d] != 0.0 ? y[d] * lr[(size_t)k * D + d] : 0.0) - r;
        }
        LL[t * K + k] = v;
      }
    }
    free(lr);
    return URN_OK;
  }
  default:
    if (urn__hmm_is_family(m->kind)) return urn__hmm_family_logliks(m, p, s, LL, err);
  }
  return urn_error_set(err, URN_EFATAL, "hmm: unknown model kind");
}

double urn_hmm_log_prior(const urn_hmm_model *m, const urn_hmm_params *p) {
  int K = m->K, D = m->D;
  double *a = urn_xmalloc(sizeof(double) * (size_t)K);
  double lp = 0.0;
  if (!(m->no_prior & URN_HMM_FREEZE_INITIAL)) {
    for (int k = 0; k < K; k++) a[k] = m->initial_conc;
    lp += urn__log_dirichlet(K, p->initial_probs, a);
  }
  if (m->trans_M > 0) lp += urn__hmm_trans_log_prior(m, p);
  for (int j = 0; j < K && !(m->no_prior & URN_HMM_FREEZE_TRANSITIONS) && m->trans_M <= 0; j++) {
    for (int k = 0; k < K; k++) a[k] = m->trans_conc + (j == k ? m->stickiness : 0.0);
    lp += urn__log_dirichlet(K, p->transition_matrix + (size_t)j * K, a);
  }
  free(a);
  const double log2pi = log(2.0 * M_PI);
  if (m->no_prior & URN_HMM_FREEZE_EMISSIONS) return lp;
  switch (m->kind) {
  case URN_HMM_GAUSSIAN: {
    double nu = D + m->extra_df;
    double *Psi = urn_xmalloc(sizeof(double) * (4 * (size_t)D * D + 2 * D));
    double *Lp = Psi + D * D, *L = Lp + D * D, *col = L + D * D, *r = col + D;
    memcpy(Psi, m->prior_scale, sizeof(double) * D * D);
    for (int i = 0; i < D; i++) Psi[i * D + i] += m->iw_scale_jitter;
    if (urn_cholesky(Lp, Psi, D)) {
      free(Psi);
      return NAN;
    }
    double logdet_psi = urn_cholesky_logdet(Lp, D);
    double cst = 0.5 * nu * logdet_psi - 0.5 * nu * D * log(2.0) - urn__lmgamma(D, 0.5 * nu);
    for (int k = 0; k < K; k++) {
      const double *S = p->covs + (size_t)k * D * D;
      if (urn_cholesky(L, S, D)) {
        free(Psi);
        return NAN;
      }
      double logdet_s = urn_cholesky_logdet(L, D);
      double tr = 0.0; /* tr(S^-1 Psi) */
      for (int j = 0; j < D; j++) {
        for (int i = 0; i < D; i++) col[i] = Psi[i * D + j];
        urn_cholesky_solve(L, col, D, 1);
        tr += col[j];
      }
      lp += cst - 0.5 * (nu + D + 1) * logdet_s - 0.5 * tr;
      for (int i = 0; i < D; i++) r[i] = p->means[(size_t)k * D + i] - m->prior_mean[i];
      urn_trsm_lower(L, r, D, 1);
      double q = 0.0;
      for (int i = 0; i < D; i++) q += r[i] * r[i];
      lp += -0.5 * D * log2pi + 0.5 * D * log(m->kappa0) - 0.5 * logdet_s - 0.5 * m->kappa0 * q;
    }
    free(Psi);
    break;
  }
  case URN_HMM_DIAG: {
    double a0 = m->ig_shape, b0 = m->ig_scale, k0 = m->kappa0;
    for (int k = 0; k < K; k++)
      for (int d = 0; d < D; d++) {
        double v = p->scale_diags[(size_t)k * D + d];
        v *= v;
        double dm = p->means[(size_t)k * D + d] - m->prior_mean[d];
        lp += a0 * log(b0) - urn_lgamma(a0) - (a0 + 1) * log(v) - b0 / v;
        lp += -0.5 * (log2pi + log(v / k0)) - 0.5 * k0 * dm * dm / v;
      }
    break;
  }
  case URN_HMM_LOGREG: {
    double s = m->weight_scale, ss = 0.0;
    size_t n = (size_t)K * m->M;
    for (size_t i = 0; i < n; i++) ss += p->weights[i] * p->weights[i];
    lp += (-0.5 * log2pi - log(s)) * (double)n - 0.5 * ss / (s * s);
    break;
  }
  case URN_HMM_POISSON: {
    double a0 = m->rate_shape, b0 = m->rate_rate;
    for (size_t i = 0; i < (size_t)K * D; i++) {
      double r = p->rates[i];
      double xl = a0 == 1.0 ? 0.0 : (a0 - 1.0) * log(r);
      lp += a0 * log(b0) - urn_lgamma(a0) + xl - b0 * r;
    }
    break;
  }
  case URN_HMM_LINREG:
  case URN_HMM_CATREG: break; /* no emission prior (spec 2.4, B.2) */
  default: lp += urn__hmm_family_log_prior(m, p); break;
  }
  return lp;
}

int urn_hmm_sample(const urn_hmm_model *m, const urn_hmm_params *p, uint64_t seed, size_t T,
                   const double *x, int *states, double *y, urn_error *err) {
  return urn_hmm_sample_tv(m, p, seed, T, x, NULL, states, y, err);
}

int urn_hmm_sample_tv(const urn_hmm_model *m, const urn_hmm_params *p, uint64_t seed, size_t T, const double *x,
                      const double *u, int *states, double *y, urn_error *err) {
  int K = m->K, D = m->D, M = m->M, C = m->C, rc;
  size_t KK = (size_t)K * K;
  if (T == 0) return urn_error_set(err, URN_EINPUT, "hmm sample: the number of time steps must be > 0");
  if (uses_inputs(m->kind) && !x)
    return urn_error_set(err, URN_EINPUT, "hmm sample: %s needs inputs", kind_names[m->kind]);
  if ((rc = urn_hmm_params_check(m, p, err))) return rc;
  if (m->trans_M > 0 && !u)
    return urn_error_set(err, URN_EINPUT, "hmm sample: the model has %d transition inputs: give them (urn_hmm_sample_tv)",
                         m->trans_M);
  double *A = NULL; /* input-driven: the matrix of each step */
  if (m->trans_M > 0) {
    for (size_t i = (size_t)m->trans_M; i < T * (size_t)m->trans_M; i++)
      if (!isfinite(u[i]))
        return urn_error_set(err, URN_EINPUT, "hmm sample: transition input %zu of step %zu is not finite (%g)",
                             i % m->trans_M, i / m->trans_M, u[i]);
    A = urn_xmalloc(sizeof(double) * T * KK);
    urn_hmm_seq s = {T, NULL, x, u};
    urn_hmm_trans_matrices(m, p, &s, A, err);
  }
  urn_rng r;
  urn_rng_seed(&r, seed, 0);
  double *L = NULL;
  if (p->covs) {
    L = urn_xmalloc(sizeof(double) * (size_t)K * D * D);
    for (int k = 0; k < K; k++) urn_cholesky(L + (size_t)k * D * D, p->covs + (size_t)k * D * D, D);
  }
  double *eps = urn_xmalloc(sizeof(double) * (size_t)(D > C ? D : C + 1));
  for (size_t t = 0; t < T; t++) {
    int z = urn__hmm_draw_categorical(&r, t == 0 ? p->initial_probs
                                          : (A ? A + t * KK : p->transition_matrix) + (size_t)states[t - 1] * K, K);
    states[t] = z;
    const double *xt = x ? x + t * M : NULL;
    switch (m->kind) {
    case URN_HMM_GAUSSIAN:
    case URN_HMM_LINREG: {
      const double *Lk = L + (size_t)z * D * D;
      for (int d = 0; d < D; d++) eps[d] = urn_rng_normal(&r);
      for (int d = 0; d < D; d++) {
        double mu;
        if (m->kind == URN_HMM_GAUSSIAN) {
          mu = p->means[(size_t)z * D + d];
        } else {
          mu = p->biases[(size_t)z * D + d];
          const double *w = p->weights + ((size_t)z * D + d) * M;
          for (int j = 0; j < M; j++) mu += w[j] * xt[j];
        }
        for (int e = 0; e <= d; e++) mu += Lk[d + e * D] * eps[e]; /* L column-major */
        y[t * D + d] = mu;
      }
      break;
    }
    case URN_HMM_DIAG:
      for (int d = 0; d < D; d++)
        y[t * D + d] = p->means[(size_t)z * D + d] + p->scale_diags[(size_t)z * D + d] * urn_rng_normal(&r);
      break;
    case URN_HMM_LOGREG: {
      double eta = p->biases[z];
      for (int j = 0; j < M; j++) eta += p->weights[(size_t)z * M + j] * xt[j];
      y[t] = urn_rng_uniform(&r) < 1.0 / (1.0 + exp(-eta)) ? 1.0 : 0.0;
      break;
    }
    case URN_HMM_CATREG: {
      double mx = -INFINITY;
      for (int c = 0; c < C; c++) {
        double e = p->biases[(size_t)z * C + c];
        for (int j = 0; j < M; j++) e += p->weights[((size_t)z * C + c) * M + j] * xt[j];
        eps[c] = e;
        if (e > mx) mx = e;
      }
      for (int c = 0; c < C; c++) eps[c] = exp(eps[c] - mx);
      y[t] = urn__hmm_draw_categorical(&r, eps, C);
      break;
    }
    case URN_HMM_POISSON:
      for (int d = 0; d < D; d++) y[t * D + d] = (double)dist_poisson_draw(&r, p->rates[(size_t)z * D + d]);
      break;
    default: urn__hmm_family_draw(m, p, z, &r, y + t * D); break;
    }
  }
  free(L);
  free(eps);
  free(A);
  return URN_OK;
}
