/* cli/cmd_hmm_plot.c — `urn hmm plot KIND`: the pictures of an HMM fitted by
 * `urn hmm fit` (docs/plots.md):
 *   states       emissions over time with the Viterbi states (and the true
 *                states, after alignment) as background bands
 *   em           EM's log joint per iteration with a reference line
 *   transitions  transition matrices as annotated heatmaps side by side
 *   params       per-state parameter bars, generator vs recovered
 *   all          the four into a directory
 * When the true labels are known (true states in the data, --perm, or --true
 * parameters to match) every picture is drawn in the true labels. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <errno.h>

#include "cli/cli.h"
#include "hmm/hmm_case.h"
#include "hmm/hmm_csv.h"
#include "hmm/hmm_internal.h"
#include "io/json.h"
#include "plot/plots.h"
#include "urn/hmm.h"
#include "util/util.h"

#define MAX_PANELS 12     /* parameter bar panels drawn at most */
#define MAX_DRAWN_T 2000  /* time steps drawn by default in the states plot */
#define MAX_MATCH_K 8     /* parameter matching tries all K! permutations up to this K */

/* The command line. */
typedef struct hp_opts {
  const char *kind;        /* states, em, transitions, params, all */
  const char *data;        /* DATA.csv or NULL */
  const char *params;      /* the fit (FIT.json) */
  const char *truth;       /* generating parameters (TRUE.json) or NULL */
  const char *ycols;       /* emission columns */
  const char *xcols;       /* input columns */
  const char *seqcol;      /* sequence column */
  const char *true_states; /* column of DATA.csv with the true states */
  const char *perm;        /* explicit alignment "1,2,0" */
  const char *sequence;    /* sequence to draw (its id) */
  const char *window;      /* "A:B" time steps of the states plot */
  const char *out;         /* output file (directory for all) */
  const char *title;       /* figure title */
  long dim;                /* emission dimension drawn by states */
  int has_ref;             /* --ref given */
  double ref;              /* --ref value */
} hp_opts;

/* Everything loaded: the fit, the truth, the data, the alignment. */
typedef struct hp_ctx {
  hp_opts o;               /* options */
  urn_json *fit_json;      /* FIT.json (for the trace) */
  urn_hmm_model m;         /* the fitted model (with its priors) */
  urn_hmm_params p;        /* fitted parameters */
  int has_truth;           /* --true loaded */
  urn_hmm_params tp;       /* true parameters (under m) */
  int has_data;            /* DATA.csv loaded */
  urn_hmm_csv csv;         /* the data file */
  double *y, *x;           /* nrow x D emissions, nrow x M inputs */
  size_t nseq;             /* sequences */
  size_t *starts;          /* their row bounds (nseq + 1) */
  int seqcol;              /* index of the --seq column, -1 = none */
  urn_hmm_seq *seqs;       /* views */
  int *ztrue;              /* nrow true states, or NULL */
  int *zhat;               /* nrow Viterbi states under the fit (fit labels), or NULL */
  int aligned;             /* perm/inv are known */
  int perm[64];            /* perm[true label] = fit label */
  int inv[64];             /* inv[fit label] = true label */
  char how[160];           /* how the labels were aligned, for the message */
} hp_ctx;

static void usage(FILE *f) {
  fprintf(f,
          "usage: urn hmm plot KIND [DATA.csv] --params FIT.json [options]\n"
          "KIND:\n"
          "  states       emissions over time, Viterbi states as background bands; with --true-states the\n"
          "               true states too (after alignment); needs DATA.csv\n"
          "  em           EM's log joint per iteration (FIT.json's trace) with a dotted reference line:\n"
          "               --ref VALUE, or the log joint of --true TRUE.json on DATA.csv under the fit's priors\n"
          "  transitions  transition matrices as annotated heatmaps (true and recovered with --true)\n"
          "  params       per-state parameter bars (generator vs recovered with --true)\n"
          "  all          all four into the directory -o DIR (default hmm-plots)\n"
          "options:\n"
          "  --params FIT.json   the fit (`urn hmm fit --out FIT.json`)\n"
          "  --y COLS, --x COLS, --seq COL   DATA.csv's columns, as given to `urn hmm fit`\n"
          "  --true TRUE.json    the generating parameters (a parameter file of the same model)\n"
          "  --true-states COL   DATA.csv's column of true states (0-based, as `urn hmm sample` writes)\n"
          "  --perm LIST         alignment by hand: true state i is fitted state LIST[i] (0-based, as\n"
          "                      `urn hmm align` prints); default: from --true-states, else by matching --true\n"
          "  --sequence ID       the sequence drawn by states (its --seq value; default the first)\n"
          "  --window A:B        time steps A..B-1 of that sequence (default all, at most %d)\n"
          "  --dim N             emission dimension drawn by states (0-based, default 0)\n"
          "  --ref VALUE         em: the reference log joint\n"
          "  --title TEXT        figure title\n"
          "  -o, --out FILE      output SVG (default KIND.svg)\n"
          "Plots number the states from 1: state k+1 is label k of the CSV files.\n",
          MAX_DRAWN_T);
}

static void ctx_free(hp_ctx *c) {
  urn_json_free(c->fit_json);
  urn_hmm_params_free(&c->p);
  if (c->has_truth) urn_hmm_params_free(&c->tp);
  urn_hmm_model_free(&c->m);
  if (c->has_data) urn_hmm_csv_free(&c->csv);
  free(c->y);
  free(c->x);
  free(c->starts);
  free(c->seqs);
  free(c->ztrue);
  free(c->zhat);
}

static int is_regression(urn_hmm_kind k) { return k == URN_HMM_LINREG || k == URN_HMM_LOGREG || k == URN_HMM_CATREG; }

/* Reads a parameter file into a model and parameters; errors name the file. */
static int load_params(const char *path, urn_json **keep, urn_hmm_model *m, urn_hmm_params *p, urn_error *err) {
  urn_json *j = urn_json_parse_file(path, err);
  if (!j) return err->code ? err->code : URN_EINPUT;
  char msg[sizeof err->msg];
  int rc = j->type == URN_JSON_OBJECT ? urn_hmm_model_from_json(j, m, err)
                                      : urn_error_set(err, URN_EINPUT, "not a parameter file (a JSON object)");
  if (!rc) {
    const urn_json *pj = urn_json_get(j, "params");
    rc = pj ? urn_hmm_params_from_json(m, pj, p, err)
            : urn_error_set(err, URN_EINPUT, "no \"params\" object (is it a file written by urn hmm fit?)");
    if (rc) {
      if (pj) urn_hmm_params_free(p);
      urn_hmm_model_free(m);
    }
  }
  if (rc) {
    snprintf(msg, sizeof msg, "%s", err->msg);
    urn_error_set(err, rc, "%s: %s", path, msg);
    urn_json_free(j);
    return rc;
  }
  if (keep)
    *keep = j;
  else
    urn_json_free(j);
  return URN_OK;
}

/* The true parameters must describe the same model as the fit. */
static int load_truth(hp_ctx *c, urn_error *err) {
  urn_hmm_model tm;
  urn_hmm_params tp;
  int rc = load_params(c->o.truth, NULL, &tm, &tp, err);
  if (rc) return rc;
  if (tm.kind != c->m.kind || tm.K != c->m.K || tm.D != c->m.D || tm.M != c->m.M || tm.C != c->m.C) {
    rc = urn_error_set(err, URN_EINPUT,
                       "%s is a %s model with %d states (D=%d, M=%d), but the fit %s is a %s model with %d states "
                       "(D=%d, M=%d)",
                       c->o.truth, urn_hmm_kind_name(tm.kind), tm.K, tm.D, tm.M, c->o.params,
                       urn_hmm_kind_name(c->m.kind), c->m.K, c->m.D, c->m.M);
    urn_hmm_params_free(&tp);
  } else {
    c->tp = tp;
    c->has_truth = 1;
  }
  urn_hmm_model_free(&tm);
  return rc;
}

/* DATA.csv: emissions, inputs, sequences, the true states; then the Viterbi paths. */
static int load_data(hp_ctx *c, urn_error *err) {
  const hp_opts *o = &c->o;
  const urn_hmm_model *m = &c->m;
  int rc = urn_hmm_csv_read(o->data, &c->csv, err);
  if (rc) return rc;
  c->has_data = 1;
  int *yc = NULL, *xc = NULL, ny = 0, nx = 0, zc = -1;
  c->seqcol = -1;
  if ((rc = urn_hmm_csv_columns(&c->csv, o->ycols, &yc, &ny, err))) goto out;
  if (is_regression(m->kind) && (rc = urn_hmm_csv_columns(&c->csv, o->xcols, &xc, &nx, err))) goto out;
  if (o->seqcol && (rc = urn_hmm_csv_column(&c->csv, o->seqcol, &c->seqcol, err))) goto out;
  if (o->true_states && (rc = urn_hmm_csv_column(&c->csv, o->true_states, &zc, err))) goto out;
  if (ny != m->D || nx != m->M) {
    rc = urn_error_set(err, URN_EINPUT, "%s: %d emission and %d input columns selected, but the fit %s has D=%d, M=%d",
                       o->data, ny, nx, o->params, m->D, m->M);
    goto out;
  }
  size_t n = c->csv.nrow;
  c->y = urn_xmalloc(sizeof(double) * (n ? n : 1) * (size_t)ny);
  if ((rc = urn_hmm_csv_numbers(&c->csv, yc, ny, c->y, err))) goto out;
  if (nx) {
    c->x = urn_xmalloc(sizeof(double) * (n ? n : 1) * (size_t)nx);
    if ((rc = urn_hmm_csv_numbers(&c->csv, xc, nx, c->x, err))) goto out;
  }
  if ((rc = urn_hmm_csv_split(&c->csv, c->seqcol, &c->starts, &c->nseq, err))) goto out;
  c->seqs = urn_xcalloc(c->nseq, sizeof *c->seqs);
  for (size_t b = 0; b < c->nseq; b++) {
    c->seqs[b].T = c->starts[b + 1] - c->starts[b];
    c->seqs[b].y = c->y + c->starts[b] * (size_t)ny;
    c->seqs[b].x = nx ? c->x + c->starts[b] * (size_t)nx : NULL;
    urn_error e2;
    if (urn_hmm_seq_check(m, &c->seqs[b], b, &e2)) {
      rc = urn_error_set(err, URN_EINPUT, "%s (sequence from line %d): %s", o->data, c->csv.line[c->starts[b]], e2.msg);
      goto out;
    }
  }
  if (zc >= 0) {
    double *v = urn_xmalloc(sizeof(double) * (n ? n : 1));
    rc = urn_hmm_csv_numbers(&c->csv, &zc, 1, v, err);
    c->ztrue = urn_xmalloc(sizeof(int) * (n ? n : 1));
    for (size_t i = 0; !rc && i < n; i++) {
      if (v[i] != floor(v[i]) || v[i] < 0 || v[i] >= m->K)
        rc = urn_error_set(err, URN_EINPUT, "%s:%d: column '%s': %g is not a state of the %d-state fit (0..%d)",
                           o->data, c->csv.line[i], o->true_states, v[i], m->K, m->K - 1);
      else
        c->ztrue[i] = (int)v[i];
    }
    free(v);
    if (rc) goto out;
  }
  /* Viterbi paths under the fit. */
  c->zhat = urn_xmalloc(sizeof(int) * (n ? n : 1));
  for (size_t b = 0; b < c->nseq && !rc; b++) {
    size_t T = c->seqs[b].T;
    double *LL = urn_xmalloc(sizeof(double) * T * (size_t)m->K);
    rc = urn_hmm_emission_logliks(m, &c->p, &c->seqs[b], LL, err);
    if (!rc) rc = urn_hmm_viterbi(m->K, T, c->p.initial_probs, c->p.transition_matrix, LL, c->zhat + c->starts[b], err);
    free(LL);
  }
out:
  free(yc);
  free(xc);
  return rc;
}

/* ---- alignment ---- */

/* A flat list of the emission parameters of state k (for matching). */
static size_t emission_vector(const urn_hmm_model *m, const urn_hmm_params *p, int k, double *out) {
  size_t n = 0;
  int D = m->D, M = m->M, C = m->C;
  switch (m->kind) {
    case URN_HMM_GAUSSIAN:
      for (int d = 0; d < D; d++) out[n++] = p->means[k * D + d];
      break;
    case URN_HMM_DIAG:
      for (int d = 0; d < D; d++) out[n++] = p->means[k * D + d];
      break;
    case URN_HMM_LINREG:
      for (int i = 0; i < D * M; i++) out[n++] = p->weights[k * D * M + i];
      for (int d = 0; d < D; d++) out[n++] = p->biases[k * D + d];
      break;
    case URN_HMM_LOGREG:
      for (int j = 0; j < M; j++) out[n++] = p->weights[k * M + j];
      out[n++] = p->biases[k];
      break;
    case URN_HMM_CATREG:
      for (int i = 0; i < C * M; i++) out[n++] = p->weights[k * C * M + i];
      for (int i = 0; i < C; i++) out[n++] = p->biases[k * C + i];
      break;
    case URN_HMM_POISSON:
      for (int d = 0; d < D; d++) out[n++] = log(p->rates[k * D + d]);
      break;
    case URN_HMM_CATEGORICAL:
      for (int c = 0; c < C; c++) out[n++] = p->probs[k * C + c];
      break;
    default: /* the other families: each dimension's mean */
      for (int d = 0; d < D; d++) out[n++] = urn__hmm_family_mean(m, p, k, d);
      break;
  }
  return n;
}

/* Tries every permutation of the K states: the one whose fitted emission
 * parameters are closest (squared distance) to the true ones. */
static void match_params(hp_ctx *c) {
  int K = c->m.K;
  size_t dim = (size_t)(c->m.D + 1) * (size_t)(c->m.M + 1) * (size_t)(c->m.C + 1); /* enough for every kind */
  double *tv = urn_xmalloc(sizeof(double) * K * dim), *fv = urn_xmalloc(sizeof(double) * K * dim);
  size_t used = 0;
  for (int k = 0; k < K; k++) used = emission_vector(&c->m, &c->tp, k, tv + k * dim), emission_vector(&c->m, &c->p, k, fv + k * dim);
  /* Heap's algorithm over perm. */
  int a[MAX_MATCH_K], cnt[MAX_MATCH_K] = {0}, best[MAX_MATCH_K];
  double best_d = INFINITY;
  for (int k = 0; k < K; k++) a[k] = k;
  for (int i = 0;;) {
    double d = 0;
    for (int k = 0; k < K; k++)
      for (size_t j = 0; j < used; j++) d += (fv[a[k] * dim + j] - tv[k * dim + j]) * (fv[a[k] * dim + j] - tv[k * dim + j]);
    if (d < best_d) best_d = d, memcpy(best, a, sizeof(int) * K);
    while (i < K && cnt[i] >= i) cnt[i] = 0, i++;
    if (i >= K) break;
    int j = i % 2 ? cnt[i] : 0, t = a[j];
    a[j] = a[i], a[i] = t;
    cnt[i]++;
    i = 0;
  }
  memcpy(c->perm, best, sizeof(int) * K);
  free(tv);
  free(fv);
}

static int align(hp_ctx *c, urn_error *err) {
  int K = c->m.K;
  if (c->o.perm) {
    int seen[64] = {0}, n = 0;
    const char *s = c->o.perm;
    while (*s) {
      char *end;
      long v = strtol(s, &end, 10);
      if (end == s || v < 0 || v >= K || n >= K || seen[v])
        return urn_error_set(err, URN_EINPUT, "--perm '%s' is not a permutation of 0..%d (the fit has %d states)",
                             c->o.perm, K - 1, K);
      seen[v] = 1, c->perm[n++] = (int)v;
      s = *end == ',' ? end + 1 : end;
      if (*end && *end != ',')
        return urn_error_set(err, URN_EINPUT, "--perm '%s' is not a comma-separated list", c->o.perm);
    }
    if (n != K)
      return urn_error_set(err, URN_EINPUT, "--perm '%s' names %d states, the fit has %d", c->o.perm, n, K);
    snprintf(c->how, sizeof c->how, "labels aligned by --perm");
  } else if (c->ztrue) {
    int Kp = 0;
    int rc = urn_hmm_find_permutation(c->ztrue, c->zhat, c->csv.nrow, NULL, &Kp, err);
    if (rc) return rc;
    int *pm = urn_xmalloc(sizeof(int) * (size_t)(Kp > K ? Kp : K));
    rc = urn_hmm_find_permutation(c->ztrue, c->zhat, c->csv.nrow, pm, &Kp, err);
    if (rc) {
      free(pm);
      return rc;
    }
    /* Labels used by neither sequence get the unused fitted labels, in order. */
    int used[64] = {0};
    for (int i = 0; i < Kp && i < K; i++) c->perm[i] = pm[i], used[pm[i]] = 1;
    for (int i = Kp; i < K; i++)
      for (int j = 0; j < K; j++)
        if (!used[j]) {
          c->perm[i] = j, used[j] = 1;
          break;
        }
    free(pm);
    size_t agree = 0;
    for (size_t t = 0; t < c->csv.nrow; t++) agree += c->perm[c->ztrue[t]] == c->zhat[t];
    snprintf(c->how, sizeof c->how, "labels aligned on the states (find_permutation): %.1f%% of %zu steps agree",
             100.0 * agree / (double)(c->csv.nrow ? c->csv.nrow : 1), c->csv.nrow);
  } else if (c->has_truth && K <= MAX_MATCH_K) {
    match_params(c);
    snprintf(c->how, sizeof c->how, "labels aligned by matching the emission parameters");
  } else {
    return URN_OK;
  }
  c->aligned = 1;
  for (int k = 0; k < K; k++) c->inv[c->perm[k]] = k;
  return URN_OK;
}

/* The id of sequence b: its value in the --seq column, else its index. */
static const char *seq_id(const hp_ctx *c, size_t b, char *buf, size_t cap) {
  if (c->seqcol < 0) {
    snprintf(buf, cap, "%zu", b);
    return buf;
  }
  return c->csv.cells[c->starts[b] * (size_t)c->csv.ncol + (size_t)c->seqcol];
}

/* The fitted state shown as state k (in the true labels when aligned). */
static int fit_state(const hp_ctx *c, int k) { return c->aligned ? c->perm[k] : k; }

/* ---- the pictures ---- */

static int plot_states(hp_ctx *c, urn_svg *svg, urn_error *err) {
  const urn_hmm_model *m = &c->m;
  size_t b = 0;
  if (c->o.sequence) {
    for (b = 0; b < c->nseq; b++) {
      char nb[32];
      if (!strcmp(seq_id(c, b, nb, sizeof nb), c->o.sequence)) break;
    }
    if (b == c->nseq)
      return urn_error_set(err, URN_EINPUT, "%s: no sequence '%s'%s", c->o.data, c->o.sequence,
                           c->o.seqcol ? "" : " (without --seq the whole file is sequence 0)");
  }
  size_t T = c->seqs[b].T, a0 = 0, a1 = T;
  if (c->o.window) {
    char *end;
    long lo = strtol(c->o.window, &end, 10), hi;
    if (end == c->o.window || *end != ':' || (hi = strtol(end + 1, &end, 10), *end) || lo < 0 || hi <= lo ||
        (size_t)hi > T)
      return urn_error_set(err, URN_EINPUT, "--window '%s': want A:B with 0 <= A < B <= %zu (the sequence's length)",
                           c->o.window, T);
    a0 = (size_t)lo, a1 = (size_t)hi;
  } else if (T > MAX_DRAWN_T) {
    a1 = MAX_DRAWN_T;
    fprintf(stderr, "urn hmm plot: drawing time steps 0..%d of %zu (choose others with --window A:B)\n",
            MAX_DRAWN_T - 1, T);
  }
  if (c->o.dim >= m->D)
    return urn_error_set(err, URN_EINPUT, "--dim %ld: the emissions have %d dimension%s (0..%d)", c->o.dim, m->D,
                         m->D == 1 ? "" : "s", m->D - 1);
  size_t n = a1 - a0, row0 = c->starts[b] + a0;
  double *y = urn_xmalloc(sizeof(double) * n), *x = NULL;
  int *zt = c->ztrue ? urn_xmalloc(sizeof(int) * n) : NULL, *zh = urn_xmalloc(sizeof(int) * n);
  for (size_t t = 0; t < n; t++) {
    y[t] = c->y[(row0 + t) * (size_t)m->D + (size_t)c->o.dim];
    zh[t] = c->aligned ? c->inv[c->zhat[row0 + t]] : c->zhat[row0 + t];
    if (zt) zt[t] = c->ztrue[row0 + t];
  }
  if (c->x) {
    x = urn_xmalloc(sizeof(double) * n);
    for (size_t t = 0; t < n; t++) x[t] = c->x[(row0 + t) * (size_t)m->M];
  }
  const int *st[2];
  const char *names[2];
  size_t ns = 0;
  if (zt) st[ns] = zt, names[ns++] = "true states";
  st[ns] = zh;
  names[ns++] = c->aligned ? "inferred states (Viterbi, relabelled to the true labels)" : "inferred states (Viterbi)";
  char title[256], nb[32];
  snprintf(title, sizeof title, "Sequence %s: %s", seq_id(c, b, nb, sizeof nb),
           zt ? "true vs inferred states" : "inferred states");
  urn_states_plot sp = {y, n, x, st, names, ns, m->K, c->o.title ? c->o.title : title, a0};
  int rc = urn__plot_hmm_states(svg, &sp, err);
  free(y);
  free(x);
  free(zt);
  free(zh);
  return rc;
}

static int plot_em(hp_ctx *c, urn_svg *svg, urn_error *err) {
  const urn_json *fit = urn_json_get(c->fit_json, "fit");
  const urn_json *tr = fit ? urn_json_get(fit, "log_joint_trace") : NULL;
  if (!tr || tr->type != URN_JSON_ARRAY || tr->len == 0)
    return urn_error_set(err, URN_EINPUT, "%s: no \"fit\": {\"log_joint_trace\": [...]} (write the fit with "
                                          "`urn hmm fit --out`)", c->o.params);
  size_t n = tr->len;
  double *lp = urn_xmalloc(sizeof(double) * (n + 1));
  for (size_t i = 0; i < n; i++)
    if (!urn_json_number(tr->items[i], &lp[i])) {
      free(lp);
      return urn_error_set(err, URN_EINPUT, "%s:%d:%d: log_joint_trace[%zu] is not a number", c->o.params,
                           tr->items[i]->line, tr->items[i]->col, i);
    }
  /* The final parameters' log joint closes the curve. */
  const urn_json *fin = urn_json_get(fit, "final_log_joint");
  if (fin && urn_json_number(fin, &lp[n]) && isfinite(lp[n])) n++;
  int has_ref = 0;
  double ref = NAN;
  char label[128];
  if (c->o.has_ref) {
    has_ref = 1, ref = c->o.ref;
    snprintf(label, sizeof label, "reference = %.2f", ref);
  } else if (c->has_truth) {
    double ll;
    int rc = urn_hmm_loglik(&c->m, &c->tp, c->seqs, c->nseq, 1, NULL, &ll, err);
    if (rc) {
      free(lp);
      return rc;
    }
    has_ref = 1, ref = ll + urn_hmm_log_prior(&c->m, &c->tp);
    snprintf(label, sizeof label, "true parameters = %.2f", ref);
  }
  char title[160];
  snprintf(title, sizeof title, "EM training log joint (final %.2f)", lp[n - 1]);
  int rc = urn__plot_em_trace(svg, lp, n, has_ref, ref, label, c->o.title ? c->o.title : title, err);
  free(lp);
  return rc;
}

static int plot_transitions(hp_ctx *c, urn_svg *svg, urn_error *err) {
  int K = c->m.K;
  double *fitA = urn_xmalloc(sizeof(double) * K * K);
  for (int i = 0; i < K; i++)
    for (int j = 0; j < K; j++) fitA[i * K + j] = c->p.transition_matrix[fit_state(c, i) * K + fit_state(c, j)];
  const double *mats[2];
  const char *titles[2];
  size_t nm = 0;
  if (c->has_truth) mats[nm] = c->tp.transition_matrix, titles[nm++] = "True transition matrix";
  mats[nm] = fitA, titles[nm++] = c->aligned && c->has_truth ? "Recovered (aligned)" : "Recovered transition matrix";
  int rc = urn__plot_heatmaps(svg, mats, titles, nm, K, err);
  free(fitA);
  return rc;
}

/* One bar panel's recipe: value of state k = arr[k * stride + off]. */
typedef struct panel_spec {
  char title[64];       /* panel title */
  char ylabel[32];      /* y axis label */
  const double *fit;    /* the fitted array */
  const double *truth;  /* the true array, or NULL */
  int stride, off;      /* layout */
  int unit;             /* probabilities: fixed [0, 1] axis */
} panel_spec;

static size_t param_specs(const hp_ctx *c, panel_spec *ps) {
  const urn_hmm_model *m = &c->m;
  const urn_hmm_params *p = &c->p, *t = c->has_truth ? &c->tp : NULL;
  int D = m->D, M = m->M, C = m->C;
  size_t n = 0;
#define SPEC(ARR, STRIDE, OFF, UNIT, YL, ...)                                 \
  do {                                                                        \
    if (n < MAX_PANELS) {                                                     \
      snprintf(ps[n].title, sizeof ps[n].title, __VA_ARGS__);                 \
      snprintf(ps[n].ylabel, sizeof ps[n].ylabel, "%s", YL);                  \
      ps[n].fit = p->ARR, ps[n].truth = t ? t->ARR : NULL;                    \
      ps[n].stride = (STRIDE), ps[n].off = (OFF), ps[n].unit = (UNIT);        \
    }                                                                         \
    n++;                                                                      \
  } while (0)
  switch (m->kind) {
    case URN_HMM_GAUSSIAN:
      for (int d = 0; d < D; d++) SPEC(means, D, d, 0, "mean", D > 1 ? "Emission means (dim %d)" : "Emission means", d);
      for (int d = 0; d < D; d++)
        SPEC(covs, D * D, d * D + d, 0, "variance", D > 1 ? "Emission variances (dim %d)" : "Emission variances", d);
      break;
    case URN_HMM_DIAG:
      for (int d = 0; d < D; d++) SPEC(means, D, d, 0, "mean", D > 1 ? "Emission means (dim %d)" : "Emission means", d);
      for (int d = 0; d < D; d++)
        SPEC(scale_diags, D, d, 0, "sd", D > 1 ? "Emission sds (dim %d)" : "Emission standard deviations", d);
      break;
    case URN_HMM_LINREG:
      for (int d = 0; d < D; d++)
        for (int j = 0; j < M; j++)
          SPEC(weights, D * M, d * M + j, 0, "weight", D * M > 1 ? "Weights (output %d, input %d)" : "Weights", d, j);
      for (int d = 0; d < D; d++) SPEC(biases, D, d, 0, "bias", D > 1 ? "Biases (output %d)" : "Biases", d);
      for (int d = 0; d < D; d++)
        SPEC(covs, D * D, d * D + d, 0, "variance", D > 1 ? "Variances (output %d)" : "Variances", d);
      break;
    case URN_HMM_LOGREG:
      for (int j = 0; j < M; j++) SPEC(weights, M, j, 0, "weight", M > 1 ? "Weights (input %d)" : "Weights", j);
      SPEC(biases, 1, 0, 0, "bias", "Biases");
      break;
    case URN_HMM_CATREG:
      for (int k = 0; k < C; k++)
        for (int j = 0; j < M; j++) SPEC(weights, C * M, k * M + j, 0, "weight", "Weights (class %d, input %d)", k, j);
      for (int k = 0; k < C; k++) SPEC(biases, C, k, 0, "bias", "Biases (class %d)", k);
      break;
    case URN_HMM_POISSON:
    case URN_HMM_EXPONENTIAL:
      for (int d = 0; d < D; d++) SPEC(rates, D, d, 0, "rate", D > 1 ? "Rates (dim %d)" : "Rates", d);
      break;
    case URN_HMM_GAMMA:
      for (int d = 0; d < D; d++) SPEC(shapes, D, d, 0, "shape", D > 1 ? "Shapes (dim %d)" : "Shapes", d);
      for (int d = 0; d < D; d++) SPEC(rates, D, d, 0, "rate", D > 1 ? "Rates (dim %d)" : "Rates", d);
      break;
    case URN_HMM_LOGNORMAL:
    case URN_HMM_STUDENT:
      for (int d = 0; d < D; d++) SPEC(means, D, d, 0, "mean", D > 1 ? "Emission locations (dim %d)" : "Emission locations", d);
      for (int d = 0; d < D; d++)
        SPEC(scale_diags, D, d, 0, "scale", D > 1 ? "Emission scales (dim %d)" : "Emission scales", d);
      for (int d = 0; d < D && m->kind == URN_HMM_STUDENT; d++)
        SPEC(dofs, D, d, 0, "nu", D > 1 ? "Degrees of freedom (dim %d)" : "Degrees of freedom", d);
      break;
    case URN_HMM_BETA:
      for (int d = 0; d < D; d++) SPEC(shapes, 2 * D, 2 * d, 0, "a", D > 1 ? "Beta a (dim %d)" : "Beta a", d);
      for (int d = 0; d < D; d++) SPEC(shapes, 2 * D, 2 * d + 1, 0, "b", D > 1 ? "Beta b (dim %d)" : "Beta b", d);
      break;
    case URN_HMM_CATEGORICAL:
      for (int c = 0; c < C; c++) SPEC(probs, C, c, 1, "probability", "Class %d probabilities", c);
      break;
    case URN_HMM_GMM:
      for (int c = 0; c < C; c++) SPEC(probs, C, c, 1, "weight", "Component %d weights", c);
      for (int c = 0; c < C; c++)
        for (int d = 0; d < D; d++)
          SPEC(means, C * D, c * D + d, 0, "mean", D > 1 ? "Component %d means (dim %d)" : "Component %d means", c, d);
      break;
  }
  SPEC(initial_probs, 1, 0, 1, "probability", "Initial probabilities");
#undef SPEC
  return n;
}

static int plot_params(hp_ctx *c, urn_svg *svg, urn_error *err) {
  int K = c->m.K;
  panel_spec ps[MAX_PANELS];
  size_t want = param_specs(c, ps), n = want < MAX_PANELS ? want : MAX_PANELS;
  if (want > n)
    fprintf(stderr, "urn hmm plot: drawing %zu of %zu parameter panels (the initial probabilities are left out)\n", n,
            want);
  urn_bar_panel *bp = urn_xcalloc(n, sizeof *bp);
  double *vals = urn_xmalloc(sizeof(double) * n * 2 * K);
  char (*cats)[24] = urn_xmalloc(sizeof *cats * (size_t)K);
  const char **catp = urn_xmalloc(sizeof *catp * (size_t)K);
  for (int k = 0; k < K; k++) snprintf(cats[k], sizeof cats[k], "state %d", k + 1), catp[k] = cats[k];
  static const char *const series2[2] = {"Generator", "Recovered"};
  for (size_t i = 0; i < n; i++) {
    double *v = vals + i * 2 * K;
    int ns = 0;
    if (ps[i].truth) {
      for (int k = 0; k < K; k++) v[k] = ps[i].truth[k * ps[i].stride + ps[i].off];
      ns = 1;
    }
    for (int k = 0; k < K; k++) v[ns * K + k] = ps[i].fit[fit_state(c, k) * ps[i].stride + ps[i].off];
    ns++;
    bp[i] = (urn_bar_panel){ps[i].title, "state", ps[i].ylabel, (size_t)K, catp, (size_t)ns,
                            ns > 1 ? series2 : NULL, NULL, v, NULL, NULL, ps[i].unit, 0, 1};
  }
  const char *title = c->o.title ? c->o.title
                      : c->has_truth ? (c->aligned ? "Generator vs recovered parameters (aligned labels)"
                                                   : "Generator vs recovered parameters (labels not aligned)")
                                     : "Recovered parameters";
  int rc = urn__plot_bars(svg, bp, n, n < 4 ? (int)n : n == 4 ? 2 : 3, title, err);
  free(bp);
  free(vals);
  free(cats);
  free(catp);
  return rc;
}

/* ---- the command ---- */

static int draw(hp_ctx *c, const char *kind, const char *path, urn_error *err) {
  urn_svg svg = {0};
  int rc;
  if (!strcmp(kind, "states"))
    rc = plot_states(c, &svg, err);
  else if (!strcmp(kind, "em"))
    rc = plot_em(c, &svg, err);
  else if (!strcmp(kind, "transitions"))
    rc = plot_transitions(c, &svg, err);
  else
    rc = plot_params(c, &svg, err);
  if (!rc) rc = urn__plot_svg_write_file(&svg, path, err);
  if (!rc) printf("wrote %s\n", path);
  urn__plot_svg_free(&svg);
  return rc;
}

int cmd_hmm_plot(int argc, char **argv) {
  if (argc > 1 && cli_is_help(argv[1])) {
    usage(stdout);
    return 0;
  }
  cli_args a;
  cli_init(&a, "hmm plot", argc, argv);
  if (cli_done(&a)) {
    usage(stderr);
    return 2;
  }
  hp_ctx c;
  memset(&c, 0, sizeof c);
  hp_opts *o = &c.o;
  o->kind = cli_next(&a);
  static const char *const kinds[5] = {"states", "em", "transitions", "params", "all"};
  int known = 0;
  for (int i = 0; i < 5; i++) known |= !strcmp(o->kind, kinds[i]);
  if (!known) cli_die(&a, 2, "unknown plot kind '%s' (states, em, transitions, params, all)", o->kind);
  while (!cli_done(&a)) {
    const char *arg = cli_peek(&a);
    if (cli_is_help(arg)) {
      usage(stdout);
      return 0;
    }
    if (cli_value(&a, "--params", &o->params) || cli_value(&a, "--true", &o->truth) ||
        cli_value(&a, "--y", &o->ycols) || cli_value(&a, "--x", &o->xcols) || cli_value(&a, "--seq", &o->seqcol) ||
        cli_value(&a, "--true-states", &o->true_states) || cli_value(&a, "--perm", &o->perm) ||
        cli_value(&a, "--sequence", &o->sequence) || cli_value(&a, "--window", &o->window) ||
        cli_int(&a, "--dim", 0, 1000000, &o->dim) || cli_value(&a, "--title", &o->title) ||
        cli_value(&a, "-o", &o->out) || cli_value(&a, "--out", &o->out))
      continue;
    if (cli_double(&a, "--ref", -INFINITY, INFINITY, 1, &o->ref)) {
      o->has_ref = 1;
      continue;
    }
    if (arg[0] == '-' && arg[1]) cli_unknown(&a);
    if (o->data) cli_die(&a, 2, "only one data file may be given");
    o->data = cli_next(&a);
  }
  int all = !strcmp(o->kind, "all");
  if (!o->params) cli_die(&a, 2, "missing --params FIT.json (from `urn hmm fit --out`)");
  if (!strcmp(o->kind, "states") && !o->data) cli_die(&a, 2, "states needs DATA.csv (the data that was fitted)");
  if (o->data && !o->ycols) cli_die(&a, 2, "missing --y COLS (DATA.csv's emission columns)");
  if (!o->data) {
    if (o->true_states) cli_die(&a, 2, "--true-states names a column of DATA.csv, which is missing");
    if (o->xcols || o->seqcol || o->sequence || o->window)
      cli_die(&a, 2, "--x, --seq, --sequence and --window describe DATA.csv, which is missing");
  }
  if (o->perm && o->true_states) cli_die(&a, 2, "give either --perm or --true-states, not both");
  if (o->has_ref && o->truth && !strcmp(o->kind, "em"))
    cli_die(&a, 2, "give either --ref or --true for the reference line, not both");

  urn_error err;
  urn_error_clear(&err);
  int rc = load_params(o->params, &c.fit_json, &c.m, &c.p, &err);
  if (rc) {
    fprintf(stderr, "urn hmm plot: %s\n", err.msg);
    return 1;
  }
  if (c.m.K > 64) {
    fprintf(stderr, "urn hmm plot: %s: %d states; plots are drawn for at most 64\n", o->params, c.m.K);
    ctx_free(&c);
    return 1;
  }
  if (o->data && is_regression(c.m.kind) && !o->xcols) {
    fprintf(stderr, "urn hmm plot: the %s model in %s needs --x COLS (its %d inputs)\n", urn_hmm_kind_name(c.m.kind),
            o->params, c.m.M);
    ctx_free(&c);
    return 2;
  }
  if (o->truth) rc = load_truth(&c, &err);
  if (!rc && o->data) rc = load_data(&c, &err);
  if (!rc && (!strcmp(o->kind, "em") || all) && c.has_truth && !c.has_data && !o->has_ref)
    rc = urn_error_set(&err, URN_EINPUT, "em: the reference line of --true %s is its log joint on the data: give "
                                         "DATA.csv (or --ref VALUE)", o->truth);
  if (!rc) rc = align(&c, &err);
  if (!rc && c.aligned) {
    fprintf(stderr, "urn hmm plot: %s; true state ->", c.how);
    for (int k = 0; k < c.m.K; k++) fprintf(stderr, " %d->%d", k, c.perm[k]);
    fprintf(stderr, " (fitted)\n");
  }
  if (!rc && all) {
    const char *dir = o->out ? o->out : "hmm-plots";
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
      rc = urn_error_set(&err, URN_EIO, "%s: cannot create directory: %s", dir, strerror(errno));
    for (int i = 0; i < 4 && !rc; i++) {
      if (i == 0 && !c.has_data) {
        fprintf(stderr, "urn hmm plot: no DATA.csv: states.svg not drawn\n");
        continue;
      }
      char path[4096];
      size_t dl = strlen(dir);
      snprintf(path, sizeof path, "%s%s%s.svg", dir, dl && dir[dl - 1] == '/' ? "" : "/", kinds[i]);
      rc = draw(&c, kinds[i], path, &err);
    }
  } else if (!rc) {
    char def[64];
    snprintf(def, sizeof def, "%s.svg", o->kind);
    rc = draw(&c, o->kind, o->out ? o->out : def, &err);
  }
  if (rc) fprintf(stderr, "urn hmm plot: %s\n", err.msg);
  ctx_free(&c);
  return rc ? 1 : 0;
}
