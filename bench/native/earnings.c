/* bench/native/earnings.c — Upper bound of a native tier on posteriordb earnings-logearn_interaction (N = 1192): log density (propto,
 * Jacobian) and gradient by hand in C, the evaluator's order (the location's sums left to right, adjoints
 * n = N..1), no fast-math/contraction. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include DATA_H
static double now(void){struct timespec ts;clock_gettime(CLOCK_THREAD_CPUTIME_ID,&ts);return ts.tv_sec+1e-9*ts.tv_nsec;}
static double le[N], inter[N];
static double grad(const double *u, double *g) {
  const double *b = u; double s = exp(u[4]), is = 1 / s, lp = u[4], ly = 0, gs = 0, g0 = 0, g1 = 0, g2 = 0, g3 = 0;
  for (int n = 0; n < N; n++) {
    double m = b[0] + b[1] * height[n] + b[2] * male[n] + b[3] * inter[n];
    double z = (le[n] - m) * is;
    ly -= 0.5 * z * z;
    gs += z * z;
  }
  for (int n = N; n-- > 0;) {
    double m = b[0] + b[1] * height[n] + b[2] * male[n] + b[3] * inter[n];
    double d = (le[n] - m) * is * is;
    g0 += d, g1 += d * height[n], g2 += d * male[n], g3 += d * inter[n];
  }
  lp += ly - N * log(s);
  g[0] = g0, g[1] = g1, g[2] = g2, g[3] = g3, g[4] = 1 + (gs * is - N * is) * s;
  return lp;
}
int main(void) {
  for (int n = 0; n < N; n++) le[n] = log(earn[n]), inter[n] = height[n] * male[n];
  double u[5], g[5], lp = 0;
  srand(7); for (int i = 0; i < 5; i++) u[i] = (rand() / (double)RAND_MAX - 0.5);
  int reps = 1; for (;;) { double t0 = now(); for (int i = 0; i < reps; i++) lp = grad(u, g); if (now() - t0 > 0.03) break; reps *= 2; }
  double t[5]; for (int k = 0; k < 5; k++) { double t0 = now(); for (int i = 0; i < reps; i++) lp = grad(u, g); t[k] = (now() - t0) / reps * 1e6; }
  for (int i = 0; i < 5; i++) for (int j = i + 1; j < 5; j++) if (t[j] < t[i]) { double x = t[i]; t[i] = t[j]; t[j] = x; }
  double gs = 0; for (int i = 0; i < 5; i++) gs += g[i] * (i + 1);
  printf("%10.2f us  lp=%.15g gsum=%.15g\n", t[1], lp, gs);
  return 0;
}
