/* cli/cmd_hmm_msar.c — `urn hmm msar`: Markov-switching autoregressions
 * (statsmodels' MarkovAutoregression; src/hmm/hmm_msar.c, docs/hmm.md).
 * Fits one series by maximum likelihood (restarts of EM), or evaluates /
 * continues from a parameter file; writes the parameters and the fit record
 * as JSON and, with --states-out, the smoothed regime probabilities. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "hmm/hmm_case.h"
#include "hmm/hmm_csv.h"
#include "io/json.h"
#include "urn/hmm.h"
#include "util/util.h"

/* Reads n numbers of a JSON array (nested arrays flattened in order) into out; *at counts them. */
static int read_nums(const urn_json *v, double *out, size_t cap, size_t *at, const char *key, urn_error *err) {
  if (v && v->type == URN_JSON_ARRAY) {
    for (size_t i = 0; i < v->len; i++)
      if (read_nums(v->items[i], out, cap, at, key, err)) return URN_EINPUT;
    return URN_OK;
  }
  double x;
  if (!v || !urn_json_number(v, &x) || *at >= cap)
    return urn_error_set(err, URN_EINPUT, "\"%s\" must be an array of %zu numbers", key, cap);
  out[(*at)++] = x;
  return URN_OK;
}

static int get_array(const urn_json *obj, const char *key, double *out, size_t n, urn_error *err) {
  size_t at = 0;
  const urn_json *v = urn_json_get(obj, key);
  if (!v) return urn_error_set(err, URN_EINPUT, "missing \"%s\"", key);
  if (read_nums(v, out, n, &at, key, err)) return URN_EINPUT;
  if (at != n) return urn_error_set(err, URN_EINPUT, "\"%s\" has %zu numbers, but the model needs %zu", key, at, n);
  return URN_OK;
}

/* The file's "x_columns" (names) as one comma-separated list into xcols (cap bytes), their count into m->num_x,
 * and "shared_coef" (indices into x_columns) into m->shared_x. */
static int load_x(const urn_json *j, const char *path, urn_hmm_msar *m, char *xcols, size_t cap, urn_error *err) {
  const urn_json *v = urn_json_get(j, "x_columns"), *s = urn_json_get(j, "shared_coef");
  m->num_x = 0, m->shared_x = 0, xcols[0] = 0;
  if (!v) return URN_OK;
  if (v->type != URN_JSON_ARRAY || v->len > 64)
    return urn_error_set(err, URN_EINPUT, "%s: \"x_columns\" must be an array of at most 64 column names", path);
  size_t at = 0;
  for (size_t i = 0; i < v->len; i++) {
    const urn_json *c = v->items[i];
    if (c->type != URN_JSON_STRING || at + strlen(c->str) + 2 > cap)
      return urn_error_set(err, URN_EINPUT, "%s: \"x_columns\" must be an array of column names", path);
    at += (size_t)snprintf(xcols + at, cap - at, "%s%s", i ? "," : "", c->str);
  }
  m->num_x = (int)v->len;
  for (size_t i = 0; s && s->type == URN_JSON_ARRAY && i < s->len; i++) {
    double q;
    if (!urn_json_number(s->items[i], &q) || q != floor(q) || q < 0 || q >= m->num_x)
      return urn_error_set(err, URN_EINPUT, "%s: \"shared_coef\" must list indices into \"x_columns\"", path);
    m->shared_x |= 1ULL << (int)q;
  }
  return URN_OK;
}

/* A parameter file of `urn hmm msar` (its --out, or tests/data/hmm_msar/ files); xcols gets its x_columns. */
static int load_msar(const char *path, urn_hmm_msar *m, urn_hmm_msar_params *p, char *xcols, size_t cap,
                     urn_error *err) {
  urn_json *j = urn_json_parse_file(path, err);
  if (!j) return URN_EINPUT;
  int rc = URN_OK;
  double K = 0, P = -1;
  const urn_json *v;
  memset(p, 0, sizeof *p);
  if (!(v = urn_json_get(j, "num_states")) || !urn_json_number(v, &K) || !(v = urn_json_get(j, "order")) ||
      !urn_json_number(v, &P) || K != floor(K) || P != floor(P) || K < 1 || K > 100 || P < 0 || P > 50) {
    rc = urn_error_set(err, URN_EINPUT, "%s: needs \"num_states\" (1..100) and \"order\" (0..50)", path);
    goto done;
  }
  m->K = (int)K, m->order = (int)P;
  m->switching_ar = !((v = urn_json_get(j, "switching_ar")) && v->type == URN_JSON_BOOL && v->num == 0);
  m->switching_var = !((v = urn_json_get(j, "switching_variance")) && v->type == URN_JSON_BOOL && v->num == 0);
  v = urn_json_get(j, "initial");
  m->steady_initial = !(v && v->type == URN_JSON_STRING && !strcmp(v->str, "free"));
  if ((rc = load_x(j, path, m, xcols, cap, err))) goto done;
  const urn_json *pp = urn_json_get(j, "params");
  if (!pp || pp->type != URN_JSON_OBJECT) {
    rc = urn_error_set(err, URN_EINPUT, "%s: missing \"params\" object", path);
    goto done;
  }
  urn_hmm_msar_params_alloc(m, p);
  size_t k = (size_t)m->K, np = (size_t)m->order;
  if ((rc = get_array(pp, "transition_matrix", p->transition_matrix, k * k, err)) ||
      (rc = get_array(pp, "means", p->means, k, err)) || (rc = get_array(pp, "variances", p->variances, k, err)) ||
      (np && (rc = get_array(pp, "ar", p->ar, k * np, err))) ||
      (!m->steady_initial && (rc = get_array(pp, "initial_probs", p->initial_probs, k, err))) ||
      (m->num_x && (rc = get_array(pp, "exog", p->exog, k * (size_t)m->num_x, err)))) {
    char msg[sizeof err->msg];
    snprintf(msg, sizeof msg, "%s", err->msg);
    urn_error_set(err, rc, "%s: %s", path, msg);
    urn_hmm_msar_params_free(p);
    goto done;
  }
  for (size_t i = 0; i < k; i++) {
    double s = 0.0;
    for (size_t q = 0; q < k; q++) {
      double a = p->transition_matrix[i * k + q];
      if (!(a >= 0.0 && a <= 1.0)) rc = 1;
      s += a;
    }
    if (rc || fabs(s - 1.0) > 1e-6) {
      rc = urn_error_set(err, URN_EINPUT, "%s: row %zu of transition_matrix is not a probability vector", path, i);
      urn_hmm_msar_params_free(p);
      goto done;
    }
  }
done:
  urn_json_free(j);
  return rc;
}

static void put_array(urn_buf *b, const char *key, const double *v, size_t rows, size_t cols) {
  urn_buf_printf(b, "\"%s\": [", key);
  for (size_t i = 0; i < rows; i++) {
    if (i) urn_buf_puts(b, ", ");
    if (cols) urn_buf_putc(b, '[');
    for (size_t q = 0; q < (cols ? cols : 1); q++) {
      if (q) urn_buf_puts(b, ", ");
      urn_hmm_json_num(b, v[i * (cols ? cols : 1) + q]);
    }
    if (cols) urn_buf_putc(b, ']');
  }
  urn_buf_putc(b, ']');
}

/* A JSON string (quotes and backslashes escaped). */
static void json_str(urn_buf *b, const char *s) {
  urn_buf_putc(b, '"');
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') urn_buf_putc(b, '\\');
    urn_buf_putc(b, *s);
  }
  urn_buf_putc(b, '"');
}

/* The regressors: the --x columns (else the --start file's x_columns, in xfile) into *x (T x X) and *xidx; their
 * count must match a --start file's; --shared-coef COLS (names among them, or "all") into m->shared_x. */
static int msar_x(const urn_hmm_csv *csv, const char *xcols, const char *xfile, const char *scoef, int from_file,
                  urn_hmm_msar *m, double **x, int **xidx, urn_error *err) {
  const char *list = xcols ? xcols : from_file && xfile[0] ? xfile : NULL;
  int n = 0, rc = URN_OK;
  if (!list) {
    if (scoef) return urn_error_set(err, URN_EINPUT, "--shared-coef needs --x COLS");
    m->num_x = 0;
    return URN_OK;
  }
  if ((rc = urn_hmm_csv_columns(csv, list, xidx, &n, err))) return rc;
  if (from_file && n != m->num_x)
    return urn_error_set(err, URN_EINPUT, "--x names %d columns, but the --start file's model has %d regressors", n,
                         m->num_x);
  if (n > 64) return urn_error_set(err, URN_EINPUT, "--x: %d columns (at most 64)", n);
  m->num_x = n;
  *x = urn_xmalloc(sizeof(double) * (csv->nrow ? csv->nrow : 1) * (size_t)n);
  if ((rc = urn_hmm_csv_numbers(csv, *xidx, n, *x, err))) return rc;
  m->x = *x;
  if (scoef && !strcmp(scoef, "all")) m->shared_x = n == 64 ? ~0ULL : (1ULL << n) - 1;
  else if (scoef) {
    int *si = NULL, ns = 0;
    rc = urn_hmm_csv_columns(csv, scoef, &si, &ns, err);
    for (int i = 0; !rc && i < ns; i++) {
      int j = 0;
      while (j < n && (*xidx)[j] != si[i]) j++;
      if (j == n) rc = urn_error_set(err, URN_EINPUT, "--shared-coef: column '%s' is not an --x column", csv->header[si[i]]);
      else m->shared_x |= 1ULL << j;
    }
    free(si);
  }
  return rc;
}

/* The parameter arrays as a JSON object's members (the parameter file's "params", or their standard errors). */
static void put_params(urn_buf *b, const urn_hmm_msar *m, const urn_hmm_msar_params *p) {
  size_t K = (size_t)m->K, P = (size_t)m->order;
  put_array(b, "initial_probs", p->initial_probs, K, 0);
  urn_buf_puts(b, ", ");
  put_array(b, "transition_matrix", p->transition_matrix, K, K);
  urn_buf_puts(b, ", ");
  put_array(b, "means", p->means, K, 0);
  urn_buf_puts(b, ", ");
  if (P) put_array(b, "ar", p->ar, K, P);
  else urn_buf_puts(b, "\"ar\": []");
  urn_buf_puts(b, ", ");
  put_array(b, "variances", p->variances, K, 0);
  if (m->num_x) {
    urn_buf_puts(b, ", ");
    put_array(b, "exog", p->exog, K, (size_t)m->num_x);
  }
}

/* The data and what to write beside the parameters (write_msar). */
typedef struct msar_out {
  double ll;       /* the log likelihood */
  int iters;       /* EM iterations */
  int converged;   /* EM converged */
  int restarts;    /* EM restarts */
  const double *y; /* the series */
  size_t T;        /* its length */
  int want_se;     /* write standard errors (urn_hmm_msar_std_errors) */
} msar_out;

static void write_msar(urn_buf *b, const urn_hmm_msar *m, const urn_hmm_msar_params *p, const msar_out *o,
                       const urn_hmm_csv *csv, const int *xidx) {
  int npar = urn_hmm_msar_num_params(m);
  size_t nobs = o->T - (size_t)m->order;
  double ll = o->ll;
  urn_buf_printf(b, "{\n  \"model\": \"msar\",\n  \"num_states\": %d,\n  \"order\": %d,\n  \"switching_ar\": %s,\n"
                    "  \"switching_variance\": %s,\n  \"initial\": \"%s\",\n",
                 m->K, m->order, m->switching_ar ? "true" : "false", m->switching_var ? "true" : "false",
                 m->steady_initial ? "steady-state" : "free");
  if (m->num_x) {
    urn_buf_puts(b, "  \"x_columns\": [");
    for (int j = 0; j < m->num_x; j++) {
      if (j) urn_buf_puts(b, ", ");
      json_str(b, csv->header[xidx[j]]);
    }
    urn_buf_puts(b, "],\n  \"shared_coef\": [");
    for (int j = 0, n = 0; j < m->num_x; j++)
      if (m->shared_x >> j & 1) urn_buf_printf(b, "%s%d", n++ ? ", " : "", j);
    urn_buf_puts(b, "],\n");
  }
  urn_buf_puts(b, "  \"params\": {");
  put_params(b, m, p);
  urn_buf_printf(b, "},\n  \"fit\": {\"loglik\": ");
  urn_hmm_json_num(b, ll);
  urn_buf_printf(b, ", \"iterations\": %d, \"converged\": %s, \"restarts\": %d, \"num_params\": %d, "
                    "\"num_observations\": %zu, \"aic\": ",
                 o->iters, o->converged ? "true" : "false", o->restarts, npar, nobs);
  urn_hmm_json_num(b, 2.0 * npar - 2.0 * ll);
  urn_buf_puts(b, ", \"bic\": ");
  urn_hmm_json_num(b, npar * log((double)nobs) - 2.0 * ll);
  if (o->want_se) {
    urn_hmm_msar_params se;
    urn_hmm_msar_params_alloc(m, &se);
    urn_error err;
    if (urn_hmm_msar_std_errors(m, p, o->y, o->T, &se, NULL, &err))
      fprintf(stderr, "urn hmm msar: warning: %s\n", err.msg);
    else {
      urn_buf_puts(b, ",\n          \"standard_errors\": {");
      put_params(b, m, &se);
      urn_buf_putc(b, '}');
    }
    urn_hmm_msar_params_free(&se);
  }
  urn_buf_puts(b, "}\n}\n");
}

static const char *const help =
    "usage: urn hmm msar DATA.csv --y COL --states K --order P [options]\n"
    "Markov-switching autoregression (statsmodels' MarkovAutoregression, trend 'c'):\n"
    "  y_t = mu_S_t + sum_j phi_j,S_t (y_t-j - mu_S_t-j) + eps_t,  eps_t ~ N(0, sigma2_S_t),  t = P..T-1,\n"
    "fitted by maximum likelihood (EM restarts).  Writes the parameters and the fit record as JSON.\n"
    "  --shared-ar        one set of AR coefficients for every regime (statsmodels' switching_ar=False)\n"
    "  --shared-var       one variance (switching_variance=False)\n"
    "  --x COLS           exogenous regressors (statsmodels' exog): every regime mean mu_S_s becomes\n"
    "                     mu_S_s + x_s . beta_S_s; the coefficients switch with the regime unless shared\n"
    "  --shared-coef COLS|all  these --x columns' coefficients are one for every regime (switching_exog=False)\n"
    "  --initial steady|free  the first regimes from the stationary distribution of A (default, as\n"
    "                     statsmodels), or a free initial distribution\n"
    "  --restarts N       EM restarts (20); restart 0 is deterministic, the others random\n"
    "  --seed S, --iters N (5000), --tol T (1e-12: the relative change of the log likelihood)\n"
    "  --start FILE.json  start from (and take the model of) a parameter file; one EM run\n"
    "  --eval             with --start: only evaluate the log likelihood (and the standard errors) at the\n"
    "                     file's parameters\n"
    "  --no-se            skip the standard errors (observed information by central differences: about\n"
    "                     2 P^2 likelihood evaluations for P free parameters)\n"
    "  --states-out FILE  CSV t,state,p_0..p_K-1 (t = P..T-1: the Viterbi regime, smoothed probabilities)\n"
    "  --out FILE         the JSON (default stdout)\n";

int cmd_hmm_msar(int argc, char **argv) {
  cli_args a;
  cli_init(&a, "hmm msar", argc, argv);
  const char *path = NULL, *ycol = NULL, *start = NULL, *out = NULL, *sout = NULL, *initial = "steady", *xcols = NULL,
             *scoef = NULL;
  long K = 0, P = -1, restarts = 20, seed = 1, iters = 5000;
  double tol = 1e-12;
  int shared_ar = 0, shared_var = 0, eval = 0, want_se = 1;
  while (!cli_done(&a)) {
    const char *arg = cli_peek(&a);
    if (cli_is_help(arg)) {
      fputs(help, stdout);
      return 0;
    }
    if (cli_value(&a, "--y", &ycol) || cli_int(&a, "--states", 1, 100, &K) || cli_int(&a, "--order", 0, 50, &P) ||
        cli_value(&a, "--initial", &initial) || cli_int(&a, "--restarts", 1, 100000, &restarts) ||
        cli_int(&a, "--seed", 0, 2147483647L, &seed) || cli_int(&a, "--iters", 0, 100000000, &iters) ||
        cli_double(&a, "--tol", 0, 1, 0, &tol) || cli_value(&a, "--start", &start) || cli_value(&a, "--out", &out) ||
        cli_value(&a, "--states-out", &sout) || cli_value(&a, "--x", &xcols) || cli_value(&a, "--shared-coef", &scoef))
      continue;
    if (cli_flag(&a, "--shared-ar")) {
      shared_ar = 1;
      continue;
    }
    if (cli_flag(&a, "--shared-var")) {
      shared_var = 1;
      continue;
    }
    if (cli_flag(&a, "--no-se")) {
      want_se = 0;
      continue;
    }
    if (cli_flag(&a, "--eval")) {
      eval = 1;
      continue;
    }
    if (arg[0] == '-' && arg[1]) cli_unknown(&a);
    if (path) cli_die(&a, 2, "only one data file may be given");
    path = cli_next(&a);
  }
  if (!path) cli_die(&a, 2, "missing DATA.csv");
  if (!ycol) cli_die(&a, 2, "missing --y COL (the series)");
  if (!start && (!K || P < 0)) cli_die(&a, 2, "missing --states K and --order P (or --start FILE.json)");
  if (eval && !start) cli_die(&a, 2, "--eval needs --start FILE.json");
  if (strcmp(initial, "steady") && strcmp(initial, "free")) cli_die(&a, 2, "--initial: 'steady' or 'free', not '%s'", initial);
  urn_error err;
  urn_error_clear(&err);
  urn_hmm_csv csv;
  int col = -1, rc = urn_hmm_csv_read(path, &csv, &err);
  double *y = NULL, *x = NULL;
  int *xidx = NULL;
  char xfile[4096] = "";
  urn_hmm_msar m = {(int)K, (int)P, !shared_ar, !shared_var, !strcmp(initial, "steady"), 0, NULL, 0};
  urn_hmm_msar_params p;
  memset(&p, 0, sizeof p);
  if (!rc) rc = urn_hmm_csv_column(&csv, ycol, &col, &err);
  if (!rc) {
    y = urn_xmalloc(sizeof(double) * (csv.nrow ? csv.nrow : 1));
    rc = urn_hmm_csv_numbers(&csv, &col, 1, y, &err);
  }
  if (!rc && start) rc = load_msar(start, &m, &p, xfile, sizeof xfile, &err);
  if (!rc) rc = msar_x(&csv, xcols, xfile, scoef, start != NULL, &m, &x, &xidx, &err);
  if (!rc) rc = urn_hmm_msar_check(&m, csv.nrow, &err);
  double ll = -INFINITY;
  int n_done = 0, conv = 0;
  if (!rc && start)
    rc = eval ? urn_hmm_msar_loglik(&m, &p, y, csv.nrow, &ll, &err)
              : urn_hmm_msar_em(&m, &p, y, csv.nrow, (int)iters, tol, NULL, &n_done, &conv, &ll, &err);
  else if (!rc) {
    urn_hmm_msar_params_alloc(&m, &p);
    rc = urn_hmm_msar_fit(&m, y, csv.nrow, (int)restarts, (uint64_t)seed, (int)iters, tol, &p, &ll, &n_done, &conv, &err);
  }
  if (!rc && tol > 0 && !conv && !eval)
    fprintf(stderr, "urn hmm msar: warning: EM reached the iteration cap (%ld) before converging; raise --iters\n", iters);
  if (!rc) {
    urn_buf b;
    urn_buf_init(&b);
    msar_out o = {ll, n_done, conv, start ? 1 : (int)restarts, y, csv.nrow, want_se};
    write_msar(&b, &m, &p, &o, &csv, xidx);
    if (out && strcmp(out, "-")) rc = urn_write_file(out, b.data, b.len, &err);
    else fwrite(b.data, 1, b.len, stdout);
    urn_buf_free(&b);
  }
  if (!rc && sout) {
    size_t n = csv.nrow - (size_t)m.order;
    double *g = urn_xmalloc(sizeof(double) * n * (size_t)m.K);
    int *z = urn_xmalloc(sizeof(int) * n);
    rc = urn_hmm_msar_states(&m, &p, y, csv.nrow, g, z, &err);
    if (!rc) {
      urn_buf b;
      urn_buf_init(&b);
      urn_buf_puts(&b, "t,state");
      for (int k = 0; k < m.K; k++) urn_buf_printf(&b, ",p_%d", k);
      urn_buf_putc(&b, '\n');
      for (size_t t = 0; t < n; t++) {
        urn_buf_printf(&b, "%zu,%d", t + (size_t)m.order, z[t]);
        for (int k = 0; k < m.K; k++) urn_buf_printf(&b, ",%.10g", g[t * m.K + k]);
        urn_buf_putc(&b, '\n');
      }
      rc = urn_write_file(sout, b.data, b.len, &err);
      urn_buf_free(&b);
    }
    free(g);
    free(z);
  }
  if (rc) fprintf(stderr, "urn hmm msar: %s\n", err.msg);
  urn_hmm_msar_params_free(&p);
  free(y);
  free(x);
  free(xidx);
  urn_hmm_csv_free(&csv);
  return rc ? 1 : 0;
}
