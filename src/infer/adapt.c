/* infer/adapt.c — dual-averaging step size and windowed metric estimation,
 * following Stan's stepsize_adaptation, windowed_adaptation, var_adaptation
 * and covar_adaptation (see adapt.h for the behaviour on short warmups). */
#include "infer/adapt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

void urn_stepsize_adapt_init(urn_stepsize_adapt *a, double delta, double gamma, double kappa, double t0) {
  a->mu = 0.5, a->delta = delta, a->gamma = gamma, a->kappa = kappa, a->t0 = t0, a->max_log = INFINITY;
  urn_stepsize_adapt_restart(a);
}

void urn_stepsize_adapt_restart(urn_stepsize_adapt *a) { a->counter = 0, a->s_bar = 0, a->x_bar = 0; }

void urn_stepsize_adapt_learn(urn_stepsize_adapt *a, double *epsilon, double accept_stat) {
  a->counter += 1;
  if (accept_stat > 1) accept_stat = 1;
  /* Nesterov dual averaging of the log step size */
  double eta = 1.0 / (a->counter + a->t0);
  a->s_bar = (1.0 - eta) * a->s_bar + eta * (a->delta - accept_stat);
  double x = a->mu - a->s_bar * sqrt(a->counter) / a->gamma;
  if (x > a->max_log) x = a->max_log;
  double x_eta = pow(a->counter, -a->kappa);
  a->x_bar = (1.0 - x_eta) * a->x_bar + x_eta * x;
  *epsilon = exp(x);
}

void urn_stepsize_adapt_complete(const urn_stepsize_adapt *a, double *epsilon) { *epsilon = exp(a->x_bar); }

static void welford_restart(urn_metric_adapt *a) {
  a->n = 0;
  memset(a->mean, 0, a->dim * sizeof *a->mean);
  memset(a->m2, 0, (a->dense ? a->dim * a->dim : a->dim) * sizeof *a->m2);
}

static void windows_restart(urn_metric_adapt *a) {
  a->window_counter = 0;
  a->window_size = a->base_window;
  a->next_window = a->init_buffer + a->window_size - 1; /* unsigned, as Stan */
}

unsigned urn_metric_adapt_init_buffer(unsigned num_warmup, unsigned init_buffer, unsigned term_buffer,
                                      unsigned base_window) {
  return init_buffer + base_window + term_buffer > num_warmup ? (unsigned)(0.15 * num_warmup) : init_buffer;
}

void urn_metric_adapt_init(urn_metric_adapt *a, size_t dim, int dense, unsigned num_warmup, unsigned init_buffer,
                           unsigned term_buffer, unsigned base_window, const char **message) {
  memset(a, 0, sizeof *a);
  a->dim = dim, a->dense = dense;
  a->mean = urn_xcalloc(dim ? dim : 1, sizeof *a->mean);
  a->m2 = urn_xcalloc(dense ? (dim ? dim * dim : 1) : (dim ? dim : 1), sizeof *a->m2);
  a->delta = urn_xcalloc(dim ? dim : 1, sizeof *a->delta);
  windows_restart(a); /* the constructor's restart with everything zero */
  if (message) *message = NULL;
  if (num_warmup < 20) {
    if (message) *message = "no metric estimation is performed for num_warmup < 20";
    return;
  }
  if (init_buffer + base_window + term_buffer > num_warmup) {
    /* Stan shrinks the stages but does not restart the window counter, so
     * next_window keeps its constructor value and no window ever ends. */
    a->num_warmup = num_warmup;
    a->init_buffer = urn_metric_adapt_init_buffer(num_warmup, init_buffer, term_buffer, base_window);
    a->term_buffer = (unsigned)(0.1 * num_warmup);
    a->base_window = num_warmup - (a->init_buffer + a->term_buffer);
    if (message)
      *message = "there aren't enough warmup iterations to fit the three stages of adaptation as configured; "
                 "reducing them to 15%/75%/10% of the warmup (as Stan does, the metric then stays unadapted)";
    return;
  }
  a->num_warmup = num_warmup, a->init_buffer = init_buffer, a->term_buffer = term_buffer,
  a->base_window = base_window;
  windows_restart(a);
}

void urn_metric_adapt_free(urn_metric_adapt *a) {
  free(a->mean), free(a->m2), free(a->delta);
  a->mean = a->m2 = a->delta = NULL;
}

static int in_adaptation_window(const urn_metric_adapt *a) {
  return a->window_counter >= a->init_buffer && a->window_counter < a->num_warmup - a->term_buffer &&
         a->window_counter != a->num_warmup;
}

static int end_of_adaptation_window(const urn_metric_adapt *a) {
  return a->window_counter == a->next_window && a->window_counter != a->num_warmup;
}

static void compute_next_window(urn_metric_adapt *a) {
  unsigned last = a->num_warmup - a->term_buffer - 1;
  if (a->next_window == last) return;
  a->window_size *= 2;
  a->next_window = a->window_counter + a->window_size;
  if (a->next_window == last) return;
  /* if the window after this one would overrun the slow phase, stretch this one to its end */
  unsigned next_boundary = a->next_window + 2 * a->window_size;
  if (next_boundary >= a->num_warmup - a->term_buffer) a->next_window = last;
}

static void welford_add(urn_metric_adapt *a, const double *q) {
  size_t d = a->dim;
  a->n += 1;
  for (size_t i = 0; i < d; i++) {
    a->delta[i] = q[i] - a->mean[i];
    a->mean[i] += a->delta[i] / a->n;
  }
  if (a->dense) {
    /* m2 += (q - mean_new) (q - mean_old)^T, as Stan's welford_covar_estimator */
    for (size_t j = 0; j < d; j++) {
      double dj = a->delta[j];
      for (size_t i = 0; i < d; i++) a->m2[i + j * d] += (q[i] - a->mean[i]) * dj;
    }
  } else {
    for (size_t i = 0; i < d; i++) a->m2[i] += a->delta[i] * (q[i] - a->mean[i]);
  }
}

int urn_metric_adapt_learn(urn_metric_adapt *a, double *inv_metric, const double *q) {
  if (in_adaptation_window(a)) welford_add(a, q);
  if (!end_of_adaptation_window(a)) {
    a->window_counter++;
    return 0;
  }
  compute_next_window(a);
  size_t d = a->dim, len = a->dense ? d * d : d;
  double n = a->n;
  if (n > 1) /* the sample (co)variance; with fewer samples Stan keeps the old one */
    for (size_t k = 0; k < len; k++) inv_metric[k] = a->m2[k] / (n - 1.0);
  int finite = 1;
  for (size_t k = 0; k < len; k++) {
    int diagonal = !a->dense || k % d == k / d;
    inv_metric[k] = (n / (n + 5.0)) * inv_metric[k] + (diagonal ? 1e-3 * (5.0 / (n + 5.0)) : 0.0);
    if (!isfinite(inv_metric[k])) finite = 0;
  }
  welford_restart(a);
  a->window_counter++;
  return finite ? 1 : -1;
}
