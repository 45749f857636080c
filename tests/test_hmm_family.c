/* tests/test_hmm_family.c — the emission families exponential, gamma,
 * lognormal, beta, categorical, Student-t and Gaussian mixtures (src/hmm/hmm_family.c) against
 * independent references (tests/data/gen_hmm_family.py, scipy): the emission
 * log-likelihood against scipy's logpdf, a 2-state HMM's log-likelihood
 * against brute force over all 2^5 state paths, a one-state fit against the
 * iid maximum-likelihood fit (scipy.optimize), EM monotone on simulated data,
 * the simulated parameters recovered by a fit with restarts, the parameter file
 * round trip, standard errors, and the input checks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "urn/hmm.h"

#include "data/hmm_family_ref.inc"

/* One family's reference data. */
typedef struct fam {
  urn_hmm_kind kind;       /* the family */
  const char *name;        /* for messages */
  const double *y;         /* 40 iid draws */
  const double *ml;        /* their maximum-likelihood parameters (natural, as urn stores them) */
  int nml;                 /* how many */
  double ll;               /* the maximised log-likelihood */
  const double *tv, *tpar; /* 5 values; 2 states' parameters */
  const double *tlp;       /* scipy logpdf, 5 x 2 */
  double brute;            /* 2-state HMM log-likelihood by brute force */
  int C;                   /* classes (categorical), components (gmm) */
  size_t n;                /* length of y */
} fam;

static urn_hmm_model model(urn_hmm_kind kind, int K, int C) {
  urn_hmm_model m;
  urn_error err;
  if (urn_hmm_model_init(&m, kind, K, 1, 0, C, &err)) {
    fprintf(stderr, "model init failed: %s\n", err.msg);
    exit(1);
  }
  return m;
}

/* Writes state k's parameters (the layout of the reference tables) into p. */
static void set_state(const urn_hmm_model *m, urn_hmm_params *p, int k, const double *v) {
  switch (m->kind) {
  case URN_HMM_EXPONENTIAL: p->rates[k] = v[0]; break;
  case URN_HMM_GAMMA: p->shapes[k] = v[0], p->rates[k] = v[1]; break;
  case URN_HMM_LOGNORMAL: p->means[k] = v[0], p->scale_diags[k] = v[1]; break;
  case URN_HMM_BETA: p->shapes[2 * k] = v[0], p->shapes[2 * k + 1] = v[1]; break;
  case URN_HMM_CATEGORICAL: memcpy(p->probs + (size_t)k * m->C, v, sizeof(double) * (size_t)m->C); break;
  case URN_HMM_STUDENT: p->means[k] = v[0], p->scale_diags[k] = v[1], p->dofs[k] = v[2]; break;
  case URN_HMM_GMM: /* D = 1: weights, means, scales of the C components */
    for (int c = 0; c < m->C; c++) {
      p->probs[k * m->C + c] = v[c], p->means[k * m->C + c] = v[m->C + c], p->scale_diags[k * m->C + c] = v[2 * m->C + c];
    }
    break;
  default: break;
  }
}

static void get_state(const urn_hmm_model *m, const urn_hmm_params *p, int k, double *v) {
  switch (m->kind) {
  case URN_HMM_EXPONENTIAL: v[0] = p->rates[k]; break;
  case URN_HMM_GAMMA: v[0] = p->shapes[k], v[1] = p->rates[k]; break;
  case URN_HMM_LOGNORMAL: v[0] = p->means[k], v[1] = p->scale_diags[k]; break;
  case URN_HMM_BETA: v[0] = p->shapes[2 * k], v[1] = p->shapes[2 * k + 1]; break;
  case URN_HMM_CATEGORICAL: memcpy(v, p->probs + (size_t)k * m->C, sizeof(double) * (size_t)m->C); break;
  case URN_HMM_STUDENT: v[0] = p->means[k], v[1] = p->scale_diags[k], v[2] = p->dofs[k]; break;
  case URN_HMM_GMM: { /* components ordered by their means */
    int C = m->C, ord[8];
    for (int c = 0; c < C; c++) ord[c] = c;
    for (int i = 1; i < C; i++)
      for (int j = i; j > 0 && p->means[k * C + ord[j]] < p->means[k * C + ord[j - 1]]; j--) {
        int t = ord[j];
        ord[j] = ord[j - 1], ord[j - 1] = t;
      }
    for (int c = 0; c < C; c++)
      v[c] = p->probs[k * C + ord[c]], v[C + c] = p->means[k * C + ord[c]], v[2 * C + c] = p->scale_diags[k * C + ord[c]];
    break;
  }
  default: break;
  }
}

static int npar(const urn_hmm_model *m) {
  switch (m->kind) {
  case URN_HMM_EXPONENTIAL: return 1;
  case URN_HMM_CATEGORICAL: return m->C;
  case URN_HMM_STUDENT: return 3;
  case URN_HMM_GMM: return 3 * m->C;
  default: return 2;
  }
}

/* scipy's logpdf and the brute-force HMM log-likelihood. */
static void check_logpdf(const fam *f) {
  urn_hmm_model m = model(f->kind, 2, f->C);
  urn_hmm_params p;
  urn_hmm_params_alloc(&m, &p);
  int n = npar(&m);
  set_state(&m, &p, 0, f->tpar);
  set_state(&m, &p, 1, f->tpar + n);
  p.initial_probs[0] = 0.6, p.initial_probs[1] = 0.4;
  double A[4] = {0.8, 0.2, 0.3, 0.7}, LL[10], ll;
  memcpy(p.transition_matrix, A, sizeof A);
  urn_hmm_seq s = {5, f->tv, NULL};
  urn_error err;
  CHECK(urn_hmm_seq_check(&m, &s, 0, &err) == URN_OK, "%s: test values accepted", f->name);
  CHECK(urn_hmm_emission_logliks(&m, &p, &s, LL, &err) == URN_OK, "%s: emission logliks", f->name);
  for (int i = 0; i < 10; i++) CHECK_NEAR(LL[i], f->tlp[i], 1e-12, 1e-12, "emission loglik vs scipy logpdf");
  CHECK(urn_hmm_loglik(&m, &p, &s, 1, 1, NULL, &ll, &err) == URN_OK, "%s: loglik", f->name);
  CHECK_REL(ll, f->brute, 1e-12, "log p(y) vs brute force over all 2^5 paths");
  urn_hmm_params_free(&p);
  urn_hmm_model_free(&m);
}

/* One state = the iid maximum-likelihood fit. */
static void check_one_state(const fam *f) {
  urn_hmm_model m = model(f->kind, 1, f->C);
  m.no_prior = URN_HMM_FREEZE_INITIAL | URN_HMM_FREEZE_TRANSITIONS | URN_HMM_FREEZE_EMISSIONS;
  urn_hmm_params best;
  urn_hmm_params_alloc(&m, &best);
  urn_hmm_seq s = {f->n, f->y, NULL};
  urn_hmm_fit_opts o = {5000, 1e-14, 1, NULL};
  urn_hmm_fit_report rep;
  urn_error err;
  int rc = urn_hmm_fit_best(&m, &s, 1, &o, URN_HMM_INIT_SEARCH, NULL, 2, 1, &best, NULL, &rep, NULL, &err);
  CHECK(rc == URN_OK, "%s: one-state fit (%s)", f->name, rc ? err.msg : "ok");
  double v[8];
  get_state(&m, &best, 0, v);
  for (int i = 0; i < f->nml; i++) {
    CHECK_NEAR(v[i], f->ml[i], 2e-6, 1e-9, "one state = iid maximum likelihood");
    if (!test_near(v[i], f->ml[i], 2e-6, 1e-9)) fprintf(stderr, "  %s parameter %d: %.12g vs %.12g\n", f->name, i, v[i], f->ml[i]);
  }
  CHECK_NEAR(rep.loglik, f->ll, 1e-10, 1e-9, "one-state log-likelihood = the iid maximum");
  urn_hmm_params_free(&best);
  urn_hmm_model_free(&m);
}

/* Simulated data from 2 well-separated states: EM never decreases the log joint,
 * and a fit with restarts recovers the parameters. */
static void check_em_and_recovery(const fam *f, const double *truth, double rtol) {
  urn_hmm_model m = model(f->kind, 2, f->C);
  urn_hmm_params p, best;
  urn_hmm_params_alloc(&m, &p);
  urn_hmm_params_alloc(&m, &best);
  int n = npar(&m);
  set_state(&m, &p, 0, truth);
  set_state(&m, &p, 1, truth + n);
  p.initial_probs[0] = 0.5, p.initial_probs[1] = 0.5;
  double A[4] = {0.95, 0.05, 0.1, 0.9};
  memcpy(p.transition_matrix, A, sizeof A);
  size_t T = 4000;
  double *y = malloc(sizeof(double) * T), trace[300];
  int *z = malloc(sizeof(int) * T), n_done = 0;
  urn_error err;
  CHECK(urn_hmm_sample(&m, &p, 7, T, NULL, z, y, &err) == URN_OK, "%s: sample", f->name);
  urn_hmm_seq s = {T, y, NULL};
  /* EM from a deliberately poor start (k-means labels, 300 iterations) */
  urn_hmm_params q;
  urn_hmm_params_alloc(&m, &q);
  CHECK(urn_hmm_init_kmeans(&m, 3, &s, 1, &q, &err) == URN_OK, "%s: k-means init", f->name);
  urn_hmm_fit_opts o = {300, 0, 1, NULL};
  CHECK(urn_hmm_fit_em(&m, &q, &s, 1, &o, trace, &n_done, &err) == URN_OK, "%s: EM", f->name);
  int mono = n_done > 1;
  for (int i = 1; i < n_done; i++) mono &= trace[i] >= trace[i - 1] - 1e-9 * fabs(trace[i - 1]);
  CHECK(mono, "%s: EM monotone over %d iterations (%.10g -> %.10g)", f->name, n_done, trace[0], trace[n_done - 1]);
  urn_hmm_fit_opts o2 = {2000, 1e-10, 1, NULL};
  urn_hmm_fit_report rep;
  CHECK(urn_hmm_fit_best(&m, &s, 1, &o2, URN_HMM_INIT_SEARCH, NULL, 4, 1, &best, NULL, &rep, NULL, &err) == URN_OK,
        "%s: fit with restarts (%s)", f->name, err.msg);
  double v0[8], v1[8];
  get_state(&m, &best, 0, v0);
  get_state(&m, &best, 1, v1);
  int loc = m.kind == URN_HMM_GMM ? m.C : 0; /* a parameter that tells the states apart */
  int swap = fabs(v0[loc] - truth[loc]) > fabs(v1[loc] - truth[loc]);
  int ok = 1;
  for (int i = 0; i < n; i++) {
    ok &= test_near(swap ? v1[i] : v0[i], truth[i], rtol, 0.02);
    ok &= test_near(swap ? v0[i] : v1[i], truth[n + i], rtol, 0.02);
  }
  CHECK(ok, "%s: recovery of the simulated parameters within %g", f->name, rtol);
  if (!ok)
    for (int i = 0; i < n; i++)
      fprintf(stderr, "  %s %d: %g %g vs %g %g\n", f->name, i, v0[i], v1[i], truth[i], truth[n + i]);
  CHECK(best.transition_matrix[swap ? 3 : 0] > 0.93 && best.transition_matrix[swap ? 0 : 3] > 0.87,
        "%s: recovery of the transition matrix", f->name);
  /* standard errors exist and are positive for every emission parameter */
  double se[128];
  size_t n_se = 0;
  int n_free = 0;
  int rc = urn_hmm_std_errors(&m, &best, &s, 1, 1, se, &n_se, &n_free, &err);
  CHECK(rc == URN_OK, "%s: standard errors (%s)", f->name, rc ? err.msg : "ok");
  int pos = rc == URN_OK;
  for (size_t i = 6; i < n_se && pos; i++) pos &= se[i] > 0 && se[i] < 1e3;
  CHECK(pos && n_free == urn_hmm_num_free_params(&m), "%s: %zu positive standard errors, %d free",
        f->name, n_se, n_free);
  /* the parameter file round trip */
  char *text = urn_hmm_param_file_format(&m, &best, NULL);
  urn_hmm_model m2;
  urn_hmm_params p2;
  rc = urn_hmm_param_file_parse(text, strlen(text), "t.json", &m2, &p2, &err);
  CHECK(rc == URN_OK && m2.kind == m.kind, "%s: parameter file parses back (%s)", f->name, rc ? err.msg : "ok");
  if (!rc) {
    double l1, l2;
    urn_hmm_loglik(&m, &best, &s, 1, 1, NULL, &l1, &err);
    urn_hmm_loglik(&m2, &p2, &s, 1, 1, NULL, &l2, &err);
    CHECK_REL(l2, l1, 1e-14, "parameter file round trip keeps the log-likelihood");
    urn_hmm_params_free(&p2);
    urn_hmm_model_free(&m2);
  }
  urn_hmm_text_free(text);
  free(y), free(z);
  urn_hmm_params_free(&p), urn_hmm_params_free(&q), urn_hmm_params_free(&best);
  urn_hmm_model_free(&m);
}

static void check_input_errors(void) {
  urn_error err;
  struct {
    urn_hmm_kind kind;
    double y;
    const char *msg;
  } bad[] = {{URN_HMM_EXPONENTIAL, 0.0, "exponential emission 0 must be > 0"},
             {URN_HMM_GAMMA, -1.0, "gamma emission -1 must be > 0"},
             {URN_HMM_LOGNORMAL, 0.0, "lognormal emission 0 must be > 0"},
             {URN_HMM_BETA, 1.0, "beta emission 1 must be strictly between 0 and 1"},
             {URN_HMM_BETA, 0.0, "beta emission 0 must be strictly between 0 and 1"},
             {URN_HMM_CATEGORICAL, 1.5, "categorical emission 1.5 must be a class code 0..2"},
             {URN_HMM_CATEGORICAL, 3.0, "categorical emission 3 must be a class code 0..2"},
             {URN_HMM_STUDENT, NAN, "must be finite"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    urn_hmm_model m = model(bad[i].kind, 2, 3);
    double ok = bad[i].kind == URN_HMM_CATEGORICAL ? 1.0 : 0.5, y[3] = {ok, bad[i].y, ok};
    urn_hmm_seq s = {3, y, NULL};
    int rc = urn_hmm_seq_check(&m, &s, 0, &err);
    CHECK(rc == URN_EINPUT && strstr(err.msg, bad[i].msg) && strstr(err.msg, "time 1"), "bad %s value: %s",
          urn_hmm_kind_name(bad[i].kind), rc ? err.msg : "accepted");
    urn_hmm_model_free(&m);
  }
  CHECK(urn_hmm_kind_parse("student-t") == URN_HMM_STUDENT && urn_hmm_kind_parse("categorical") == URN_HMM_CATEGORICAL &&
            !strcmp(urn_hmm_kind_name(URN_HMM_LOGNORMAL), "lognormal"),
        "kind names");
  urn_hmm_model m;
  CHECK(urn_hmm_model_init(&m, URN_HMM_CATEGORICAL, 2, 1, 0, 1, &err) == URN_EINPUT, "categorical needs 2+ classes");
  m = model(URN_HMM_GAMMA, 2, 0);
  urn_hmm_params p;
  CHECK(urn_hmm_init_prior(&m, 1, (urn_hmm_params_alloc(&m, &p), &p), &err) == URN_EINPUT &&
            strstr(err.msg, "no prior to draw from"),
        "gamma --init prior refused: %s", err.msg);
  CHECK(urn_hmm_num_free_params(&m) == 1 + 2 + 4, "gamma K=2 free parameters");
  urn_hmm_params_free(&p);
  urn_hmm_model_free(&m);
}

int main(void) {
  const fam fams[7] = {
      {URN_HMM_EXPONENTIAL, "exponential", exp_y, exp_ml, 1, exp_ll[0], exp_tv, exp_tpar, exp_tlp, exp_brute[0], 0, 40},
      {URN_HMM_GAMMA, "gamma", gam_y, gam_ml, 2, gam_ll[0], gam_tv, gam_tpar, gam_tlp, gam_brute[0], 0, 40},
      {URN_HMM_LOGNORMAL, "lognormal", lgn_y, lgn_ml, 2, lgn_ll[0], lgn_tv, lgn_tpar, lgn_tlp, lgn_brute[0], 0, 40},
      {URN_HMM_BETA, "beta", bet_y, bet_ml, 2, bet_ll[0], bet_tv, bet_tpar, bet_tlp, bet_brute[0], 0, 40},
      {URN_HMM_CATEGORICAL, "categorical", cat_y, cat_ml, 4, cat_ll[0], cat_tv, cat_tpar, cat_tlp, cat_brute[0], 4, 40},
      {URN_HMM_STUDENT, "student", stu_y, stu_ml, 3, stu_ll[0], stu_tv, stu_tpar, stu_tlp, stu_brute[0], 0, 40},
      {URN_HMM_GMM, "gmm", gmm_y, gmm_ml, 6, gmm_ll[0], gmm_tv, gmm_tpar, gmm_tlp, gmm_brute[0], 2, 60}};
  /* the logpdf and brute-force cases use 3 classes; the iid sample has 4 */
  for (int i = 0; i < 7; i++) {
    fam f = fams[i];
    if (f.kind == URN_HMM_CATEGORICAL) f.C = 3;
    check_logpdf(&f);
    check_one_state(&fams[i]);
  }
  static const double t_exp[2] = {0.5, 5.0}, t_gam[4] = {2.0, 1.0, 8.0, 2.0}, t_lgn[4] = {0.0, 0.5, 2.0, 0.3},
                      t_bet[4] = {2.0, 5.0, 6.0, 2.0}, t_cat[6] = {0.7, 0.2, 0.1, 0.1, 0.3, 0.6},
                      t_stu[6] = {0.0, 1.0, 3.0, 5.0, 0.5, 6.0},
                      t_gmm[12] = {0.5, 0.5, -2.0, 2.0, 0.5, 0.5, 0.3, 0.7, 6.0, 10.0, 1.0, 0.3};
  const double *truth[7] = {t_exp, t_gam, t_lgn, t_bet, t_cat, t_stu, t_gmm};
  const double rtol[7] = {0.1, 0.15, 0.1, 0.15, 0.15, 0.35, 0.15};
  for (int i = 0; i < 7; i++) {
    fam f = fams[i];
    if (f.kind == URN_HMM_CATEGORICAL) f.C = 3;
    check_em_and_recovery(&f, truth[i], rtol[i]);
  }
  check_input_errors();
  return test_done();
}
