/* tests/test_plot.c — KDE (Silverman's bandwidth by hand, the binned density
 * against the direct reflected-kernel sum, mass 1, closeness to the true
 * normal density), the sample HDI (hand-computed windows, the normal's
 * +-1.881 sd), rank plot counts, and that every plot kind yields well-formed
 * SVG, also with hostile inputs.  Set URN_PLOT_KEEP=DIR to keep the SVGs. */
#include "harness.h"
#include "math/rng.h"
#include "plot/kde.h"
#include "plot/plots.h"
#include "xml_check.h"

static void keep(const urn_svg *s, const char *name) {
  const char *dir = getenv("URN_PLOT_KEEP");
  if (!dir) return;
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  urn__plot_svg_write_file(s, path, NULL);
}

static void check_svg(urn_svg *s, int rc, const char *name) {
  char msg[256];
  CHECK(rc == URN_OK, "%s: status %d", name, rc);
  CHECK(s->closed && xml_check(s->out.data, msg, sizeof msg), "%s well-formed: %s", name, msg);
  keep(s, name);
  urn__plot_svg_free(s);
}

static int count_of(const char *doc, const char *needle) {
  int n = 0;
  for (const char *p = doc; (p = strstr(p, needle)); p++) n++;
  return n;
}

int main(void) {
  urn_error err;
  /* ---- Silverman's bandwidth on a small sample, by hand:
     x = 1..10: sd = 3.0276503540974917, IQR (type 7) = 7.75 - 3.25 = 4.5,
     min(sd, 4.5/1.34 = 3.358) = sd; h = 0.9 * sd * 10^-0.2. */
  double x10[10];
  for (int i = 0; i < 10; i++) x10[i] = i + 1;
  CHECK_NEAR(urn__plot_kde_bandwidth(x10, 10), 0.9 * 3.0276503540974917 * pow(10, -0.2), 1e-12, 0, "bandwidth 1..10");
  /* Heavy outlier: the IQR branch. x = 0,0,1,1,2,2,3,3,100: IQR = 3-1 = 2 -> 2/1.34 < sd. */
  double xo[9] = {0, 0, 1, 1, 2, 2, 3, 3, 100};
  CHECK_NEAR(urn__plot_kde_bandwidth(xo, 9), 0.9 * (2 / 1.34) * pow(9, -0.2), 1e-12, 0, "bandwidth by IQR");
  double xc[3] = {2, 2, 2}, gxc[4], gyc[4];
  CHECK(urn__plot_kde_bandwidth(xc, 3) == 0 && urn__plot_kde(xc, 3, 4, gxc, gyc, NULL) == 0, "constant data: no density");
  double xn[4] = {NAN, 1, INFINITY, 2};
  CHECK(urn__plot_kde(xn, 4, 4, gxc, gyc, NULL) == 2, "non-finite values ignored");

  /* ---- the binned density against the direct reflected sum at every grid point */
  urn_rng r;
  urn_rng_seed(&r, 42, 0);
  enum { N = 3000, G = 101 };
  static double z[N];
  for (int i = 0; i < N; i++) z[i] = urn_rng_normal(&r);
  double gx[G], gy[G], h;
  CHECK(urn__plot_kde(z, N, G, gx, gy, &h) == N, "kde of normals");
  double lo = gx[0], hi = gx[G - 1], maxerr = 0;
  for (int g = 0; g < G; g++) {
    double sum = 0;
    for (int i = 0; i < N; i++) {
      double u0 = (gx[g] - z[i]) / h, u1 = (gx[g] - (2 * lo - z[i])) / h, u2 = (gx[g] - (2 * hi - z[i])) / h;
      sum += exp(-0.5 * u0 * u0) + exp(-0.5 * u1 * u1) + exp(-0.5 * u2 * u2);
    }
    double direct = sum / (N * h * sqrt(2 * M_PI));
    maxerr = fmax(maxerr, fabs(direct - gy[g]));
  }
  CHECK(maxerr < 1e-4, "binned KDE matches the direct sum (max error %g)", maxerr);
  /* Reflection keeps the mass on the grid: trapezoid integral ~ 1. */
  double mass = 0;
  for (int g = 1; g < G; g++) mass += 0.5 * (gy[g] + gy[g - 1]) * (gx[g] - gx[g - 1]);
  CHECK_NEAR(mass, 1, 0, 0.01, "KDE integrates to 1 over the data range");
  /* Close to the true density in the bulk. */
  double worst = 0;
  for (int g = 0; g < G; g++)
    if (fabs(gx[g]) < 2) worst = fmax(worst, fabs(gy[g] - exp(-0.5 * gx[g] * gx[g]) / sqrt(2 * M_PI)));
  CHECK(worst < 0.03, "KDE near the normal density on [-2, 2] (max error %g)", worst);

  /* ---- HDI: ArviZ's window of floor(p n) + 1 sorted draws, the narrowest. */
  double hv[10] = {5, 1, 9, 2, 3, 4, 6, 7, 8, 0}; /* 0..9 */
  double hl, hh;
  CHECK(urn__plot_hdi(hv, 10, 0.5, &hl, &hh) && hl == 0 && hh == 5, "HDI 50%% of 0..9 (window of 6, first)");
  double sk[8] = {0, 0.5, 1, 1.25, 5, 6, 7, 8};
  CHECK(urn__plot_hdi(sk, 8, 0.5, &hl, &hh) && hl == 0 && hh == 5, "HDI 50%% skewed (window of 5)");
  CHECK(urn__plot_hdi(sk, 8, 0.3, &hl, &hh) && hl == 0.5 && hh == 1.25, "HDI 30%% skewed (window of 3)");
  CHECK(!urn__plot_hdi(xn, 1, 0.9, &hl, &hh), "HDI of no finite values");
  CHECK(urn__plot_hdi(z, N, 0.94, &hl, &hh), "HDI of normals");
  CHECK_NEAR(hl, -1.8807936081512509, 0, 0.12, "94% HDI lower of N(0,1) sample");
  CHECK_NEAR(hh, 1.8807936081512509, 0, 0.12, "94% HDI upper of N(0,1) sample");

  /* ---- plot kinds from a two-chain sample */
  enum { C = 4, D = 500 };
  static double mu[C * D], sigma[C * D], stuck[C * D], bad[C * D];
  static int div[C * D];
  for (int c = 0; c < C; c++)
    for (int d = 0; d < D; d++) {
      mu[c * D + d] = 1 + 0.05 * urn_rng_normal(&r);
      sigma[c * D + d] = fabs(0.9 + 0.03 * urn_rng_normal(&r));
      stuck[c * D + d] = c + urn_rng_normal(&r); /* chains disagree */
      bad[c * D + d] = d % 7 == 0 ? NAN : d % 11 == 0 ? INFINITY : 0.5 * urn_rng_normal(&r);
      div[c * D + d] = (d % 97) == 5;
    }
  urn_plot_var vars[4] = {
      {"mu", mu, C, D, NULL, 1, 1.0},
      {"sigma", sigma, C, D, div, 1, 1.0},
      {"stuck <&>", stuck, C, D, NULL, 0, 0},
      {"bad", bad, C, D, NULL, 1, NAN},
  };
  urn_svg s;
  check_svg(&s, urn__plot_posterior(&s, vars, 4, 0, "Posterior", &err), "posterior.svg");
  urn__plot_posterior(&s, vars, 1, 0, NULL, &err);
  CHECK(strstr(s.out.data, "mean = 0.99") /* mean of mu draws */ && strstr(s.out.data, "94% HDI"), "posterior panel shows mean and HDI");
  CHECK(strstr(s.out.data, "% &lt; 1 &lt; "), "reference value shows the share of draws on each side");
  urn__plot_svg_free(&s);
  check_svg(&s, urn__plot_trace(&s, vars, 4, "Trace", &err), "trace.svg");
  urn__plot_trace(&s, vars + 1, 1, NULL, &err);
  CHECK(strstr(s.out.data, "| 24 divergent") != NULL, "divergences counted and marked (4 chains x 6)");
  urn__plot_svg_free(&s);
  check_svg(&s, urn__plot_rank(&s, vars, 4, 2, "Rank", &err), "rank.svg");
  /* Rank counts: with ranks 1..8 over two chains and 2 bins... a tiny exact case:
     chain 1 = {1,2,3,4}, chain 2 = {5,6,7,8}: bars of 4 in the low bin of chain 1
     and the high bin of chain 2 only -> exactly 2 bars of nonzero height + 2 zero. */
  double tiny[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  urn_plot_var tv = {"t", tiny, 2, 4, NULL, 0, 0};
  urn__plot_rank(&s, &tv, 1, 1, NULL, &err);
  CHECK(count_of(s.out.data, "height=\"0.00\"") == 0, "tiny rank plot drawn");
  urn__plot_svg_free(&s);
  urn_plot_var constant = {"c", xc, 1, 3, NULL, 0, 0};
  check_svg(&s, urn__plot_posterior(&s, &constant, 1, 0, NULL, &err), "posterior-constant.svg");
  CHECK(urn__plot_posterior(&s, NULL, 0, 0, NULL, &err) == URN_EINPUT, "no variables refused: %s", err.msg);

  /* predictive */
  enum { NG = 120, NC = 40 };
  double grid[NG], curves[NC * NG], meanc[NG];
  for (int g = 0; g < NG; g++) grid[g] = -4 + 8.0 * g / (NG - 1);
  for (int c = 0; c < NC; c++)
    for (int g = 0; g < NG; g++) {
      double m = mu[c], sd = sigma[c];
      curves[c * NG + g] = exp(-0.5 * pow((grid[g] - m) / sd, 2)) / (sd * sqrt(2 * M_PI));
    }
  for (int g = 0; g < NG; g++) meanc[g] = exp(-0.5 * pow(grid[g] - 1, 2)) / sqrt(2 * M_PI);
  double ydata[N];
  for (int i = 0; i < N; i++) ydata[i] = 1 + z[i];
  urn_predictive_plot pp = {ydata, N, 26, -4, 4, grid, NG, curves, NC, meanc, "Posterior predictive", "y", NULL, 0, 0, NULL, NULL};
  check_svg(&s, urn__plot_predictive(&s, &pp, &err), "predictive.svg");
  /* regression, two components */
  enum { NR = 300, NL = 30 };
  double rx[NR], ry[NR], sl[NL * 2], ic[NL * 2];
  double msl[2] = {0.8, -0.5}, mic[2] = {1, -1};
  for (int i = 0; i < NR; i++) {
    rx[i] = 1 + 9 * urn_rng_uniform(&r);
    int k = i % 3 == 0;
    ry[i] = msl[k] * rx[i] + mic[k] + (k ? 2 : 1) * urn_rng_normal(&r);
  }
  for (int d = 0; d < NL; d++)
    for (int k = 0; k < 2; k++) sl[d * 2 + k] = msl[k] + 0.03 * urn_rng_normal(&r), ic[d * 2 + k] = mic[k] + 0.1 * urn_rng_normal(&r);
  urn_regression_plot rp = {rx, ry, NR, sl, ic, NL, 2, msl, mic, msl, mic, "Mixture of regressions", "x (weight)", "y (color)"};
  check_svg(&s, urn__plot_regression(&s, &rp, &err), "regression.svg");
  /* HMM states */
  enum { T = 200 };
  int zt[T], zi[T];
  double ye[T], in[T];
  for (int t = 0; t < T; t++) {
    zt[t] = (t / 23) % 3;
    zi[t] = (t % 40 == 7) ? (zt[t] + 1) % 3 : zt[t];
    ye[t] = (zt[t] == 0 ? -3 : zt[t] == 1 ? 0 : 4) + 0.8 * urn_rng_normal(&r);
    in[t] = sin(2 * M_PI * t / 50) * 4 + 5;
  }
  const int *seqs[2] = {zt, zi};
  const char *names[2] = {"true states (aligned)", "inferred states"};
  urn_states_plot sp = {ye, T, in, seqs, names, 2, 3, "Did the HMM get it right?", 0};
  urn__plot_hmm_states(&s, &sp, &err);
  /* One band per run of equal states in each panel, one dot per step in each. */
  int runs = 0;
  for (int t = 0; t < T; t++) runs += (t == 0 || zt[t] != zt[t - 1]) + (t == 0 || zi[t] != zi[t - 1]);
  CHECK(count_of(s.out.data, "opacity=\"0.280\"") == runs, "state bands: %d, want %d runs",
        count_of(s.out.data, "opacity=\"0.280\""), runs);
  CHECK(count_of(s.out.data, "<circle") == 2 * T, "a dot per step and panel");
  urn__plot_svg_free(&s);
  sp.t0 = 1000; /* a window starting at t = 1000: the time axis says so */
  urn__plot_hmm_states(&s, &sp, &err);
  CHECK(strstr(s.out.data, ">1100<") && !strstr(s.out.data, ">50<"), "time axis starts at t0");
  urn__plot_svg_free(&s);
  sp.t0 = 0;
  check_svg(&s, urn__plot_hmm_states(&s, &sp, &err), "states.svg");
  zi[3] = 7;
  CHECK(urn__plot_hmm_states(&s, &sp, &err) == URN_EINPUT && strstr(err.msg, "time 3"), "bad state refused: %s",
        err.msg);
  double lps[100];
  for (int i = 0; i < 100; i++) lps[i] = -900 + 300 * (1 - exp(-i / 5.0));
  check_svg(&s, urn__plot_em_trace(&s, lps, 100, 1, -610, "true params", "Training log probability", &err), "em.svg");
  /* The first iterations are 30x further below than the converged part spans: a zoomed second panel. */
  urn__plot_em_trace(&s, lps, 100, 1, -610, "true params", NULL, &err);
  CHECK(strstr(s.out.data, "iterations 20-99 (zoomed)") && strstr(s.out.data, ">true params<"), "EM trace zoom panel");
  urn__plot_svg_free(&s);
  urn__plot_em_trace(&s, lps + 30, 70, 1, -601, "true params", NULL, &err);
  CHECK(!strstr(s.out.data, "zoomed"), "no zoom when the whole trace is readable");
  urn__plot_svg_free(&s);
  double A[9] = {0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8}, B[9] = {0.79, 0.12, 0.09, 0.08, 0.83, 0.09, 0.1, 0.12, 0.78};
  const double *mats[2] = {A, B};
  const char *titles[2] = {"True transition matrix", "Recovered transition matrix"};
  urn__plot_heatmaps(&s, mats, titles, 2, 3, &err);
  CHECK(count_of(s.out.data, "stroke=\"#ffffff\"") == 18 && count_of(s.out.data, ">0.80<") == 3 &&
            count_of(s.out.data, ">0.83<") == 1, "two annotated 3 x 3 heatmaps");
  urn__plot_svg_free(&s);
  check_svg(&s, urn__plot_heatmaps(&s, mats, titles, 2, 3, &err), "heatmaps.svg");
  const char *cats[3] = {"State 1", "State 2", "State 3"}, *series[2] = {"Generator", "Recovered"};
  double wv[6] = {1, -0.8, 0.2, 0.97, -0.75, 0.25}, wlo[6] = {NAN, NAN, NAN, 0.9, -0.8, 0.1}, whi[6] = {NAN, NAN, NAN, 1.05, -0.7, 0.4};
  double pv[6] = {0.33, 0.33, 0.33, 0.5, 0.2, 0.3};
  urn_bar_panel bp[2] = {
      {"Weights", "States", "weight", 3, cats, 2, series, NULL, wv, wlo, whi, 0, 0, 0},
      {"Initial probabilities", "States", "probability", 3, cats, 2, series, NULL, pv, NULL, NULL, 1, 0, 1},
  };
  check_svg(&s, urn__plot_bars(&s, bp, 2, 2, "Parameter recovery", &err), "bars.svg");
  const char *rb[2] = {"red", "blue"}, *rbc[2] = {"#ff4c4c", "#4c4cff"};
  double pr[2] = {0.6, 0.4}, plo[2] = {0.5, 0.3}, phi[2] = {0.7, 0.5};
  urn_bar_panel balls = {"n = 5", NULL, "probability", 2, rb, 1, NULL, rbc, pr, plo, phi, 1, 0, 1};
  check_svg(&s, urn__plot_bars(&s, &balls, 1, 0, NULL, &err), "balls.svg");
  const double *ys[2] = {meanc, curves};
  const char *ll[2] = {"original", "recovered"};
  int dashed[2] = {0, 1};
  urn_lines_plot lp = {grid, NG, ys, 2, ll, NULL, dashed, "Emission densities", "emission", "density"};
  check_svg(&s, urn__plot_lines(&s, &lp, &err), "lines.svg");
  return test_done();
}
