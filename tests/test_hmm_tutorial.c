/* tests/test_hmm_tutorial.c — recovery of the tutorial's generating parameters
 * from data simulated independently with numpy (tests/data/gen_hmm_data.py):
 *   - GaussianHMM(3, 1, stickiness 10), means -3/0/4, variance 0.7, diagonal 0.8,
 *     3 sequences x 200, k-means initialization, 100 EM iterations;
 *   - LinearRegressionHMM(3, 1, 1), weights 1/-0.8/0.2, biases 2/0/-1, variances
 *     1/0.8/1.5, the tutorial's transition matrix, 10 sequences x 100, x ~ U(0,10),
 *     best of 3 k-means initializations, 50 iterations.
 * States are aligned with find_permutation on the Viterbi paths.  Tolerances are
 * about 3.5-5 standard errors of the estimates at these sample sizes (worked
 * out next to each check), so a correct fit passes and a wrong one does not. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "hmm/hmm_csv.h"
#include "urn/hmm.h"

/* A data file split into sequences with its true states. */
typedef struct dataset {
  urn_hmm_csv csv;    /* the file */
  double *y, *x, *z;  /* columns y, x (or NULL), true_state */
  size_t nseq;        /* sequences */
  size_t *starts;     /* sequence bounds */
  urn_hmm_seq *seqs;  /* views */
} dataset;

static int load(const char *path, int with_x, dataset *d) {
  memset(d, 0, sizeof *d);
  urn_error err;
  if (urn_hmm_csv_read(path, &d->csv, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return -1;
  }
  int cy, cx = -1, cz, cs;
  urn_hmm_csv_column(&d->csv, "y", &cy, NULL);
  urn_hmm_csv_column(&d->csv, "true_state", &cz, NULL);
  urn_hmm_csv_column(&d->csv, "session", &cs, NULL);
  if (with_x) urn_hmm_csv_column(&d->csv, "x", &cx, NULL);
  size_t n = d->csv.nrow;
  d->y = malloc(sizeof(double) * n);
  d->z = malloc(sizeof(double) * n);
  urn_hmm_csv_numbers(&d->csv, &cy, 1, d->y, NULL);
  urn_hmm_csv_numbers(&d->csv, &cz, 1, d->z, NULL);
  if (with_x) {
    d->x = malloc(sizeof(double) * n);
    urn_hmm_csv_numbers(&d->csv, &cx, 1, d->x, NULL);
  }
  urn_hmm_csv_split(&d->csv, cs, &d->starts, &d->nseq, NULL);
  d->seqs = calloc(d->nseq, sizeof(urn_hmm_seq));
  for (size_t b = 0; b < d->nseq; b++)
    d->seqs[b] = (urn_hmm_seq){d->starts[b + 1] - d->starts[b], d->y + d->starts[b], d->x ? d->x + d->starts[b] : NULL};
  return 0;
}

static void unload(dataset *d) {
  urn_hmm_csv_free(&d->csv);
  free(d->y);
  free(d->x);
  free(d->z);
  free(d->starts);
  free(d->seqs);
}

/* Viterbi paths of every sequence, pooled, then perm[inferred] = true label;
 * returns the agreement fraction after relabelling. */
static double align(const urn_hmm_model *m, const urn_hmm_params *p, const dataset *d, int *perm) {
  size_t n = d->csv.nrow;
  int *zi = malloc(sizeof(int) * n), *zt = malloc(sizeof(int) * n);
  for (size_t b = 0; b < d->nseq; b++) {
    size_t T = d->seqs[b].T;
    double *LL = malloc(sizeof(double) * T * m->K);
    urn_hmm_emission_logliks(m, p, &d->seqs[b], LL, NULL);
    urn_hmm_viterbi(m->K, T, p->initial_probs, p->transition_matrix, LL, zi + d->starts[b], NULL);
    free(LL);
  }
  for (size_t i = 0; i < n; i++) zt[i] = (int)d->z[i];
  int Kp;
  urn_hmm_find_permutation(zi, zt, n, perm, &Kp, NULL);
  size_t agree = 0;
  for (size_t i = 0; i < n; i++) agree += perm[zi[i]] == zt[i];
  free(zi);
  free(zt);
  return (double)agree / n;
}

static void gaussian(void) {
  dataset d;
  if (load("tests/data/hmm_tutorial_gauss.csv", 0, &d)) {
    CHECK(0, "tutorial Gaussian data loads");
    return;
  }
  urn_hmm_model m;
  urn_hmm_model_init(&m, URN_HMM_GAUSSIAN, 3, 1, 0, 0, NULL);
  m.stickiness = 10;
  urn_hmm_params p;
  urn_hmm_params_alloc(&m, &p);
  CHECK(urn_hmm_init_kmeans(&m, 1, d.seqs, d.nseq, &p, NULL) == 0, "k-means initialization");
  double trace[100];
  urn_hmm_fit_opts o = {100, 0, 2, NULL};
  CHECK(urn_hmm_fit_em(&m, &p, d.seqs, d.nseq, &o, trace, NULL, NULL) == 0, "Gaussian EM runs");
  int perm[3];
  double agree = align(&m, &p, &d, perm);
  CHECK(agree > 0.95, "Viterbi agrees with the true states after alignment (%.3f)", agree);
  const double mu[3] = {-3, 0, 4};
  for (int i = 0; i < 3; i++) {
    int t = perm[i];
    /* ~200 points per state: SE(mean) = sqrt(0.7/200) = 0.06 -> 0.25 is ~4 SE */
    CHECK_NEAR(p.means[i], mu[t], 0, 0.25, "recovered mean");
    /* SE(variance) = 0.7 sqrt(2/200) = 0.07 (the MAP divisor N + 4.1 shrinks by 2%) -> 0.25 */
    CHECK_NEAR(p.covs[i], 0.7, 0, 0.25, "recovered variance");
    /* SE(A_kk) = sqrt(0.8 * 0.2 / 200) = 0.028, prior mean 0.835 -> 0.1 */
    CHECK_NEAR(p.transition_matrix[i * 3 + i], 0.8, 0, 0.1, "recovered self-transition");
  }
  for (int i = 1; i < 100; i++) CHECK(trace[i] >= trace[i - 1] - 1e-9 * fabs(trace[i]), "Gaussian trace non-decreasing");
  urn_hmm_params_free(&p);
  urn_hmm_model_free(&m);
  unload(&d);
}

static void glm(void) {
  dataset d;
  if (load("tests/data/hmm_tutorial_glm.csv", 1, &d)) {
    CHECK(0, "tutorial GLM data loads");
    return;
  }
  urn_hmm_model m;
  urn_hmm_model_init(&m, URN_HMM_LINREG, 3, 1, 1, 0, NULL);
  urn_hmm_params p, best;
  urn_hmm_params_alloc(&m, &p);
  urn_hmm_params_alloc(&m, &best);
  double trace[50], best_lj = -INFINITY;
  urn_hmm_fit_opts o = {50, 0, 2, NULL};
  for (int r = 0; r < 3; r++) {
    urn_hmm_init_kmeans(&m, 10 + r, d.seqs, d.nseq, &p, NULL);
    if (urn_hmm_fit_em(&m, &p, d.seqs, d.nseq, &o, trace, NULL, NULL)) continue;
    double ll;
    urn_hmm_loglik(&m, &p, d.seqs, d.nseq, 1, NULL, &ll, NULL);
    double lj = ll + urn_hmm_log_prior(&m, &p);
    if (lj > best_lj) {
      best_lj = lj;
      urn_hmm_params_copy(&m, &best, &p);
    }
  }
  CHECK(isfinite(best_lj), "GLM-HMM EM runs");
  int perm[3];
  double agree = align(&m, &best, &d, perm);
  /* the regression lines cross inside [0, 10], so some points are ambiguous */
  CHECK(agree > 0.8, "Viterbi agrees with the true states after alignment (%.3f)", agree);
  const double w[3] = {1, -0.8, 0.2}, b[3] = {2, 0, -1}, v[3] = {1, 0.8, 1.5};
  const double A[9] = {.5, .4, .1, .1, .5, .4, .4, .1, .5};
  for (int i = 0; i < 3; i++) {
    int t = perm[i];
    /* ~333 points per state, sd(x) = 2.9: SE(w) = 1/(18 * 2.9) = 0.02 -> 0.1 is 5 SE */
    CHECK_NEAR(best.weights[i], w[t], 0, 0.1, "recovered weight");
    /* SE(b) = sqrt((1 + 25/8.3)/333) = 0.11 -> 0.4 */
    CHECK_NEAR(best.biases[i], b[t], 0, 0.4, "recovered bias");
    /* SE(variance) = v sqrt(2/333) = 8% -> 30% */
    CHECK_NEAR(best.covs[i], v[t], 0.3, 0, "recovered variance");
    /* SE(A_jk) = sqrt(0.25/333) = 0.027 -> 0.12 */
    for (int j = 0; j < 3; j++)
      CHECK_NEAR(best.transition_matrix[i * 3 + j], A[t * 3 + perm[j]], 0, 0.12, "recovered transition");
  }
  urn_hmm_params_free(&p);
  urn_hmm_params_free(&best);
  urn_hmm_model_free(&m);
  unload(&d);
}

int main(void) {
  gaussian();
  glm();
  return test_done();
}
