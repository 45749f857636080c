/* bench/native/mth.c — Upper bound of a native tier on posteriordb Mth (capture-recapture, M = 387, T = 5): log density (propto,
 * Jacobian) and gradient by hand in C, the evaluator's operation order per row, no fast-math/contraction. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include DATA_H
static double now(void){struct timespec ts;clock_gettime(CLOCK_THREAD_CPUTIME_ID,&ts);return ts.tv_sec+1e-9*ts.tv_nsec;}
static double inv_logit(double x) { return x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)); }
static double log_inv_logit(double x) { return x >= 0 ? -log1p(exp(-x)) : x - log1p(exp(x)); }
static int s[M];
static double grad(const double *u, double *g) {
  /* u: omega, mean_p[T], sigma, eps_raw[M] */
  double om = inv_logit(u[0]), lp = log_inv_logit(u[0]) + log_inv_logit(-u[0]);
  double mlp[T], gml[T] = {0};
  for (int t = 0; t < T; t++) { double p = inv_logit(u[1 + t]); mlp[t] = log(p / (1 - p)); lp += log_inv_logit(u[1 + t]) + log_inv_logit(-u[1 + t]); }
  double is = inv_logit(u[1 + T]), sg = 5 * is; lp += log(5.0) + log_inv_logit(u[1 + T]) + log_inv_logit(-u[1 + T]);
  const double *er = u + 2 + T; double *ge = g + 2 + T, gs = 0, gom = 0;
  double lo = log(om), l1o = log1p(-om);
  for (int i = 0; i < M; i++) { lp -= 0.5 * er[i] * er[i]; ge[i] = -er[i]; }
  for (int i = 0; i < M; i++) {
    double e = sg * er[i], B = 0, dB[T];
    for (int t = 0; t < T; t++) {
      double x = mlp[t] + e;
      B += yy[i][t] ? log_inv_logit(x) : log_inv_logit(-x);
      dB[t] = yy[i][t] - inv_logit(x);
    }
    double w = 1, a = lo + B;
    if (s[i] > 0) { lp += a; gom += 1 / om; }
    else {
      double b = l1o, mx = a > b ? a : b, ea = exp(a - mx), eb = exp(b - mx);
      lp += mx + log(ea + eb); w = ea / (ea + eb);
      gom += w / om - (1 - w) / (1 - om);
    }
    double de = 0;
    for (int t = 0; t < T; t++) { double d = w * dB[t]; gml[t] += d; de += d; }
    ge[i] += de * sg, gs += de * er[i];
  }
  g[0] = gom * om * (1 - om) + (1 - 2 * om);
  for (int t = 0; t < T; t++) { double p = inv_logit(u[1 + t]); g[1 + t] = gml[t] + (1 - 2 * p); }
  g[1 + T] = gs * 5 * is * (1 - is) + (1 - 2 * is);
  return lp;
}
int main(void) {
  for (int i = 0; i < M; i++) { s[i] = 0; for (int t = 0; t < T; t++) s[i] += yy[i][t]; }
  enum { NP = 2 + T + M }; double u[NP], g[NP], lp = 0;
  srand(7); for (int i = 0; i < NP; i++) u[i] = (rand() / (double)RAND_MAX - 0.5);
  int reps = 1; for (;;) { double t0 = now(); for (int i = 0; i < reps; i++) lp = grad(u, g); if (now() - t0 > 0.03) break; reps *= 2; }
  double t[5]; for (int k = 0; k < 5; k++) { double t0 = now(); for (int i = 0; i < reps; i++) lp = grad(u, g); t[k] = (now() - t0) / reps * 1e6; }
  for (int i = 0; i < 5; i++) for (int j = i + 1; j < 5; j++) if (t[j] < t[i]) { double x = t[i]; t[i] = t[j]; t[j] = x; }
  double gs = 0; for (int i = 0; i < NP; i++) gs += g[i] * (i + 1);
  printf("%10.2f us  lp=%.15g gsum=%.15g\n", t[1], lp, gs);
  return 0;
}
