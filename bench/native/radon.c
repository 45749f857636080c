/* bench/native/radon.c — Upper bound of a native tier on radon_mn var. intercept+slope centered: the log density (propto, Jacobian) and
 * its gradient written by hand in C, the ordinary path's operation order (a + x * b, then the normal's value and
 * partials per n, adjoints added n = N..1), no fast-math, no FP contraction (lp without the
 * normal's constant -log(sqrt(2 pi)) per term, which urn keeps for `target += normal_lpdf`: the gradient is the same). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include DATA_H
static double now(void){struct timespec ts;clock_gettime(CLOCK_THREAD_CPUTIME_ID,&ts);return ts.tv_sec+1e-9*ts.tv_nsec;}
static double mu_[N], dmu_[N];
static double grad(const double *u, double *g) {
  double sy = exp(u[0]), sa = exp(u[1]), sb = exp(u[2]);
  const double *a = u + 3, *b = u + 3 + J; double ma = u[3 + 2 * J], mb = u[4 + 2 * J];
  double lp = u[0] + u[1] + u[2];
  double gsy = 0, gsa = 0, gsb = 0, gma = 0, gmb = 0;
  for (int i = 0; i < 3 + 2 * J + 2; i++) g[i] = 0;
  lp += -0.5 * sy * sy - 0.5 * sa * sa - 0.5 * sb * sb;
  lp += -0.5 * (ma / 10) * (ma / 10) - 0.5 * (mb / 10) * (mb / 10);
  double isa = 1 / sa, isb = 1 / sb, la = 0, lb = 0;
  for (int j = 0; j < J; j++) {
    double za = (a[j] - ma) * isa, zb = (b[j] - mb) * isb;
    la -= 0.5 * za * za, lb -= 0.5 * zb * zb;
    g[3 + j] -= za * isa, gma += za * isa, gsa += za * za * isa;
    g[3 + J + j] -= zb * isb, gmb += zb * isb, gsb += zb * zb * isb;
  }
  lp += la - J * log(sa) + lb - J * log(sb);
  gsa -= J * isa, gsb -= J * isb;
  double isy = 1 / sy, ly = 0;
  for (int n = 0; n < N; n++) {
    double m = a[county[n] - 1] + xf[n] * b[county[n] - 1];
    double z = (y[n] - m) * isy;
    ly += -0.5 * z * z;
    mu_[n] = m, dmu_[n] = z * isy;
    gsy += z * z * isy;
  }
  lp += ly - N * log(sy);
  gsy -= N * isy;
  for (int n = N; n-- > 0;) {
    int c = county[n] - 1;
    g[3 + c] += dmu_[n], g[3 + J + c] += dmu_[n] * xf[n];
  }
  g[0] = 1 + (gsy - sy) * sy, g[1] = 1 + (gsa - sa) * sa, g[2] = 1 + (gsb - sb) * sb;
  g[3 + 2 * J] = gma - ma / 100, g[4 + 2 * J] = gmb - mb / 100;
  return lp;
}
int main(void) {
  int n = 3 + 2 * J + 2; double u[3 + 2 * J + 2], g[3 + 2 * J + 2], lp = 0;
  srand(7); for (int i = 0; i < n; i++) u[i] = (rand() / (double)RAND_MAX - 0.5);
  int reps = 1; for (;;) { double t0 = now(); for (int i = 0; i < reps; i++) lp = grad(u, g); if (now() - t0 > 0.03) break; reps *= 2; }
  double t[5]; for (int k = 0; k < 5; k++) { double t0 = now(); for (int i = 0; i < reps; i++) lp = grad(u, g); t[k] = (now() - t0) / reps * 1e6; }
  for (int i = 0; i < 5; i++) for (int j = i + 1; j < 5; j++) if (t[j] < t[i]) { double x = t[i]; t[i] = t[j]; t[j] = x; }
  double gs = 0; for (int i = 0; i < n; i++) gs += g[i] * (i + 1);
  printf("%10.2f us  lp=%.15g gsum=%.15g\n", t[1], lp, gs);
  return 0;
}
