/* infer/adapt.h — Stan's warmup adaptation: dual-averaging step size
 * (Hoffman & Gelman 2014, with Stan's constants) and the windowed estimation
 * of the inverse metric (a fast initial buffer, slow windows that double,
 * a fast terminal buffer), with Welford accumulators and Stan's
 * regularization (n/(n+5)) var + 1e-3 * 5/(n+5).  The window logic uses
 * unsigned arithmetic exactly as Stan's windowed_adaptation, including what
 * happens when the warmup is too short for the configured buffers (< 150 by
 * default): the buffers shrink to 15%/75%/10% but the window counter is not
 * restarted, so the metric is never updated and only the step size adapts. */
#ifndef URN_INFER_ADAPT_H
#define URN_INFER_ADAPT_H

#include <stddef.h>

typedef struct urn_stepsize_adapt {
  double mu;      /* shrinkage target log(10 * epsilon) */
  double delta;   /* target acceptance statistic */
  double gamma;   /* shrinkage strength */
  double kappa;   /* decay of the averaging weights */
  double t0;      /* early-iteration damping */
  double counter; /* iterations since the last restart */
  double s_bar;   /* running mean of (delta - accept_stat) */
  double x_bar;   /* averaged log step size */
  double max_log; /* cap on the log step size (+inf, Stan; log(pi) for the Fisher schemes, as nuts-rs) */
} urn_stepsize_adapt;

void urn_stepsize_adapt_init(urn_stepsize_adapt *a, double delta, double gamma, double kappa, double t0);
void urn_stepsize_adapt_restart(urn_stepsize_adapt *a);
/* One dual-averaging update from the transition's acceptance statistic; sets *epsilon. */
void urn_stepsize_adapt_learn(urn_stepsize_adapt *a, double *epsilon, double accept_stat);
/* End of warmup: *epsilon = exp(x_bar). */
void urn_stepsize_adapt_complete(const urn_stepsize_adapt *a, double *epsilon);

typedef struct urn_metric_adapt {
  size_t dim;             /* coordinates */
  int dense;              /* estimate a covariance (else variances) */
  unsigned num_warmup;    /* warmup length the windows were set for */
  unsigned init_buffer;   /* initial fast buffer */
  unsigned term_buffer;   /* terminal fast buffer */
  unsigned base_window;   /* first slow window */
  unsigned window_counter; /* iterations seen */
  unsigned next_window;   /* iteration at which the current window ends */
  unsigned window_size;   /* current window length */
  double n;               /* Welford: samples in the current window */
  double *mean;           /* Welford: running mean (dim) */
  double *m2;             /* Welford: sums of squares (dim, or dim*dim column-major when dense) */
  double *delta;          /* scratch (dim) */
} urn_metric_adapt;

/* Sets up the windows as Stan's set_window_params; *message (may be NULL)
 * gets a static note when the buffers had to be shrunk or no estimation is
 * done (NULL otherwise). */
/* The initial fast buffer the stages use for a warmup of num_warmup iterations (>= 20): init_buffer, or Stan's
 * 15 % when the three stages as configured do not fit. */
unsigned urn_metric_adapt_init_buffer(unsigned num_warmup, unsigned init_buffer, unsigned term_buffer,
                                      unsigned base_window);
void urn_metric_adapt_init(urn_metric_adapt *a, size_t dim, int dense, unsigned num_warmup, unsigned init_buffer,
                           unsigned term_buffer, unsigned base_window, const char **message);
void urn_metric_adapt_free(urn_metric_adapt *a);
/* Feeds one warmup draw q.  Returns 1 when a window ended and inv_metric
 * (dim, or dim*dim when dense) was replaced by the regularized estimate, -1 if
 * that estimate is not finite (Stan's "Numerical overflow in metric
 * adaptation"), else 0. */
int urn_metric_adapt_learn(urn_metric_adapt *a, double *inv_metric, const double *q);

#endif
