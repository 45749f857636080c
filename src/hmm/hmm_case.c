/* hmm/hmm_case.c — the JSON side of the HMM module: reading models, parameters
 * and oracle cases, evaluating a case's tasks (`urn hmm run`), and writing
 * parameters and results with the oracle's key names. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmm/hmm_case.h"
#include "hmm/hmm_internal.h"

/* ---------------------------------------------------------------- reading */

static int json_err(urn_error *err, const urn_json *v, const char *what, const char *fmt, const char *detail) {
  char msg[512];
  snprintf(msg, sizeof msg, fmt, detail);
  if (v) return urn_error_set(err, URN_EINPUT, "%d:%d: %s: %s", v->line, v->col, what, msg);
  return urn_error_set(err, URN_EINPUT, "%s: %s", what, msg);
}

/* Reads a nested array of shape dims[0..nd) into out (row-major).  A last
 * dimension of 1 may be omitted ([T] for [T][1]). */
static int read_array(const urn_json *v, int nd, const size_t *dims, double *out, size_t *at,
                      const char *what, urn_error *err) {
  if (nd == 0 || (nd == 1 && dims[0] == 1 && v && v->type != URN_JSON_ARRAY)) {
    double x;
    if (!v || !urn_json_number(v, &x)) return json_err(err, v, what, "expected a number%s", "");
    out[(*at)++] = x;
    return URN_OK;
  }
  if (!v || v->type != URN_JSON_ARRAY) return json_err(err, v, what, "expected an array%s", "");
  if (v->len != dims[0]) {
    char d[64];
    snprintf(d, sizeof d, "%zu (got %zu)", dims[0], v->len);
    return json_err(err, v, what, "expected an array of length %s", d);
  }
  for (size_t i = 0; i < v->len; i++) {
    int rc = read_array(v->items[i], nd - 1, dims + 1, out, at, what, err);
    if (rc) return rc;
  }
  return URN_OK;
}

static int read_into(const urn_json *obj, const char *key, int nd, const size_t *dims, double *out,
                     urn_error *err) {
  const urn_json *v = urn_json_get(obj, key);
  if (!v) return urn_error_set(err, URN_EINPUT, "hmm: missing \"%s\"", key);
  size_t at = 0;
  return read_array(v, nd, dims, out, &at, key, err);
}

static int get_int(const urn_json *c, const char *key, int required, int dflt, int *out, urn_error *err) {
  const urn_json *v = urn_json_get(c, key);
  if (!v) {
    if (required) return urn_error_set(err, URN_EINPUT, "hmm: missing \"%s\"", key);
    *out = dflt;
    return URN_OK;
  }
  double x;
  if (!urn_json_number(v, &x) || x != floor(x) || fabs(x) > 1e9)
    return urn_error_set(err, URN_EINPUT, "%d:%d: hmm: \"%s\" must be an integer", v->line, v->col, key);
  *out = (int)x;
  return URN_OK;
}

int urn_hmm_model_from_json(const urn_json *c, urn_hmm_model *m, urn_error *err) {
  if (!c || c->type != URN_JSON_OBJECT) return urn_error_set(err, URN_EINPUT, "hmm: the case must be a JSON object");
  const urn_json *mk = urn_json_get(c, "model");
  if (!mk || mk->type != URN_JSON_STRING) return urn_error_set(err, URN_EINPUT, "hmm: missing \"model\" (a string)");
  int kind = urn_hmm_kind_parse(mk->str);
  if (kind < 0)
    return urn_error_set(err, URN_EINPUT, "%d:%d: hmm: unknown model \"%s\" (gaussian, diag, linreg, logreg, catreg, poisson, exponential, "
                         "gamma, lognormal, beta, categorical, student, gmm)",
                         mk->line, mk->col, mk->str);
  int K, D, M, C, rc;
  int glm = kind == URN_HMM_LOGREG || kind == URN_HMM_CATREG || kind == URN_HMM_CATEGORICAL;
  if ((rc = get_int(c, "num_states", 1, 0, &K, err)) || (rc = get_int(c, "emission_dim", !glm, 1, &D, err)) ||
      (rc = get_int(c, "input_dim", 0, 0, &M, err)) ||
      (rc = get_int(c, kind == URN_HMM_GMM ? "num_components" : "num_classes", kind == URN_HMM_GMM, 0, &C, err)))
    return rc;
  if ((rc = urn_hmm_model_init(m, (urn_hmm_kind)kind, K, D, M, C, err))) return rc;
  int U = 0; /* input-driven transitions (hmm_trans.c) */
  if ((rc = get_int(c, "transition_input_dim", 0, 0, &U, err))) goto fail;
  if (U < 0 || U > 1000) {
    rc = urn_error_set(err, URN_EINPUT, "hmm: \"transition_input_dim\" is %d, but must be in 0..1000", U);
    goto fail;
  }
  m->trans_M = U;
  const urn_json *h = urn_json_get(c, "hyperparameters");
  if (h && h->type != URN_JSON_OBJECT) {
    urn_hmm_model_free(m);
    return urn_error_set(err, URN_EINPUT, "%d:%d: hmm: \"hyperparameters\" must be an object", h->line, h->col);
  }
  for (size_t i = 0; h && i < h->len; i++) {
    const char *key = h->keys[i];
    const urn_json *v = h->items[i];
    double x = NAN;
    int is_num = urn_json_number(v, &x);
    double *target = NULL;
    if (!strcmp(key, "initial_probs_concentration")) target = &m->initial_conc;
    else if (!strcmp(key, "transition_matrix_concentration")) target = &m->trans_conc;
    else if (!strcmp(key, "transition_matrix_stickiness")) target = &m->stickiness;
    else if (!strcmp(key, "transition_weights_scale")) target = &m->trans_weight_scale;
    else if (kind == URN_HMM_GAUSSIAN && !strcmp(key, "emission_prior_concentration")) target = &m->kappa0;
    else if (kind == URN_HMM_GAUSSIAN && !strcmp(key, "emission_prior_extra_df")) target = &m->extra_df;
    else if (kind == URN_HMM_GAUSSIAN && !strcmp(key, "iw_scale_jitter")) target = &m->iw_scale_jitter;
    else if (kind == URN_HMM_DIAG && !strcmp(key, "emission_prior_mean_concentration")) target = &m->kappa0;
    else if (kind == URN_HMM_DIAG && !strcmp(key, "emission_prior_concentration")) target = &m->ig_shape;
    else if (kind == URN_HMM_DIAG && !strcmp(key, "emission_prior_scale")) target = &m->ig_scale;
    else if (kind == URN_HMM_LOGREG && !strcmp(key, "emission_matrices_scale")) target = &m->weight_scale;
    else if (kind == URN_HMM_POISSON && !strcmp(key, "emission_prior_concentration")) target = &m->rate_shape;
    else if (kind == URN_HMM_POISSON && !strcmp(key, "emission_prior_rate")) target = &m->rate_rate;
    else if (kind == URN_HMM_LINREG && !strcmp(key, "cov_floor")) target = &m->cov_floor;
    else if (kind == URN_HMM_CATEGORICAL && !strcmp(key, "emission_prior_concentration")) target = &m->probs_conc;
    else if (kind == URN_HMM_STUDENT && !strcmp(key, "emission_dof")) target = &m->student_dof;
    else if ((kind == URN_HMM_GAUSSIAN || kind == URN_HMM_DIAG) && !strcmp(key, "emission_prior_mean")) {
      size_t dims[1] = {(size_t)m->D}, at = 0;
      if (is_num) for (int d = 0; d < m->D; d++) m->prior_mean[d] = x;
      else if ((rc = read_array(v, 1, dims, m->prior_mean, &at, key, err))) goto fail;
      continue;
    } else if (kind == URN_HMM_GAUSSIAN && !strcmp(key, "emission_prior_scale")) {
      size_t dims[2] = {(size_t)m->D, (size_t)m->D}, at = 0;
      if (is_num) {
        memset(m->prior_scale, 0, sizeof(double) * m->D * m->D);
        for (int d = 0; d < m->D; d++) m->prior_scale[d * m->D + d] = x;
      } else if ((rc = read_array(v, 2, dims, m->prior_scale, &at, key, err)))
        goto fail;
      continue;
    } else {
      rc = urn_error_set(err, URN_EINPUT, "%d:%d: hmm: unknown hyperparameter \"%s\" for model %s", v->line, v->col,
                         key, urn_hmm_kind_name((urn_hmm_kind)kind));
      goto fail;
    }
    if (!is_num || !isfinite(x)) {
      rc = urn_error_set(err, URN_EINPUT, "%d:%d: hmm: hyperparameter \"%s\" must be a finite number", v->line, v->col, key);
      goto fail;
    }
    *target = x;
  }
  const urn_json *np = urn_json_get(c, "no_prior");
  for (size_t i = 0; np && np->type == URN_JSON_ARRAY && i < np->len; i++) {
    const urn_json *v = np->items[i];
    int g = v->type != URN_JSON_STRING ? 0
            : !strcmp(v->str, "initial_probs")     ? URN_HMM_FREEZE_INITIAL
            : !strcmp(v->str, "transition_matrix") ? URN_HMM_FREEZE_TRANSITIONS
            : !strcmp(v->str, "emissions")         ? URN_HMM_FREEZE_EMISSIONS
                                                   : 0;
    if (!g) {
      rc = urn_error_set(err, URN_EINPUT,
                         "%d:%d: hmm: no_prior groups are \"initial_probs\", \"transition_matrix\" and \"emissions\"",
                         v->line, v->col);
      goto fail;
    }
    m->no_prior |= g;
  }
  const urn_json *sc = urn_json_get(c, "shared_covariance");
  if (sc) {
    if (sc->type != URN_JSON_BOOL) {
      rc = urn_error_set(err, URN_EINPUT, "%d:%d: hmm: \"shared_covariance\" must be true or false", sc->line, sc->col);
      goto fail;
    }
    m->shared_cov = sc->num != 0;
  }
  const urn_json *sh = urn_json_get(c, "shared_coefficients"); /* linreg: input indices (non-switching) */
  for (size_t i = 0; sh && i < (sh->type == URN_JSON_ARRAY ? sh->len : 1); i++) {
    const urn_json *v = sh->type == URN_JSON_ARRAY ? sh->items[i] : sh;
    double j;
    if (sh->type != URN_JSON_ARRAY || m->kind != URN_HMM_LINREG || !urn_json_number(v, &j) || j != floor(j) ||
        j < 0 || j >= m->M || j >= 64) {
      rc = urn_error_set(err, URN_EINPUT,
                         "%d:%d: hmm: \"shared_coefficients\" must be a list of input indices 0..%d of a linreg model",
                         v->line, v->col, (m->M < 64 ? m->M : 64) - 1);
      goto fail;
    }
    m->shared_coef |= 1ULL << (int)j;
  }
  const urn_json *fr = urn_json_get(c, "frozen");
  for (size_t i = 0; fr && fr->type == URN_JSON_ARRAY && i < fr->len; i++) {
    const urn_json *v = fr->items[i];
    if (v->type != URN_JSON_STRING) goto badfrozen;
    if (!strcmp(v->str, "initial_probs")) m->frozen |= URN_HMM_FREEZE_INITIAL;
    else if (!strcmp(v->str, "transition_matrix")) m->frozen |= URN_HMM_FREEZE_TRANSITIONS;
    else if (!strcmp(v->str, "emissions")) m->frozen |= URN_HMM_FREEZE_EMISSIONS;
    else {
    badfrozen:
      rc = urn_error_set(err, URN_EINPUT,
                         "%d:%d: hmm: frozen groups are \"initial_probs\", \"transition_matrix\" and \"emissions\"",
                         v->line, v->col);
      goto fail;
    }
  }
  return URN_OK;
fail:
  urn_hmm_model_free(m);
  return rc;
}

int urn_hmm_params_from_json(const urn_hmm_model *m, const urn_json *params, urn_hmm_params *p,
                             urn_error *err) {
  if (!params || params->type != URN_JSON_OBJECT)
    return urn_error_set(err, URN_EINPUT, "hmm: missing \"params\" object");
  size_t K = (size_t)m->K, D = (size_t)m->D, M = (size_t)m->M, C = (size_t)m->C;
  urn_hmm_params_alloc(m, p);
  int rc;
  size_t d1[1] = {K}, d2[2] = {K, K};
  if ((rc = read_into(params, "initial_probs", 1, d1, p->initial_probs, err))) goto fail;
  if ((rc = read_into(params, "transition_matrix", 2, d2, p->transition_matrix, err))) goto fail;
  if (m->trans_M > 0) {
    size_t dw[3] = {K, K, (size_t)m->trans_M};
    if ((rc = read_into(params, "transition_weights", 3, dw, p->trans_weights, err)) ||
        (rc = read_into(params, "transition_biases", 2, d2, p->trans_biases, err)))
      goto fail;
    urn__hmm_trans_baseline(m, p); /* transition_matrix is the u = 0 matrix of the biases */
  }
  switch (m->kind) {
  case URN_HMM_GAUSSIAN:
  case URN_HMM_DIAG: {
    size_t dm[2] = {K, D}, dc[3] = {K, D, D};
    if ((rc = read_into(params, "emission_means", 2, dm, p->means, err))) goto fail;
    if (m->kind == URN_HMM_GAUSSIAN) rc = read_into(params, "emission_covariances", 3, dc, p->covs, err);
    else rc = read_into(params, "emission_scale_diags", 2, dm, p->scale_diags, err);
    break;
  }
  case URN_HMM_LINREG: {
    size_t dw[3] = {K, D, M}, db[2] = {K, D}, dc[3] = {K, D, D};
    if ((rc = read_into(params, "emission_weights", 3, dw, p->weights, err))) goto fail;
    if ((rc = read_into(params, "emission_biases", 2, db, p->biases, err))) goto fail;
    rc = read_into(params, "emission_covariances", 3, dc, p->covs, err);
    break;
  }
  case URN_HMM_LOGREG: {
    size_t dw[2] = {K, M}, db[1] = {K};
    if ((rc = read_into(params, "emission_weights", 2, dw, p->weights, err))) goto fail;
    rc = read_into(params, "emission_biases", 1, db, p->biases, err);
    break;
  }
  case URN_HMM_CATREG: {
    size_t dw[3] = {K, C, M}, db[2] = {K, C};
    if ((rc = read_into(params, "emission_weights", 3, dw, p->weights, err))) goto fail;
    rc = read_into(params, "emission_biases", 2, db, p->biases, err);
    break;
  }
  case URN_HMM_POISSON: {
    size_t dr[2] = {K, D};
    rc = read_into(params, "emission_rates", 2, dr, p->rates, err);
    break;
  }
  case URN_HMM_EXPONENTIAL:
  case URN_HMM_GAMMA: {
    size_t dr[2] = {K, D};
    if (m->kind == URN_HMM_GAMMA && (rc = read_into(params, "emission_shapes", 2, dr, p->shapes, err))) goto fail;
    rc = read_into(params, "emission_rates", 2, dr, p->rates, err);
    break;
  }
  case URN_HMM_LOGNORMAL:
  case URN_HMM_STUDENT: {
    size_t dm[2] = {K, D};
    if ((rc = read_into(params, "emission_means", 2, dm, p->means, err))) goto fail;
    if ((rc = read_into(params, "emission_scale_diags", 2, dm, p->scale_diags, err))) goto fail;
    if (m->kind == URN_HMM_STUDENT) rc = read_into(params, "emission_dofs", 2, dm, p->dofs, err);
    break;
  }
  case URN_HMM_BETA: {
    size_t ds[3] = {K, D, 2};
    rc = read_into(params, "emission_shapes", 3, ds, p->shapes, err);
    break;
  }
  case URN_HMM_CATEGORICAL: {
    size_t dp[2] = {K, C};
    rc = read_into(params, "emission_probs", 2, dp, p->probs, err);
    break;
  }
  case URN_HMM_GMM: {
    size_t dp[2] = {K, C}, dm[3] = {K, C, D};
    if ((rc = read_into(params, "emission_mixture_weights", 2, dp, p->probs, err))) goto fail;
    if ((rc = read_into(params, "emission_means", 3, dm, p->means, err))) goto fail;
    rc = read_into(params, "emission_scale_diags", 3, dm, p->scale_diags, err);
    break;
  }
  }
  if (rc) goto fail;
  if ((rc = urn_hmm_params_check(m, p, err))) goto fail;
  return URN_OK;
fail:
  urn_hmm_params_free(p);
  return rc;
}

/* The batch of a case: emissions and inputs (ragged), owned storage. */
typedef struct case_data {
  size_t nseq;       /* number of sequences */
  urn_hmm_seq *seqs; /* views into the arrays below */
  double **y, **x;   /* per-sequence storage */
} case_data;

static void case_data_free(case_data *d) {
  for (size_t b = 0; b < d->nseq; b++) {
    free(d->y[b]);
    if (d->x) free(d->x[b]);
  }
  free(d->y);
  free(d->x);
  free(d->seqs);
  memset(d, 0, sizeof *d);
}

static int read_batch(const urn_hmm_model *m, const urn_json *c, case_data *d, urn_error *err) {
  memset(d, 0, sizeof *d);
  const urn_json *em = urn_json_get(c, "emissions");
  if (!em) return URN_OK;
  if (em->type != URN_JSON_ARRAY) return urn_error_set(err, URN_EINPUT, "hmm: \"emissions\" must be a list of sequences");
  int needs_x = m->kind == URN_HMM_LINREG || m->kind == URN_HMM_LOGREG || m->kind == URN_HMM_CATREG;
  const urn_json *in = urn_json_get(c, "inputs");
  if (needs_x && (!in || in->type != URN_JSON_ARRAY || in->len != em->len))
    return urn_error_set(err, URN_EINPUT, "hmm: \"inputs\" must list one input sequence per emission sequence");
  d->nseq = em->len;
  d->seqs = urn_xcalloc(d->nseq ? d->nseq : 1, sizeof(urn_hmm_seq));
  d->y = urn_xcalloc(d->nseq ? d->nseq : 1, sizeof(double *));
  if (needs_x) d->x = urn_xcalloc(d->nseq ? d->nseq : 1, sizeof(double *));
  for (size_t b = 0; b < d->nseq; b++) {
    const urn_json *s = em->items[b];
    if (s->type != URN_JSON_ARRAY) return urn_error_set(err, URN_EINPUT, "hmm: emissions[%zu] must be an array", b);
    size_t T = s->len, at = 0;
    size_t dims[2] = {T, (size_t)m->D};
    d->y[b] = urn_xmalloc(sizeof(double) * (T * m->D + 1));
    char what[64];
    snprintf(what, sizeof what, "emissions[%zu]", b);
    int rc = read_array(s, 2, dims, d->y[b], &at, what, err);
    if (rc) return rc;
    d->seqs[b].T = T;
    d->seqs[b].y = d->y[b];
    if (needs_x) {
      size_t dx[2] = {T, (size_t)m->M};
      at = 0;
      d->x[b] = urn_xmalloc(sizeof(double) * (T * m->M + 1));
      snprintf(what, sizeof what, "inputs[%zu]", b);
      if ((rc = read_array(in->items[b], 2, dx, d->x[b], &at, what, err))) return rc;
      d->seqs[b].x = d->x[b];
    }
    if ((rc = urn_hmm_seq_check(m, &d->seqs[b], b, err))) return rc;
  }
  return URN_OK;
}

/* ---------------------------------------------------------------- writing */

void urn_hmm_json_num(urn_buf *out, double x) {
  if (isnan(x)) urn_buf_puts(out, "NaN");
  else if (isinf(x)) urn_buf_puts(out, x > 0 ? "Infinity" : "-Infinity");
  else if (x == floor(x) && fabs(x) < 1e15) urn_buf_printf(out, "%.1f", x);
  else {
    /* the shortest of %.15g, %.16g, %.17g that reads back exactly */
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
      snprintf(tmp, sizeof tmp, "%.*g", prec, x);
      if (strtod(tmp, NULL) == x) break;
    }
    urn_buf_puts(out, tmp);
  }
}

/* Writes a row-major array of shape dims[0..nd) as nested lists. */
static void write_array(urn_buf *out, const double *a, int nd, const size_t *dims) {
  if (nd == 0) {
    urn_hmm_json_num(out, a[0]);
    return;
  }
  size_t stride = 1;
  for (int i = 1; i < nd; i++) stride *= dims[i];
  urn_buf_putc(out, '[');
  for (size_t i = 0; i < dims[0]; i++) {
    if (i) urn_buf_puts(out, ", ");
    write_array(out, a + i * stride, nd - 1, dims + 1);
  }
  urn_buf_putc(out, ']');
}

static void write_key_array(urn_buf *out, const char *key, const double *a, int nd, const size_t *dims, int *first) {
  urn_buf_printf(out, "%s\"%s\": ", *first ? "" : ", ", key);
  *first = 0;
  write_array(out, a, nd, dims);
}

void urn_hmm_write_params(urn_buf *out, const urn_hmm_model *m, const urn_hmm_params *p) {
  size_t K = (size_t)m->K, D = (size_t)m->D, M = (size_t)m->M, C = (size_t)m->C;
  int first = 1;
  urn_buf_putc(out, '{');
  size_t d1[1] = {K}, d2[2] = {K, K};
  write_key_array(out, "initial_probs", p->initial_probs, 1, d1, &first);
  write_key_array(out, "transition_matrix", p->transition_matrix, 2, d2, &first);
  if (m->trans_M > 0) {
    size_t dw[3] = {K, K, (size_t)m->trans_M};
    write_key_array(out, "transition_weights", p->trans_weights, 3, dw, &first);
    write_key_array(out, "transition_biases", p->trans_biases, 2, d2, &first);
  }
  size_t kd[2] = {K, D}, kdd[3] = {K, D, D};
  switch (m->kind) {
  case URN_HMM_GAUSSIAN:
    write_key_array(out, "emission_means", p->means, 2, kd, &first);
    write_key_array(out, "emission_covariances", p->covs, 3, kdd, &first);
    break;
  case URN_HMM_DIAG:
    write_key_array(out, "emission_means", p->means, 2, kd, &first);
    write_key_array(out, "emission_scale_diags", p->scale_diags, 2, kd, &first);
    break;
  case URN_HMM_LINREG: {
    size_t dw[3] = {K, D, M};
    write_key_array(out, "emission_weights", p->weights, 3, dw, &first);
    write_key_array(out, "emission_biases", p->biases, 2, kd, &first);
    write_key_array(out, "emission_covariances", p->covs, 3, kdd, &first);
    break;
  }
  case URN_HMM_LOGREG: {
    size_t dw[2] = {K, M};
    write_key_array(out, "emission_weights", p->weights, 2, dw, &first);
    write_key_array(out, "emission_biases", p->biases, 1, d1, &first);
    break;
  }
  case URN_HMM_CATREG: {
    size_t dw[3] = {K, C, M}, db[2] = {K, C};
    write_key_array(out, "emission_weights", p->weights, 3, dw, &first);
    write_key_array(out, "emission_biases", p->biases, 2, db, &first);
    break;
  }
  case URN_HMM_POISSON: write_key_array(out, "emission_rates", p->rates, 2, kd, &first); break;
  case URN_HMM_EXPONENTIAL: write_key_array(out, "emission_rates", p->rates, 2, kd, &first); break;
  case URN_HMM_GAMMA:
    write_key_array(out, "emission_shapes", p->shapes, 2, kd, &first);
    write_key_array(out, "emission_rates", p->rates, 2, kd, &first);
    break;
  case URN_HMM_LOGNORMAL:
  case URN_HMM_STUDENT:
    write_key_array(out, "emission_means", p->means, 2, kd, &first);
    write_key_array(out, "emission_scale_diags", p->scale_diags, 2, kd, &first);
    if (m->kind == URN_HMM_STUDENT) write_key_array(out, "emission_dofs", p->dofs, 2, kd, &first);
    break;
  case URN_HMM_BETA: {
    size_t ds[3] = {K, D, 2};
    write_key_array(out, "emission_shapes", p->shapes, 3, ds, &first);
    break;
  }
  case URN_HMM_CATEGORICAL: {
    size_t dp[2] = {K, C};
    write_key_array(out, "emission_probs", p->probs, 2, dp, &first);
    break;
  }
  case URN_HMM_GMM: {
    size_t dp[2] = {K, C}, dm[3] = {K, C, D};
    write_key_array(out, "emission_mixture_weights", p->probs, 2, dp, &first);
    write_key_array(out, "emission_means", p->means, 3, dm, &first);
    write_key_array(out, "emission_scale_diags", p->scale_diags, 3, dm, &first);
    break;
  }
  }
  urn_buf_putc(out, '}');
}

void urn_hmm_write_param_file(urn_buf *out, const urn_hmm_model *m, const urn_hmm_params *p, const char *extra) {
  urn_buf_printf(out, "{\n  \"model\": \"%s\",\n  \"num_states\": %d,\n  \"emission_dim\": %d", urn_hmm_kind_name(m->kind),
                 m->K, m->D);
  if (m->M) urn_buf_printf(out, ",\n  \"input_dim\": %d", m->M);
  if (m->C) urn_buf_printf(out, ",\n  \"%s\": %d", m->kind == URN_HMM_GMM ? "num_components" : "num_classes", m->C);
  if (m->trans_M > 0) urn_buf_printf(out, ",\n  \"transition_input_dim\": %d", m->trans_M);
  urn_buf_puts(out, ",\n  \"hyperparameters\": {\"initial_probs_concentration\": ");
  urn_hmm_json_num(out, m->initial_conc);
  urn_buf_puts(out, ", \"transition_matrix_concentration\": ");
  urn_hmm_json_num(out, m->trans_conc);
  urn_buf_puts(out, ", \"transition_matrix_stickiness\": ");
  urn_hmm_json_num(out, m->stickiness);
  if (m->trans_M > 0) {
    urn_buf_puts(out, ", \"transition_weights_scale\": ");
    urn_hmm_json_num(out, m->trans_weight_scale);
  }
  size_t D = (size_t)m->D, d1[1] = {D}, d2[2] = {D, D};
  switch (m->kind) {
  case URN_HMM_GAUSSIAN:
    urn_buf_puts(out, ", \"emission_prior_mean\": ");
    write_array(out, m->prior_mean, 1, d1);
    urn_buf_puts(out, ", \"emission_prior_concentration\": ");
    urn_hmm_json_num(out, m->kappa0);
    urn_buf_puts(out, ", \"emission_prior_scale\": ");
    write_array(out, m->prior_scale, 2, d2);
    urn_buf_puts(out, ", \"emission_prior_extra_df\": ");
    urn_hmm_json_num(out, m->extra_df);
    break;
  case URN_HMM_DIAG:
    urn_buf_puts(out, ", \"emission_prior_mean\": ");
    write_array(out, m->prior_mean, 1, d1);
    urn_buf_puts(out, ", \"emission_prior_mean_concentration\": ");
    urn_hmm_json_num(out, m->kappa0);
    urn_buf_puts(out, ", \"emission_prior_concentration\": ");
    urn_hmm_json_num(out, m->ig_shape);
    urn_buf_puts(out, ", \"emission_prior_scale\": ");
    urn_hmm_json_num(out, m->ig_scale);
    break;
  case URN_HMM_LOGREG:
    urn_buf_puts(out, ", \"emission_matrices_scale\": ");
    urn_hmm_json_num(out, m->weight_scale);
    break;
  case URN_HMM_POISSON:
    urn_buf_puts(out, ", \"emission_prior_concentration\": ");
    urn_hmm_json_num(out, m->rate_shape);
    urn_buf_puts(out, ", \"emission_prior_rate\": ");
    urn_hmm_json_num(out, m->rate_rate);
    break;
  case URN_HMM_LINREG:
    if (m->cov_floor > 0) {
      urn_buf_puts(out, ", \"cov_floor\": ");
      urn_hmm_json_num(out, m->cov_floor);
    }
    break;
  case URN_HMM_CATEGORICAL:
    urn_buf_puts(out, ", \"emission_prior_concentration\": ");
    urn_hmm_json_num(out, m->probs_conc);
    break;
  case URN_HMM_STUDENT:
    if (m->student_dof > 0) {
      urn_buf_puts(out, ", \"emission_dof\": ");
      urn_hmm_json_num(out, m->student_dof);
    }
    break;
  default: break;
  }
  urn_buf_putc(out, '}');
  if (m->no_prior) {
    static const char *const groups[3] = {"initial_probs", "transition_matrix", "emissions"};
    urn_buf_puts(out, ",\n  \"no_prior\": [");
    for (int g = 0, n = 0; g < 3; g++)
      if (m->no_prior & (1 << g)) urn_buf_printf(out, "%s\"%s\"", n++ ? ", " : "", groups[g]);
    urn_buf_putc(out, ']');
  }
  if (m->shared_cov) urn_buf_puts(out, ",\n  \"shared_covariance\": true");
  if (m->shared_coef) {
    urn_buf_puts(out, ",\n  \"shared_coefficients\": [");
    for (int j = 0, n = 0; j < m->M && j < 64; j++)
      if ((m->shared_coef >> j) & 1ULL) urn_buf_printf(out, "%s%d", n++ ? ", " : "", j);
    urn_buf_putc(out, ']');
  }
  urn_buf_puts(out, ",\n  \"params\": ");
  urn_hmm_write_params(out, m, p);
  if (extra) urn_buf_printf(out, ",\n  %s", extra);
  urn_buf_puts(out, "\n}\n");
}

/* Writes per-sequence T x K arrays as [B][T][K]. */
static void write_seq_arrays(urn_buf *out, const char *key, double **arrs, const case_data *d, int K, int *first) {
  urn_buf_printf(out, "%s\"%s\": [", *first ? "" : ",\n ", key);
  *first = 0;
  for (size_t b = 0; b < d->nseq; b++) {
    size_t dims[2] = {d->seqs[b].T, (size_t)K};
    if (b) urn_buf_puts(out, ", ");
    write_array(out, arrs[b], 2, dims);
  }
  urn_buf_putc(out, ']');
}

static void write_stats(urn_buf *out, const urn_hmm_model *m, const urn_hmm_stats *st, const case_data *d) {
  size_t K = (size_t)m->K, D = (size_t)m->D, M = (size_t)m->M;
  size_t d1[1] = {K}, d2[2] = {K, K}, kd[2] = {K, D}, kdd[3] = {K, D, D};
  int first = 1;
  urn_buf_putc(out, '{');
  write_key_array(out, "initial", st->initial, 1, d1, &first);
  write_key_array(out, "transitions", st->trans, 2, d2, &first);
  write_key_array(out, "sum_w", st->sum_w, 1, d1, &first);
  switch (m->kind) {
  case URN_HMM_GAUSSIAN:
    write_key_array(out, "sum_y", st->sum_y, 2, kd, &first);
    write_key_array(out, "sum_yyT", st->sum_yy, 3, kdd, &first);
    break;
  case URN_HMM_DIAG:
    write_key_array(out, "sum_y", st->sum_y, 2, kd, &first);
    write_key_array(out, "sum_yy", st->sum_yy, 2, kd, &first);
    break;
  case URN_HMM_POISSON: write_key_array(out, "sum_y", st->sum_y, 2, kd, &first); break;
  case URN_HMM_LINREG: {
    size_t km[2] = {K, M}, kmm[3] = {K, M, M}, kmd[3] = {K, M, D};
    write_key_array(out, "sum_x", st->sum_x, 2, km, &first);
    write_key_array(out, "sum_y", st->sum_y, 2, kd, &first);
    write_key_array(out, "sum_xxT", st->sum_xx, 3, kmm, &first);
    write_key_array(out, "sum_xyT", st->sum_xy, 3, kmd, &first);
    write_key_array(out, "sum_yyT", st->sum_yy, 3, kdd, &first);
    break;
  }
  case URN_HMM_LOGREG:
  case URN_HMM_CATREG: {
    urn_buf_puts(out, ", \"smoothed_probs\": [");
    size_t off = 0;
    for (size_t b = 0; b < d->nseq; b++) {
      size_t dims[2] = {d->seqs[b].T, K};
      if (b) urn_buf_puts(out, ", ");
      write_array(out, st->gamma + off * K, 2, dims);
      off += d->seqs[b].T;
    }
    urn_buf_putc(out, ']');
    break;
  }
  default: { /* the families' statistics (hmm_family.c) */
    size_t S = (size_t)urn__hmm_family_nstats(m), dt[3] = {K, D, S}, dc[2] = {K, S};
    size_t dg[3] = {K, (size_t)m->C, S};
    if (m->kind == URN_HMM_GMM) write_key_array(out, "sum_t", st->sum_t, 3, dg, &first);
    else if (m->kind == URN_HMM_CATEGORICAL) write_key_array(out, "sum_t", st->sum_t, 2, dc, &first);
    else write_key_array(out, "sum_t", st->sum_t, 3, dt, &first);
    break;
  }
  }
  urn_buf_putc(out, '}');
}

static void write_double_list(urn_buf *out, const double *v, size_t n) {
  urn_buf_putc(out, '[');
  for (size_t i = 0; i < n; i++) {
    if (i) urn_buf_puts(out, ", ");
    urn_hmm_json_num(out, v[i]);
  }
  urn_buf_putc(out, ']');
}

static void write_int_list(urn_buf *out, const int *v, size_t n) {
  urn_buf_putc(out, '[');
  for (size_t i = 0; i < n; i++) urn_buf_printf(out, i ? ", %d" : "%d", v[i]);
  urn_buf_putc(out, ']');
}

static int read_int_list(const urn_json *v, const char *what, int **out, size_t *n, urn_error *err) {
  if (!v || v->type != URN_JSON_ARRAY) return urn_error_set(err, URN_EINPUT, "hmm: \"%s\" must be a list of integers", what);
  *n = v->len;
  *out = urn_xmalloc(sizeof(int) * (v->len + 1));
  for (size_t i = 0; i < v->len; i++) {
    double x;
    if (!urn_json_number(v->items[i], &x) || x != floor(x) || x < 0 || x > 1e6) {
      free(*out);
      *out = NULL;
      return urn_error_set(err, URN_EINPUT, "%d:%d: hmm: %s[%zu] must be a non-negative integer", v->items[i]->line,
                           v->items[i]->col, what, i);
    }
    (*out)[i] = (int)x;
  }
  return URN_OK;
}

/* The per-sequence log-likelihood matrices. */
static int all_logliks(const urn_hmm_model *m, const urn_hmm_params *p, const case_data *d, double ***out,
                       urn_error *err) {
  double **LL = urn_xcalloc(d->nseq ? d->nseq : 1, sizeof(double *));
  *out = LL;
  for (size_t b = 0; b < d->nseq; b++) {
    LL[b] = urn_xmalloc(sizeof(double) * d->seqs[b].T * m->K);
    int rc = urn_hmm_emission_logliks(m, p, &d->seqs[b], LL[b], err);
    if (rc) return rc;
  }
  return URN_OK;
}

static void free_arrays(double **a, size_t n) {
  if (!a) return;
  for (size_t i = 0; i < n; i++) free(a[i]);
  free(a);
}

/* Task filter / smoother: each sequence's filtered (and predicted) or smoothed probabilities (and the summed
 * two-slice marginals) from its emission log-likelihoods LL. */
static int case_filter(const urn_hmm_model *m, const urn_hmm_params *p, const case_data *d, double **LL, int smooth,
                       const char *sep, urn_buf *out, urn_error *err) {
  int K = m->K, rc = URN_OK;
  double **A1 = urn_xcalloc(d->nseq, sizeof(double *)), **A2 = urn_xcalloc(d->nseq, sizeof(double *));
  for (size_t b = 0; b < d->nseq && !rc; b++) {
    size_t n = d->seqs[b].T * K;
    A1[b] = urn_xmalloc(sizeof(double) * n);
    A2[b] = urn_xmalloc(sizeof(double) * (smooth ? (size_t)K * K : n));
    if (smooth) rc = urn_hmm_smoother(K, d->seqs[b].T, p->initial_probs, p->transition_matrix, LL[b], NULL, A1[b], A2[b], err);
    else rc = urn_hmm_filter(K, d->seqs[b].T, p->initial_probs, p->transition_matrix, LL[b], NULL, A1[b], A2[b], err);
  }
  if (!rc) {
    int f2 = 1;
    urn_buf_puts(out, sep);
    write_seq_arrays(out, smooth ? "smoothed_probs" : "filtered_probs", A1, d, K, &f2);
    if (smooth) {
      urn_buf_puts(out, ",\n \"trans_probs_sum\": [");
      size_t dims[2] = {(size_t)K, (size_t)K};
      for (size_t b = 0; b < d->nseq; b++) {
        if (b) urn_buf_puts(out, ", ");
        write_array(out, A2[b], 2, dims);
      }
      urn_buf_putc(out, ']');
    } else {
      write_seq_arrays(out, "predicted_probs", A2, d, K, &f2);
    }
  }
  free_arrays(A1, d->nseq);
  free_arrays(A2, d->nseq);
  return rc;
}

/* Task em_step (fit 0: one EM iteration from p) or fit_em (fit 1: the case's "fit_em" {num_iters, rel_tol}). */
static int case_em(const urn_json *c, urn_hmm_model *m, const urn_hmm_params *p, const case_data *d, int fit,
                   const char *sep, urn_buf *out, urn_error *err) {
  int rc = URN_OK;
  urn_hmm_fit_opts o = {1, 0.0, 1, NULL};
  if (fit) {
    const urn_json *cfg = urn_json_get(c, "fit_em");
    int iters = 50;
    if (cfg && (rc = get_int(cfg, "num_iters", 0, 50, &iters, err))) return rc;
    if (iters < 1 || iters > 1000000) return urn_error_set(err, URN_EINPUT, "hmm: fit_em.num_iters must be in 1..1000000");
    const urn_json *rt = cfg ? urn_json_get(cfg, "rel_tol") : NULL;
    if (rt && rt->type != URN_JSON_NULL && !urn_json_number(rt, &o.tol))
      return urn_error_set(err, URN_EINPUT, "hmm: fit_em.rel_tol must be a number");
    o.num_iters = iters;
  }
  urn_hmm_params q;
  urn_hmm_params_alloc(m, &q);
  urn_hmm_params_copy(m, &q, p);
  double *trace = urn_xmalloc(sizeof(double) * (size_t)o.num_iters);
  int ndone = 0;
  rc = urn_hmm_fit_em(m, &q, d->seqs, d->nseq, &o, trace, &ndone, err);
  if (!rc) {
    if (fit) {
      urn_buf_printf(out, "%s\"fit_em\": {\"log_probs\": ", sep);
      write_double_list(out, trace, (size_t)ndone);
      urn_buf_puts(out, ", \"params\": ");
      urn_hmm_write_params(out, m, &q);
      double *v = urn_xmalloc(sizeof(double) * d->nseq), tot;
      rc = urn_hmm_loglik(m, &q, d->seqs, d->nseq, 1, v, &tot, err);
      urn_buf_puts(out, ", \"final_marginal_log_prob\": ");
      write_double_list(out, v, d->nseq);
      urn_buf_puts(out, ", \"final_log_prior\": ");
      urn_hmm_json_num(out, urn_hmm_log_prior(m, &q));
      urn_buf_putc(out, '}');
      free(v);
    } else {
      urn_buf_printf(out, "%s\"em_step\": {\"log_joint\": ", sep);
      urn_hmm_json_num(out, trace[0]);
      urn_buf_puts(out, ", \"params\": ");
      urn_hmm_write_params(out, m, &q);
      urn_buf_putc(out, '}');
    }
  }
  free(trace);
  urn_hmm_params_free(&q);
  return rc;
}

/* Task find_permutation: the relabelling of the case's "find_permutation" {z1, z2}. */
static int case_find_permutation(const urn_json *c, const char *sep, urn_buf *out, urn_error *err) {
  const urn_json *fp = urn_json_get(c, "find_permutation");
  int *z1 = NULL, *z2 = NULL, rc = URN_OK;
  size_t n1 = 0, n2 = 0;
  if (!fp) rc = urn_error_set(err, URN_EINPUT, "hmm: task find_permutation needs \"find_permutation\": {\"z1\", \"z2\"}");
  if (!rc) rc = read_int_list(urn_json_get(fp, "z1"), "z1", &z1, &n1, err);
  if (!rc) rc = read_int_list(urn_json_get(fp, "z2"), "z2", &z2, &n2, err);
  if (!rc && n1 != n2) rc = urn_error_set(err, URN_EINPUT, "hmm: z1 and z2 differ in length (%zu vs %zu)", n1, n2);
  int Kp = 0;
  if (!rc) rc = urn_hmm_find_permutation(z1, z2, n1, NULL, &Kp, err);
  if (!rc) {
    int *perm = urn_xmalloc(sizeof(int) * (size_t)Kp);
    urn_hmm_find_permutation(z1, z2, n1, perm, &Kp, err);
    urn_buf_printf(out, "%s\"find_permutation\": ", sep);
    write_int_list(out, perm, (size_t)Kp);
    free(perm);
  }
  free(z1);
  free(z2);
  return rc;
}

/* Task kmeans_lloyd: Lloyd's iterations on the case's "kmeans_lloyd" {X, init_centers, max_iter, tol}. */
static int case_kmeans(const urn_json *c, const char *sep, urn_buf *out, urn_error *err) {
  const urn_json *km = urn_json_get(c, "kmeans_lloyd");
  const urn_json *X = km ? urn_json_get(km, "X") : NULL;
  if (!X || X->type != URN_JSON_ARRAY || X->len == 0)
    return urn_error_set(err, URN_EINPUT, "hmm: task kmeans_lloyd needs \"kmeans_lloyd\": {\"X\", \"init_centers\"}");
  size_t n = X->len;
  int dim = X->items[0]->type == URN_JSON_ARRAY ? (int)X->items[0]->len : 1;
  const urn_json *ic = urn_json_get(km, "init_centers");
  if (!ic || ic->type != URN_JSON_ARRAY || ic->len == 0)
    return urn_error_set(err, URN_EINPUT, "hmm: kmeans_lloyd.init_centers must be a list of centres");
  int Kc = (int)ic->len, max_iter = 300, rc;
  double tol = 1e-4;
  double *Xa = urn_xmalloc(sizeof(double) * n * dim), *cen = urn_xmalloc(sizeof(double) * (size_t)Kc * dim);
  size_t dx[2] = {n, (size_t)dim}, dc[2] = {(size_t)Kc, (size_t)dim}, at = 0;
  rc = read_array(X, 2, dx, Xa, &at, "kmeans_lloyd.X", err);
  at = 0;
  if (!rc) rc = read_array(ic, 2, dc, cen, &at, "kmeans_lloyd.init_centers", err);
  if (!rc) rc = get_int(km, "max_iter", 0, 300, &max_iter, err);
  const urn_json *tv = urn_json_get(km, "tol");
  if (tv) urn_json_number(tv, &tol);
  if (!rc) {
    int *lab = urn_xmalloc(sizeof(int) * n), it;
    double inertia;
    urn_hmm_lloyd(Xa, n, dim, Kc, cen, max_iter, tol, lab, &inertia, &it);
    urn_buf_printf(out, "%s\"kmeans_lloyd\": {\"centers\": ", sep);
    write_array(out, cen, 2, dc);
    urn_buf_puts(out, ", \"labels\": ");
    write_int_list(out, lab, n);
    urn_buf_puts(out, ", \"inertia\": ");
    urn_hmm_json_num(out, inertia);
    urn_buf_printf(out, ", \"n_iter\": %d}", it);
    free(lab);
  }
  free(Xa);
  free(cen);
  return rc;
}

int urn_hmm_run_case(const urn_json *c, urn_buf *out, urn_error *err) {
  urn_hmm_model m;
  int rc = urn_hmm_model_from_json(c, &m, err);
  if (rc) return rc;
  urn_hmm_params p;
  memset(&p, 0, sizeof p);
  case_data d;
  memset(&d, 0, sizeof d);
  double **LL = NULL;
  const urn_json *pj = urn_json_get(c, "params");
  if (pj && (rc = urn_hmm_params_from_json(&m, pj, &p, err))) goto done;
  if ((rc = read_batch(&m, c, &d, err))) goto done;
  const urn_json *tasks = urn_json_get(c, "tasks");
  static const char *const default_tasks[] = {"marginal_log_prob", "smoother", "most_likely_states", "log_prior",
                                              "em_step", "fit_em"};
  size_t ntasks = tasks ? tasks->len : 6;
  if (tasks && tasks->type != URN_JSON_ARRAY) {
    rc = urn_error_set(err, URN_EINPUT, "hmm: \"tasks\" must be a list of task names");
    goto done;
  }
  int K = m.K, first = 1;
  urn_buf_putc(out, '{');
  for (size_t ti = 0; ti < ntasks; ti++) {
    const char *task;
    if (tasks) {
      if (tasks->items[ti]->type != URN_JSON_STRING) {
        rc = urn_error_set(err, URN_EINPUT, "hmm: tasks[%zu] must be a string", ti);
        goto done;
      }
      task = tasks->items[ti]->str;
    } else {
      task = default_tasks[ti];
    }
    int needs_params = strcmp(task, "find_permutation") && strcmp(task, "kmeans_lloyd");
    if (needs_params && !p.initial_probs) {
      rc = urn_error_set(err, URN_EINPUT, "hmm: task %s needs \"params\"", task);
      goto done;
    }
    int needs_data = needs_params && strcmp(task, "log_prior");
    if (needs_data && d.nseq == 0) {
      rc = urn_error_set(err, URN_EINPUT, "hmm: task %s needs \"emissions\"", task);
      goto done;
    }
    const char *sep = first ? "\n " : ",\n ";
    first = 0;
    if (!strcmp(task, "marginal_log_prob")) {
      double *v = urn_xmalloc(sizeof(double) * d.nseq), tot;
      rc = urn_hmm_loglik(&m, &p, d.seqs, d.nseq, 1, v, &tot, err);
      if (!rc) {
        tot = 0.0;
        for (size_t b = 0; b < d.nseq; b++) tot += v[b];
        urn_buf_printf(out, "%s\"marginal_log_prob\": ", sep);
        write_double_list(out, v, d.nseq);
        urn_buf_puts(out, ",\n \"marginal_log_prob_total\": ");
        urn_hmm_json_num(out, tot);
      }
      free(v);
    } else if (!strcmp(task, "emission_logliks")) {
      if (!LL && (rc = all_logliks(&m, &p, &d, &LL, err))) goto done;
      int f2 = 1;
      urn_buf_puts(out, sep);
      write_seq_arrays(out, "emission_logliks", LL, &d, K, &f2);
    } else if (!strcmp(task, "filter") || !strcmp(task, "smoother")) {
      if (!LL && (rc = all_logliks(&m, &p, &d, &LL, err))) goto done;
      rc = case_filter(&m, &p, &d, LL, !strcmp(task, "smoother"), sep, out, err);
    } else if (!strcmp(task, "most_likely_states")) {
      if (!LL && (rc = all_logliks(&m, &p, &d, &LL, err))) goto done;
      urn_buf_printf(out, "%s\"most_likely_states\": [", sep);
      for (size_t b = 0; b < d.nseq && !rc; b++) {
        int *z = urn_xmalloc(sizeof(int) * d.seqs[b].T);
        rc = urn_hmm_viterbi(K, d.seqs[b].T, p.initial_probs, p.transition_matrix, LL[b], z, err);
        if (b) urn_buf_puts(out, ", ");
        write_int_list(out, z, d.seqs[b].T);
        free(z);
      }
      urn_buf_putc(out, ']');
    } else if (!strcmp(task, "log_prior")) {
      urn_buf_printf(out, "%s\"log_prior\": ", sep);
      urn_hmm_json_num(out, urn_hmm_log_prior(&m, &p));
    } else if (!strcmp(task, "e_step")) {
      urn_hmm_stats st;
      size_t n = 0;
      for (size_t b = 0; b < d.nseq; b++) n += d.seqs[b].T;
      urn_hmm_stats_alloc(&m, n, &st);
      double *v = urn_xmalloc(sizeof(double) * d.nseq);
      rc = urn_hmm_e_step(&m, &p, d.seqs, d.nseq, 1, &st, v, err);
      if (!rc) {
        urn_buf_printf(out, "%s\"e_step\": {\"stats\": ", sep);
        write_stats(out, &m, &st, &d);
        urn_buf_puts(out, ", \"marginal_log_prob\": ");
        write_double_list(out, v, d.nseq);
        urn_buf_putc(out, '}');
      }
      free(v);
      urn_hmm_stats_free(&st);
    } else if (!strcmp(task, "em_step") || !strcmp(task, "fit_em")) {
      rc = case_em(c, &m, &p, &d, !strcmp(task, "fit_em"), sep, out, err);
    } else if (!strcmp(task, "find_permutation")) {
      rc = case_find_permutation(c, sep, out, err);
    } else if (!strcmp(task, "kmeans_lloyd")) {
      rc = case_kmeans(c, sep, out, err);
    } else {
      rc = urn_error_set(err, URN_EINPUT, "hmm: unknown task \"%s\"", task);
    }
    if (rc) goto done;
  }
  urn_buf_puts(out, "\n}\n");
done:
  free_arrays(LL, d.nseq);
  case_data_free(&d);
  urn_hmm_params_free(&p);
  urn_hmm_model_free(&m);
  return rc;
}
