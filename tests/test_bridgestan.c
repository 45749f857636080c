/* tests/test_bridgestan.c — the BridgeStan-compatible model libraries made by
 * `urn compile MODEL.stan --bridgestan`, loaded with dlopen exactly as
 * BridgeStan's clients load them, through their 22 bs_* symbols only:
 * exports (and nothing of urn's leaking), versions, names, constrain /
 * unconstrain round trips, log density, gradient, Hessian and Hessian-vector
 * product against closed forms, RNG streams, the print callback, every error
 * path with and without an error pointer, and many threads at once.
 *
 * The `urn` program is $URN (set by tests/run_tests.sh) or the one beside this
 * test's build folder; the models are written to a temporary folder. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

typedef struct bs_model bs_model;
typedef struct bs_rng bs_rng;

/* The ABI, bound by name as a client binds it. */
typedef struct bs_api {
  void *h;                               /* dlopen handle */
  const int *major, *minor, *patch;      /* bs_*_version */
  bs_model *(*construct)(const char *, unsigned, char **);
  void (*destruct)(bs_model *);
  void (*free_error)(char *);
  const char *(*name)(const bs_model *);
  const char *(*info)(const bs_model *);
  const char *(*param_names)(const bs_model *, bool, bool);
  const char *(*param_unc_names)(const bs_model *);
  int (*param_num)(const bs_model *, bool, bool);
  int (*param_unc_num)(const bs_model *);
  int (*constrain)(const bs_model *, bool, bool, const double *, double *, bs_rng *, char **);
  int (*unconstrain)(const bs_model *, const double *, double *, char **);
  int (*unconstrain_json)(const bs_model *, const char *, double *, char **);
  int (*log_density)(const bs_model *, bool, bool, const double *, double *, char **);
  int (*gradient)(const bs_model *, bool, bool, const double *, double *, double *, char **);
  int (*hessian)(const bs_model *, bool, bool, const double *, double *, double *, double *, char **);
  int (*hvp)(const bs_model *, bool, bool, const double *, const double *, double *, double *, char **);
  bs_rng *(*rng_construct)(unsigned, char **);
  void (*rng_destruct)(bs_rng *);
  int (*set_print)(void (*)(const char *, size_t), char **);
} bs_api;

static char urn_bin[4096]; /* the urn program */
static char tmpdir[256];   /* where models are written */

#define BIND(field, sym)                                     \
  do {                                                       \
    *(void **)&api->field = dlsym(api->h, sym);              \
    CHECK(api->field != NULL, "%s exports %s", path, sym);   \
    if (!api->field) ok = 0;                                 \
  } while (0)

static int load(const char *path, bs_api *api) {
  memset(api, 0, sizeof *api);
  api->h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  CHECK(api->h != NULL, "dlopen %s: %s", path, api->h ? "" : dlerror());
  if (!api->h) return 0;
  int ok = 1;
  BIND(major, "bs_major_version");
  BIND(minor, "bs_minor_version");
  BIND(patch, "bs_patch_version");
  BIND(construct, "bs_model_construct");
  BIND(destruct, "bs_model_destruct");
  BIND(free_error, "bs_free_error_msg");
  BIND(name, "bs_name");
  BIND(info, "bs_model_info");
  BIND(param_names, "bs_param_names");
  BIND(param_unc_names, "bs_param_unc_names");
  BIND(param_num, "bs_param_num");
  BIND(param_unc_num, "bs_param_unc_num");
  BIND(constrain, "bs_param_constrain");
  BIND(unconstrain, "bs_param_unconstrain");
  BIND(unconstrain_json, "bs_param_unconstrain_json");
  BIND(log_density, "bs_log_density");
  BIND(gradient, "bs_log_density_gradient");
  BIND(hessian, "bs_log_density_hessian");
  BIND(hvp, "bs_log_density_hessian_vector_product");
  BIND(rng_construct, "bs_rng_construct");
  BIND(rng_destruct, "bs_rng_destruct");
  BIND(set_print, "bs_set_print_callback");
  return ok;
}

/* Writes program text to tmpdir/NAME.stan, compiles it, loads NAME_model.so. */
static int make_model(const char *name, const char *program, bs_api *api) {
  char stan[512], cmd[5000];
  snprintf(stan, sizeof stan, "%s/%s.stan", tmpdir, name);
  FILE *f = fopen(stan, "w");
  if (!f) return 0;
  fputs(program, f);
  fclose(f);
  snprintf(cmd, sizeof cmd, "'%s' compile '%s' --bridgestan", urn_bin, stan);
  int rc = system(cmd);
  CHECK(rc == 0, "urn compile %s --bridgestan exits 0 (got %d)", name, rc);
  if (rc) return 0;
  char lib[600];
  snprintf(lib, sizeof lib, "%s/%s_model.so", tmpdir, name);
  return load(lib, api);
}

/* Takes and frees an error message; returns 1 when it contains want. */
static int error_has(const bs_api *api, char *msg, const char *want) {
  int ok = msg && strstr(msg, want);
  if (!ok) fprintf(stderr, "  message: %s (wanted '%s')\n", msg ? msg : "(null)", want);
  api->free_error(msg);
  return ok;
}

/* ------------------------------------------------------------- closed forms */

static const char *gauss_prog =
    "data { int N; vector[N] y; }\n"
    "parameters { real mu; real<lower=0> sigma; }\n"
    "model { y ~ normal(mu, sigma); }\n";
static const char *gauss_data = "{\"N\": 5, \"y\": [0.3, -1.2, 2.5, 0.8, 1.1]}";
static const double gauss_y[5] = {0.3, -1.2, 2.5, 0.8, 1.1};

/* f(mu, u) = sum_i [-log(2 pi)/2 - u - (y_i - mu)^2 / (2 e^2u)] + u (sigma = e^u, Jacobian u). */
static void gauss_closed(const double *x, double *lp, double *g, double *H) {
  double mu = x[0], u = x[1], e2 = exp(-2 * u), S = 0, D = 0;
  for (int i = 0; i < 5; i++) S += (gauss_y[i] - mu) * (gauss_y[i] - mu), D += gauss_y[i] - mu;
  *lp = -2.5 * log(2 * M_PI) - 5 * u - 0.5 * S * e2 + u;
  g[0] = D * e2, g[1] = -5 + S * e2 + 1;
  H[0] = -5 * e2, H[1] = H[2] = -2 * D * e2, H[3] = -2 * S * e2;
}

static void test_closed_forms(void) {
  bs_api a;
  if (!make_model("gauss", gauss_prog, &a)) return;
  char *err = NULL;
  bs_model *m = a.construct(gauss_data, 1, &err);
  CHECK(m != NULL, "construct gauss: %s", err ? err : "");
  if (!m) return;
  CHECK(!strcmp(a.name(m), "gauss_model"), "bs_name is stanc's class name: %s", a.name(m));
  CHECK(strstr(a.info(m), "BridgeStan version: 2.7.0") != NULL, "model_info names the ABI version");
  CHECK(*a.major == 2 && *a.minor == 7 && *a.patch == 0, "versions 2.7.0");
  const double pts[3][2] = {{0.4, 0.2}, {-1.0, -0.7}, {2.0, 1.5}};
  for (int p = 0; p < 3; p++) {
    double lp, g[2], H[4], lpc, gc[2], Hc[4], hv[2], v[2] = {0.7, -1.9};
    gauss_closed(pts[p], &lpc, gc, Hc);
    CHECK(a.log_density(m, 0, 1, pts[p], &lp, NULL) == 0, "log_density");
    CHECK_REL(lp, lpc, 1e-13, "log density vs closed form");
    CHECK(a.gradient(m, 0, 1, pts[p], &lp, g, NULL) == 0, "gradient");
    for (int i = 0; i < 2; i++) CHECK_NEAR(g[i], gc[i], 1e-12, 1e-12, "gradient vs closed form");
    CHECK(a.hessian(m, 0, 1, pts[p], &lp, g, H, NULL) == 0, "hessian");
    CHECK_REL(lp, lpc, 1e-13, "hessian's log density");
    for (int i = 0; i < 4; i++) CHECK_NEAR(H[i], Hc[i], 1e-10, 1e-10 * fabs(Hc[3]), "Hessian vs closed form");
    CHECK(H[1] == H[2], "Hessian symmetric");
    CHECK(a.hvp(m, 0, 1, pts[p], v, &lp, hv, NULL) == 0, "hvp");
    for (int i = 0; i < 2; i++)
      CHECK_NEAR(hv[i], Hc[2 * i] * v[0] + Hc[2 * i + 1] * v[1], 1e-10, 1e-10 * fabs(Hc[3]), "HVP vs closed form");
    CHECK_REL(lp, lpc, 1e-13, "hvp's log density");
    /* propto drops -N log(2 pi)/2, jacobian=0 drops u */
    double lp2;
    a.log_density(m, 1, 0, pts[p], &lp2, NULL);
    CHECK_REL(lp2, lpc + 2.5 * log(2 * M_PI) - pts[p][1], 1e-13, "propto, no Jacobian");
  }
  a.destruct(m);

  /* non-quadratic, and far from 0 on the unconstrained scale: student_t(3, 1000, 1.5) */
  if (!make_model("far", "parameters { real m; } model { m ~ student_t(3, 1000, 1.5); }\n", &a)) return;
  m = a.construct("", 1, NULL);
  CHECK(m != NULL, "construct far");
  if (!m) return;
  const double ms[3] = {1000.7, 996.0, 1003.2};
  for (int p = 0; p < 3; p++) {
    double lp, g, H, z = (ms[p] - 1000) / 1.5, nu = 3;
    a.hessian(m, 0, 1, &ms[p], &lp, &g, &H, NULL);
    double Hc = -(nu + 1) * (nu - z * z) / ((nu + z * z) * (nu + z * z)) / (1.5 * 1.5);
    CHECK_NEAR(H, Hc, 1e-9, 1e-12, "student_t Hessian at 1000 + x vs closed form");
  }
  a.destruct(m);

  /* gamma on the log scale: f(u) = 3.5 u - 2 e^u (+ const), f'' = -2 e^u */
  if (!make_model("gam", "parameters { real<lower=0> s; } model { s ~ gamma(3.5, 2.0); }\n", &a)) return;
  m = a.construct(NULL, 1, NULL);
  const double us[3] = {-2.0, 0.3, 2.5};
  for (int p = 0; m && p < 3; p++) {
    double lp, g, H, v = -0.6, hv;
    a.hessian(m, 1, 1, &us[p], &lp, &g, &H, NULL);
    CHECK_REL(g, 3.5 - 2 * exp(us[p]), 1e-13, "gamma gradient");
    CHECK_REL(H, -2 * exp(us[p]), 1e-10, "gamma Hessian vs closed form");
    a.hvp(m, 1, 1, &us[p], &v, &lp, &hv, NULL);
    CHECK_REL(hv, -2 * exp(us[p]) * v, 1e-10, "gamma HVP vs closed form");
  }
  if (m) a.destruct(m);
}

/* --------------------------------------------------------------- names */

static const char *names_prog =
    "parameters { real a; array[2] vector[3] b; matrix[2, 2] C; simplex[3] s; cov_matrix[2] S; }\n"
    "transformed parameters { real e = exp(a); }\n"
    "model { a ~ normal(0, 1); to_vector(C) ~ normal(0, 1); for (i in 1:2) b[i] ~ normal(0, 1);\n"
    "        to_vector(S) ~ normal(0, 3); }\n"
    "generated quantities { array[2] int d = {1, 2}; real z = normal_rng(0, 1); }\n";

static void test_names_and_transforms(void) {
  bs_api a;
  if (!make_model("names", names_prog, &a)) return;
  bs_model *m = a.construct("", 7, NULL);
  CHECK(m != NULL, "construct names");
  if (!m) return;
  const char *p00 = "a,b.1.1,b.2.1,b.1.2,b.2.2,b.1.3,b.2.3,C.1.1,C.2.1,C.1.2,C.2.2,s.1,s.2,s.3,S.1.1,S.2.1,S.1.2,S.2.2";
  CHECK(!strcmp(a.param_names(m, 0, 0), p00), "param names: %s", a.param_names(m, 0, 0));
  char want[1024];
  snprintf(want, sizeof want, "%s,e,d.1,d.2,z", p00);
  CHECK(!strcmp(a.param_names(m, 1, 1), want), "names with tp and gq: %s", a.param_names(m, 1, 1));
  snprintf(want, sizeof want, "%s,d.1,d.2,z", p00);
  CHECK(!strcmp(a.param_names(m, 0, 1), want), "names with gq only: %s", a.param_names(m, 0, 1));
  CHECK(a.param_num(m, 0, 0) == 18 && a.param_num(m, 1, 0) == 19 && a.param_num(m, 0, 1) == 21 &&
            a.param_num(m, 1, 1) == 22,
        "param_num");
  CHECK(a.param_unc_num(m) == 16, "unconstrained size 1 + 6 + 4 + 2 + 3 = 16 (got %d)", a.param_unc_num(m));
  const char *unc = a.param_unc_names(m);
  CHECK(!strncmp(unc, "a,", 2) && strstr(unc, "s.1,s.2,S.1,S.2,S.3") != NULL, "unconstrained names: %s", unc);
  /* round trips */
  double x[16], c[22], c2[22], u[16];
  for (int i = 0; i < 16; i++) x[i] = 0.37 * sin(1.7 * i + 0.4);
  bs_rng *r1 = a.rng_construct(11, NULL), *r2 = a.rng_construct(11, NULL), *r3 = a.rng_construct(12, NULL);
  CHECK(a.constrain(m, 1, 1, x, c, r1, NULL) == 0, "constrain with tp and gq");
  CHECK(a.constrain(m, 1, 1, x, c2, r2, NULL) == 0 && c2[21] == c[21], "same RNG seed, same generated quantities");
  CHECK(a.constrain(m, 1, 1, x, c2, r3, NULL) == 0 && c2[21] != c[21], "another seed, another draw");
  CHECK(c[19] == 1 && c[20] == 2 && c[18] == exp(x[0]), "tp and gq values in place");
  CHECK(fabs(c[11] + c[12] + c[13] - 1) < 1e-15, "simplex sums to 1");
  CHECK(a.unconstrain(m, c, u, NULL) == 0, "unconstrain");
  double maxd = 0;
  for (int i = 0; i < 16; i++) maxd = fmax(maxd, fabs(u[i] - x[i]));
  CHECK(maxd < 1e-12, "unconstrain(constrain(x)) = x (max diff %g)", maxd);
  char json[2048];
  snprintf(json, sizeof json,
           "{\"a\": %.17g, \"b\": [[%.17g, %.17g, %.17g], [%.17g, %.17g, %.17g]], \"C\": [[%.17g, %.17g], [%.17g, %.17g]],"
           " \"s\": [%.17g, %.17g, %.17g], \"S\": [[%.17g, %.17g], [%.17g, %.17g]]}",
           c[0], c[1], c[3], c[5], c[2], c[4], c[6], c[7], c[9], c[8], c[10], c[11], c[12], c[13], c[14], c[16], c[15],
           c[17]);
  CHECK(a.unconstrain_json(m, json, u, NULL) == 0, "unconstrain_json");
  maxd = 0;
  for (int i = 0; i < 16; i++) maxd = fmax(maxd, fabs(u[i] - x[i]));
  CHECK(maxd < 1e-12, "unconstrain_json(constrain(x)) = x (max diff %g)", maxd);
  a.rng_destruct(r1), a.rng_destruct(r2), a.rng_destruct(r3);
  a.rng_destruct(NULL);
  a.destruct(m);
}

/* --------------------------------------------------------------- errors */

static void test_errors(void) {
  bs_api a;
  if (!make_model("gauss", gauss_prog, &a)) return;
  char *err = NULL;
  CHECK(a.construct("{ not json", 1, &err) == NULL && error_has(&a, err, "data:1:"), "bad JSON data");
  err = NULL;
  CHECK(a.construct("{\"N\": 2}", 1, &err) == NULL && error_has(&a, err, "y"), "missing data variable named");
  err = NULL;
  CHECK(a.construct("", 1, &err) == NULL && error_has(&a, err, "N"), "no data for a model with data");
  err = NULL;
  CHECK(a.construct("/nonexistent/d.json", 1, &err) == NULL && error_has(&a, err, "/nonexistent/d.json"),
        "missing data file named");
  CHECK(a.construct("{ not json", 1, NULL) == NULL, "bad data with a NULL error pointer");
  bs_model *m = a.construct(gauss_data, 1, NULL);
  if (!m) return;
  double th[2] = {0.1, 0.2}, c[2] = {0.5, -1.0}, lp, g[2], H[4];
  err = NULL;
  CHECK(a.unconstrain(m, c, th, &err) == -1 && error_has(&a, err, "sigma"), "out-of-support sigma named");
  CHECK(a.unconstrain(m, c, th, NULL) == -1, "out-of-support with a NULL error pointer");
  err = NULL;
  CHECK(a.unconstrain_json(m, "{\"mu\": 1}", th, &err) == -1 && error_has(&a, err, "sigma"), "missing parameter in JSON");
  err = NULL;
  CHECK(a.unconstrain_json(m, "[1, 2", th, &err) == -1 && error_has(&a, err, "JSON"), "malformed JSON");
  CHECK(a.unconstrain_json(m, NULL, th, NULL) == -1, "NULL JSON text");
  err = NULL;
  CHECK(a.log_density(NULL, 1, 1, th, &lp, &err) == -1 && error_has(&a, err, "NULL"), "NULL model");
  CHECK(a.gradient(NULL, 1, 1, th, &lp, g, NULL) == -1 && a.hessian(NULL, 1, 1, th, &lp, g, H, NULL) == -1,
        "NULL model, NULL error pointer");
  CHECK(a.log_density(m, 1, 1, NULL, &lp, NULL) == -1, "NULL theta refused");
  err = NULL;
  CHECK(a.constrain(m, 0, 1, th, c, NULL, &err) == -1 && error_has(&a, err, "random number generator"),
        "generated quantities without an RNG");
  a.destruct(m);
  a.destruct(NULL);

  /* rejections in each block reach the caller */
  static const struct { const char *name, *prog, *want; int where; } rej[] = {
      {"throw_td", "transformed data { reject(\"td says no\"); } parameters { real y; } model { }\n", "td says no", 0},
      {"throw_lp", "parameters { real y; } model { reject(\"lp says no\"); }\n", "lp says no", 1},
      {"throw_tp", "parameters { real y; } transformed parameters { real z = y; reject(\"tp says no\"); } model { }\n",
       "tp says no", 2},
      {"throw_gq", "parameters { real y; } model { y ~ normal(0, 1); } generated quantities { reject(\"gq says no\"); }\n",
       "gq says no", 3},
  };
  for (size_t i = 0; i < sizeof rej / sizeof *rej; i++) {
    if (!make_model(rej[i].name, rej[i].prog, &a)) continue;
    err = NULL;
    m = a.construct("", 1, &err);
    if (rej[i].where == 0) {
      CHECK(m == NULL && error_has(&a, err, rej[i].want), "%s: construction fails with the message", rej[i].name);
      continue;
    }
    if (!m) continue;
    double y = 0.3, out[2], gr;
    bs_rng *r = a.rng_construct(1, NULL);
    err = NULL;
    if (rej[i].where == 1) {
      CHECK(a.gradient(m, 1, 1, &y, &lp, &gr, &err) == -1 && error_has(&a, err, rej[i].want), "%s", rej[i].name);
      CHECK(a.log_density(m, 1, 1, &y, &lp, NULL) == -1, "%s with a NULL error pointer", rej[i].name);
      double hh, hv, v = 1;
      CHECK(a.hessian(m, 1, 1, &y, &lp, &gr, &hh, NULL) == -1 && a.hvp(m, 1, 1, &y, &v, &lp, &hv, NULL) == -1,
            "%s: Hessian and HVP fail too", rej[i].name);
    } else {
      int tp = rej[i].where == 2;
      CHECK(a.constrain(m, tp, !tp, &y, out, r, &err) == -1 && error_has(&a, err, rej[i].want), "%s", rej[i].name);
      CHECK(a.constrain(m, 0, 0, &y, out, NULL, NULL) == 0 && out[0] == y, "%s: parameters alone still work",
            rej[i].name);
    }
    a.rng_destruct(r);
    a.destruct(m);
  }

  /* the generic library has no program */
  char generic[4200];
  snprintf(generic, sizeof generic, "%s", urn_bin);
  char *slash = strrchr(generic, '/');
  snprintf(slash ? slash + 1 : generic, sizeof generic - (size_t)(slash ? slash + 1 - generic : 0), "urn_bridgestan.so");
  if (load(generic, &a)) {
    err = NULL;
    CHECK(a.construct("", 1, &err) == NULL && error_has(&a, err, "urn compile"), "the generic library says what to do");
  }

  /* urn compile refuses a bad program with file:line:col */
  char cmd[5000];
  snprintf(cmd, sizeof cmd, "printf 'parameters { real y; }\\nmodel { y ~ normal(0, ); }\\n' > %s/bad.stan; "
                            "'%s' compile %s/bad.stan --bridgestan 2> %s/bad.err", tmpdir, urn_bin, tmpdir, tmpdir);
  int rc = system(cmd);
  CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 1, "urn compile of a bad program exits 1");
  snprintf(cmd, sizeof cmd, "%s/bad.err", tmpdir);
  size_t n;
  char *text = test_read_file(cmd, &n);
  CHECK(text && strstr(text, "bad.stan:2:"), "its message names bad.stan:2:col: %s", text ? text : "");
  free(text);
  snprintf(cmd, sizeof cmd, "%s/bad_model.so", tmpdir);
  CHECK(access(cmd, F_OK) != 0, "no library is written for a bad program");
}

/* ---------------------------------------------------------------- prints */

static char printed[4096];
static size_t n_printed;
static void capture(const char *s, size_t n) {
  if (n_printed + n < sizeof printed) memcpy(printed + n_printed, s, n), n_printed += n;
}

static void test_print(void) {
  bs_api a;
  if (!make_model("print", "parameters { real t; } model { print(\"t is \", t); t ~ normal(0, 1); }\n", &a)) return;
  CHECK(a.set_print(capture, NULL) == 0, "set the print callback");
  bs_model *m = a.construct("", 1, NULL);
  if (!m) return;
  double t = 0.5, lp;
  a.log_density(m, 1, 1, &t, &lp, NULL);
  CHECK(n_printed == 9 && !memcmp(printed, "t is 0.5\n", 9), "print() goes to the callback: '%.*s'", (int)n_printed,
        printed);
  a.set_print(NULL, NULL);
  n_printed = 0;
  fflush(stdout);
  a.log_density(m, 1, 1, &t, &lp, NULL); /* back to stdout */
  CHECK(n_printed == 0, "after set_print_callback(NULL) nothing reaches the old callback");
  a.destruct(m);
}

/* --------------------------------------------------------------- threads */

typedef struct job {
  const bs_api *a;   /* the library */
  bs_model *m;       /* shared model */
  int start;         /* first point */
  double out[200][3]; /* lp and gradient per point */
  int fails;         /* failed calls */
} job;

static void point(int i, double *x) { x[0] = sin(0.37 * i), x[1] = 0.5 * cos(0.91 * i); }

static void *worker(void *arg) {
  job *j = arg;
  for (int k = 0; k < 200; k++) {
    int i = (j->start + k) % 200;
    double x[2], H[4];
    point(i, x);
    if (j->a->gradient(j->m, 1, 1, x, &j->out[i][0], &j->out[i][1], NULL)) j->fails++;
    if (k % 20 == 0 && j->a->hessian(j->m, 1, 1, x, &j->out[i][0], &j->out[i][1], H, NULL)) j->fails++;
  }
  return NULL;
}

static void test_threads(void) {
  bs_api a;
  if (!make_model("gauss", gauss_prog, &a)) return;
  bs_model *m = a.construct(gauss_data, 1, NULL);
  if (!m) return;
  static job serial, jobs[4];
  serial.a = &a, serial.m = m;
  worker(&serial);
  pthread_t th[4];
  for (int t = 0; t < 4; t++) jobs[t].a = &a, jobs[t].m = m, jobs[t].start = 50 * t, pthread_create(&th[t], NULL, worker, &jobs[t]);
  int same = 1, fails = 0;
  for (int t = 0; t < 4; t++) {
    pthread_join(th[t], NULL);
    fails += jobs[t].fails;
    same &= !memcmp(jobs[t].out, serial.out, sizeof serial.out);
  }
  CHECK(fails == 0 && serial.fails == 0, "no call failed");
  CHECK(same, "4 threads sharing one model get the serial results bit for bit");
  a.destruct(m);
}

int main(int argc, char **argv) {
  const char *env = getenv("URN");
  if (env && *env) snprintf(urn_bin, sizeof urn_bin, "%s", env);
  else {
    /* BUILD/tests/test_bridgestan -> BUILD/urn */
    snprintf(urn_bin, sizeof urn_bin, "%s", argv[0]);
    char *s = strrchr(urn_bin, '/');
    if (s) *s = 0;
    s = strrchr(urn_bin, '/');
    snprintf(s ? s + 1 : urn_bin, sizeof urn_bin - (size_t)(s ? s + 1 - urn_bin : 0), "urn");
  }
  (void)argc;
  snprintf(tmpdir, sizeof tmpdir, "/tmp/urn_bs_XXXXXX");
  if (!mkdtemp(tmpdir)) {
    CHECK(0, "cannot make a temporary folder");
    return test_done();
  }
  test_closed_forms();
  test_names_and_transforms();
  test_errors();
  test_print();
  test_threads();
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system(cmd)) fprintf(stderr, "could not remove %s\n", tmpdir);
  return test_done();
}
