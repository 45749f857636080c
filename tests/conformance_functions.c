/* tests/conformance_functions.c — `make conformance-functions`: does urn accept every built-in function of
 * Stan?  For each of the 24,246 signatures of ../shared/stanc3/stan_math_signatures.txt.xz (one
 * `name(argtypes) => returntype` per line) it writes one small program
 *
 *     functions { R fc_f2(T1 x1, ...) { ...; return r; } }      (for a function-typed argument)
 *     data { T1 a1; T2 a2; ... }                                (every argument as data)
 *     generated quantities { R fc_ret = name(a1 | a2, ...); }   (`|` after the variate of _lpdf & co.;
 *                                                                transformed parameters for _jacobian functions)
 *
 * and runs exactly what `urn check` runs on it — parse, check, lower — in this process (24k programs take a
 * few seconds; 24k `urn check` processes would take minutes).  A signature passes when the program is accepted
 * and the call's checked type is the signature's return type exactly (an int where Stan returns real fails).
 * The names of ../shared/stanc3/function_names.txt that have no line in the signature file (the variadic
 * higher-order functions: ode_*, reduce_sum, solve_*, dae, integrate_1d_*, laplace_*) are checked with the
 * probe programs of probes[] below, written from Stan's reference manual and stanc3's test programs.
 *
 * A name counts as present when at least one of its signatures passes; the last line is
 * `names: A/603; signatures: B/24246`.  Before it: each name with a failing signature, its count, and the
 * first failure's program line and message (all of them with --verbose), and a count of complete names.
 *
 * Usage: conformance_functions [--shared DIR] [--only NAME,...] [--verbose] [--write DIR]
 *                              [--known FILE [--update]]
 *   --write DIR   also writes every generated program to DIR/NNNNN_name.stan (to run `urn check` on one);
 *   --known FILE  test mode (make test): FILE lists the signatures known not to pass yet (a whole signature as
 *                 in the shared file, or `name(*)` for all of a name's); one check per name, which fails when a
 *                 signature not in FILE fails; signatures of FILE that now pass are listed to be removed.
 *                 Ends with "N passed, N failed".
 *   --update      rewrites FILE from this run (keeping its comment lines and its `## exceptions` section).
 *   --docs FILE   (re)writes docs/functions.md: every name with its status and the built-in table's description;
 *   --check-docs FILE  reports (in test mode: fails) when FILE differs from what --docs would write.
 * Without ../shared/stanc3 it prints one `skipped:` line (and "0 passed, 0 failed" in test mode). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lang/ast.h"
#include "lang/builtins.h"
#include "lang/check.h"
#include "lang/eval.h"
#include "lang/parser.h"
#include "util/util.h"

/* ---- signature text -> Stan declarations ---- */

/* Skips one type in a signature string starting at s; returns the position after it. */
static const char *skip_type(const char *s) {
  while (*s == ' ') s++;
  if (strncmp(s, "data ", 5) == 0) return skip_type(s + 5);
  if (*s == '(' || strncmp(s, "tuple(", 6) == 0) { /* function type or tuple: balanced parentheses */
    int depth = 0;
    do {
      if (*s == '(') depth++;
      else if (*s == ')') depth--;
      s++;
    } while (*s && depth > 0);
    if (strncmp(s, " => ", 4) == 0) return skip_type(s + 4); /* the function type's return type */
    return s;
  }
  if (strncmp(s, "array[", 6) == 0) {
    s = strchr(s, ']');
    return s ? skip_type(s + 1) : "";
  }
  while (*s && *s != ',' && *s != ')' && *s != ' ') s++;
  return s;
}

/* Splits a comma-separated list of types s[0..) ending at the matching ')' into copies; returns the count and
 * sets *end after the ')'. */
static int split_types(const char *s, char ***out, const char **end) {
  int n = 0, cap = 0;
  char **v = NULL;
  while (*s == ' ') s++;
  while (*s && *s != ')') {
    const char *e = skip_type(s);
    if (n == cap) cap = cap ? 2 * cap : 8, v = urn_xrealloc(v, (size_t)cap * sizeof *v);
    while (*s == ' ') s++;
    v[n++] = urn_xstrndup(s, (size_t)(e - s));
    s = e;
    while (*s == ' ' || *s == ',') s++;
  }
  if (*s == ')') s++;
  *out = v, *end = s;
  return n;
}

static void free_types(char **v, int n) {
  for (int i = 0; i < n; i++) free(v[i]);
  free(v);
}

/* Appends a declaration of `name` with type t (sizes 2, or a user function's unsized parameter when
 * unsized) to b.  `data` qualifiers are kept for function parameters only. */
static void decl_text(urn_buf *b, const char *t, const char *name, int unsized) {
  if (strncmp(t, "data ", 5) == 0) {
    if (unsized) urn_buf_puts(b, "data ");
    decl_text(b, t + 5, name, unsized);
    return;
  }
  if (strncmp(t, "array[", 6) == 0) {
    const char *close = strchr(t, ']');
    int dims = 1;
    for (const char *c = t + 6; c < close; c++) dims += *c == ',';
    urn_buf_puts(b, "array[");
    for (int i = 0; i < dims; i++) urn_buf_puts(b, unsized ? (i ? "," : "") : (i ? ", 2" : "2"));
    urn_buf_puts(b, "] ");
    decl_text(b, close + 2, name, unsized);
    return;
  }
  if (strncmp(t, "tuple(", 6) == 0) {
    char **el;
    const char *end;
    int n = split_types(t + 6, &el, &end);
    urn_buf_puts(b, "tuple(");
    for (int i = 0; i < n; i++) {
      if (i) urn_buf_puts(b, ", ");
      decl_text(b, el[i], "", unsized);
    }
    urn_buf_printf(b, ")%s%s", *name ? " " : "", name);
    free_types(el, n);
    return;
  }
  const char *sz = "";
  if (!unsized) {
    if (strcmp(t, "vector") == 0 || strcmp(t, "row_vector") == 0 || strcmp(t, "complex_vector") == 0 ||
        strcmp(t, "complex_row_vector") == 0)
      sz = "[2]";
    else if (strcmp(t, "matrix") == 0 || strcmp(t, "complex_matrix") == 0)
      sz = "[2, 2]";
  }
  urn_buf_printf(b, "%s%s%s%s", t, sz, *name ? " " : "", name);
}

/* The suffixes after whose first argument Stan writes `|`. */
static int takes_bar(const char *name) {
  static const char *suf[] = {"_lpdf", "_lpmf", "_lupdf", "_lupmf", "_lcdf", "_lccdf", "_cdf"};
  size_t n = strlen(name);
  for (size_t i = 0; i < sizeof suf / sizeof *suf; i++) {
    size_t k = strlen(suf[i]);
    if (n > k && strcmp(name + n - k, suf[i]) == 0) return 1;
  }
  return 0;
}

/* Builds the probe program of one signature line into b; returns 0 when the line cannot be read.  ret gets
 * the return type's text (the caller frees it). */
static int make_program(const char *line, urn_buf *b, char **name_out, char **ret) {
  const char *open = strchr(line, '(');
  if (!open) return 0;
  char *name = urn_xstrndup(line, (size_t)(open - line));
  char **args;
  const char *end;
  int n = split_types(open + 1, &args, &end);
  if (strncmp(end, " => ", 4) != 0) { free(name), free_types(args, n); return 0; }
  *ret = urn_xstrdup(end + 4);
  *name_out = name;
  urn_buf funs, data;
  urn_buf_init(&funs), urn_buf_init(&data);
  for (int i = 0; i < n; i++) {
    char an[32];
    snprintf(an, sizeof an, "a%d", i + 1);
    if (args[i][0] != '(') { /* an ordinary argument: a data variable */
      urn_buf_puts(&data, "  ");
      decl_text(&data, args[i], an, 0);
      urn_buf_puts(&data, ";\n");
      continue;
    }
    /* a function-typed argument: a user function of that type named fc_f<i> */
    char **fa;
    const char *fend;
    int fn = split_types(args[i] + 1, &fa, &fend);
    const char *fret = strncmp(fend, " => ", 4) == 0 ? fend + 4 : "real";
    decl_text(&funs, fret, "", 1);
    urn_buf_printf(&funs, " fc_f%d(", i + 1);
    for (int j = 0; j < fn; j++) {
      char pn[32];
      snprintf(pn, sizeof pn, "x%d", j + 1);
      if (j) urn_buf_puts(&funs, ", ");
      decl_text(&funs, fa[j], pn, 1);
    }
    urn_buf_puts(&funs, ") {\n    ");
    decl_text(&funs, fret, "r", 0);
    urn_buf_puts(&funs, ";\n    return r;\n  }\n");
    free_types(fa, fn);
    free(args[i]);
    args[i] = NULL; /* marks a function argument */
  }
  if (funs.len) urn_buf_printf(b, "functions {\n  %s}\n", funs.data);
  if (data.len) urn_buf_printf(b, "data {\n%s}\n", data.data);
  /* _jacobian functions may only be called in transformed parameters (Stan 2.36) */
  size_t len = strlen(name);
  int jac = len > 9 && strcmp(name + len - 9, "_jacobian") == 0;
  urn_buf_puts(b, jac ? "transformed parameters {\n  " : "generated quantities {\n  ");
  decl_text(b, *ret, "fc_ret", 0);
  urn_buf_printf(b, " = %s(", name);
  int bar = takes_bar(name) && n > 1;
  for (int i = 0; i < n; i++) {
    if (args[i]) urn_buf_printf(b, "%sa%d", i == 0 ? "" : i == 1 && bar ? " | " : ", ", i + 1);
    else urn_buf_printf(b, "%sfc_f%d", i == 0 ? "" : i == 1 && bar ? " | " : ", ", i + 1);
  }
  urn_buf_puts(b, ");\n}\n");
  urn_buf_free(&funs), urn_buf_free(&data);
  free_types(args, n);
  return 1;
}

/* ---- the variadic higher-order functions: hand-written probes ---- */

typedef struct probe {
  const char *name;    /* the function */
  const char *program; /* a program that calls it (as Stan's reference manual shows) */
} probe;

#define ODE_F "functions {\n  vector rhs(real t, vector y, real a, array[] int k) { return -a * y; }\n}\n"
#define ODE_D "data {\n  vector[2] y0;\n  real t0;\n  array[3] real ts;\n  real a;\n  array[1] int k;\n}\n"
#define ODE(fn) ODE_F ODE_D "generated quantities {\n  array[3] vector[2] y = " fn "(rhs, y0, t0, ts, a, k);\n}\n"
#define ODE_TOL(fn) ODE_F ODE_D \
  "generated quantities {\n  array[3] vector[2] y = " fn "(rhs, y0, t0, ts, 1e-6, 1e-6, 1000, a, k);\n}\n"
#define SOLVE_F "functions {\n  vector sys(vector x, real a, array[] int k) { return x - a; }\n}\n" \
  "data {\n  vector[2] x0;\n  real a;\n  array[1] int k;\n}\n"
#define SOLVE(fn) SOLVE_F "generated quantities {\n  vector[2] x = " fn "(sys, x0, a, k);\n}\n"
#define SOLVE_TOL(fn) SOLVE_F "generated quantities {\n  vector[2] x = " fn "(sys, x0, 1e-10, 1e-6, 100, a, k);\n}\n"
#define I1D_F "functions {\n  real g(real x, real xc, vector theta, matrix m) { return exp(-x * theta[1]); }\n}\n" \
  "data {\n  vector[2] theta;\n  matrix[2, 2] m;\n}\n"
#define I1D(fn) I1D_F "generated quantities {\n  real v = " fn "(g, 0, 1, theta, m);\n}\n"
#define I1D_TOL(fn) I1D_F "generated quantities {\n  real v = " fn "(g, 0, 1, 1e-8, 0.0, 10, theta, m);\n}\n"
#define DAE_F "functions {\n  vector res(real t, vector y, vector yp, array[] real p) { return yp + p[1] * y; }\n}\n" \
  "data {\n  vector[2] y0;\n  vector[2] yp0;\n  real t0;\n  array[3] real ts;\n  array[1] real p;\n}\n"
#define LAP_F "functions {\n" \
  "  real ll(vector theta, array[] int y) { return poisson_log_lpmf(y | theta); }\n" \
  "  matrix K(array[] vector x, real alpha, real rho) { return gp_exp_quad_cov(x, alpha, rho); }\n}\n" \
  "data {\n  int n;\n  array[n] int y;\n  array[n] int yi;\n  array[n] vector[1] x;\n  vector[n] ye;\n" \
  "  vector[n] m0;\n  vector[n] theta0;\n}\nparameters {\n  real<lower=0> alpha;\n  real<lower=0> rho;\n}\n"
#define LAP_TOL "(theta0, 1e-6, 100, 1, 0, 1)"
#define LAP_GQ(decl, call) LAP_F "generated quantities {\n  " decl " = " call ";\n}\n"
#define LAP_MODEL(call) LAP_F "model {\n  target += " call ";\n}\n"

static const probe probes[] = {
    {"ode_rk45", ODE("ode_rk45")}, {"ode_rk45_tol", ODE_TOL("ode_rk45_tol")},
    {"ode_ckrk", ODE("ode_ckrk")}, {"ode_ckrk_tol", ODE_TOL("ode_ckrk_tol")},
    {"ode_adams", ODE("ode_adams")}, {"ode_adams_tol", ODE_TOL("ode_adams_tol")},
    {"ode_bdf", ODE("ode_bdf")}, {"ode_bdf_tol", ODE_TOL("ode_bdf_tol")},
    {"ode_adjoint_tol_ctl", ODE_F ODE_D "transformed data {\n  vector[2] atol = rep_vector(1e-8, 2);\n}\n"
                            "generated quantities {\n  array[3] vector[2] y = ode_adjoint_tol_ctl(rhs, y0, t0, ts, "
                            "1e-6, atol, 1e-6, atol, 1e-6, 1e-8, 1000, 150, 1, 2, 2, a, k);\n}\n"},
    {"reduce_sum", "functions {\n  real part(array[] real s, int lo, int hi, real mu) { return normal_lpdf(s | mu, 1); }\n}\n"
                   "data {\n  array[4] real y;\n}\nparameters {\n  real mu;\n}\n"
                   "model {\n  target += reduce_sum(part, y, 1, mu);\n}\n"},
    {"reduce_sum_static", "functions {\n  real part(array[] real s, int lo, int hi, real mu) { return normal_lpdf(s | mu, 1); }\n}\n"
                          "data {\n  array[4] real y;\n}\nparameters {\n  real mu;\n}\n"
                          "model {\n  target += reduce_sum_static(part, y, 1, mu);\n}\n"},
    {"solve_newton", SOLVE("solve_newton")}, {"solve_newton_tol", SOLVE_TOL("solve_newton_tol")},
    {"solve_powell", SOLVE("solve_powell")}, {"solve_powell_tol", SOLVE_TOL("solve_powell_tol")},
    {"integrate_1d_double_exponential", I1D("integrate_1d_double_exponential")},
    {"integrate_1d_double_exponential_tol", I1D_TOL("integrate_1d_double_exponential_tol")},
    {"integrate_1d_gauss_kronrod", I1D("integrate_1d_gauss_kronrod")},
    {"integrate_1d_gauss_kronrod_tol", I1D_TOL("integrate_1d_gauss_kronrod_tol")},
    {"dae", DAE_F "generated quantities {\n  array[3] vector[2] y = dae(res, y0, yp0, t0, ts, p);\n}\n"},
    {"dae_tol", DAE_F "generated quantities {\n  array[3] vector[2] y = dae_tol(res, y0, yp0, t0, ts, 1e-6, 1e-6, 1000, p);\n}\n"},
    {"laplace_marginal", LAP_MODEL("laplace_marginal(ll, (y,), 1, K, (x, alpha, rho))")},
    {"laplace_marginal_tol", LAP_MODEL("laplace_marginal_tol(ll, (y,), 1, K, (x, alpha, rho), " LAP_TOL ")")},
    {"laplace_marginal_poisson_log_lpmf",
     LAP_MODEL("laplace_marginal_poisson_log_lpmf(y | yi, m0, 1, K, (x, alpha, rho))")},
    {"laplace_marginal_tol_poisson_log_lpmf",
     LAP_MODEL("laplace_marginal_tol_poisson_log_lpmf(y | yi, m0, 1, K, (x, alpha, rho), " LAP_TOL ")")},
    {"laplace_marginal_bernoulli_logit_lpmf",
     LAP_MODEL("laplace_marginal_bernoulli_logit_lpmf(y | yi, m0, 1, K, (x, alpha, rho))")},
    {"laplace_marginal_tol_bernoulli_logit_lpmf",
     LAP_MODEL("laplace_marginal_tol_bernoulli_logit_lpmf(y | yi, m0, 1, K, (x, alpha, rho), " LAP_TOL ")")},
    {"laplace_marginal_neg_binomial_2_log_lpmf",
     LAP_MODEL("laplace_marginal_neg_binomial_2_log_lpmf(y | yi, ye, m0, 1, K, (x, alpha, rho))")},
    {"laplace_marginal_tol_neg_binomial_2_log_lpmf",
     LAP_MODEL("laplace_marginal_tol_neg_binomial_2_log_lpmf(y | yi, ye, m0, 1, K, (x, alpha, rho), " LAP_TOL ")")},
    {"laplace_latent_rng", LAP_GQ("vector[n] th", "laplace_latent_rng(ll, (y,), 1, K, (x, alpha, rho))")},
    {"laplace_latent_tol_rng",
     LAP_GQ("vector[n] th", "laplace_latent_tol_rng(ll, (y,), 1, K, (x, alpha, rho), " LAP_TOL ")")},
    {"laplace_latent_poisson_log_rng",
     LAP_GQ("vector[n] th", "laplace_latent_poisson_log_rng(y, yi, m0, 1, K, (x, alpha, rho))")},
    {"laplace_latent_tol_poisson_log_rng",
     LAP_GQ("vector[n] th", "laplace_latent_tol_poisson_log_rng(y, yi, m0, 1, K, (x, alpha, rho), " LAP_TOL ")")},
    {"laplace_latent_bernoulli_logit_rng",
     LAP_GQ("vector[n] th", "laplace_latent_bernoulli_logit_rng(y, yi, m0, 1, K, (x, alpha, rho))")},
    {"laplace_latent_tol_bernoulli_logit_rng",
     LAP_GQ("vector[n] th", "laplace_latent_tol_bernoulli_logit_rng(y, yi, m0, 1, K, (x, alpha, rho), " LAP_TOL ")")},
    {"laplace_latent_neg_binomial_2_log_rng",
     LAP_GQ("vector[n] th", "laplace_latent_neg_binomial_2_log_rng(y, yi, ye, m0, 1, K, (x, alpha, rho))")},
    {"laplace_latent_tol_neg_binomial_2_log_rng",
     LAP_GQ("vector[n] th",
            "laplace_latent_tol_neg_binomial_2_log_rng(y, yi, ye, m0, 1, K, (x, alpha, rho), " LAP_TOL ")")},
    {"laplace_latent_solve",
     LAP_GQ("tuple(vector[n], matrix[n, n]) mc", "laplace_latent_solve(ll, (y,), 1, K, (x, alpha, rho))")},
    {"laplace_latent_solve_tol",
     LAP_GQ("tuple(vector[n], matrix[n, n]) mc", "laplace_latent_solve_tol(ll, (y,), 1, K, (x, alpha, rho), " LAP_TOL ")")},
    {NULL, NULL}};

/* ---- running one program ---- */

/* Parses, checks and lowers src as `urn check` does.  Returns 1 when accepted; otherwise msg gets the first
 * line of the error.  When accepted and want_ret is given, the type of generated quantity fc_ret's
 * initializer must print as want_ret (else 0 with a message). */
static int run_program(const char *path, const char *src, const char *want_ret, char *msg, size_t cap) {
  urn_error err;
  urn_error_clear(&err);
  msg[0] = 0;
  urn_program *ast = urn_parse(path, src, strlen(src), &err);
  int ok = ast && urn_check(ast, &err) == URN_OK;
  if (ok) {
    urn_prog *p = urn_lower(ast, &err);
    ok = p != NULL;
    if (p) urn_prog_free(p);
  }
  if (!ok) {
    const char *nl = strchr(err.msg, '\n');
    size_t n = nl ? (size_t)(nl - err.msg) : strlen(err.msg);
    snprintf(msg, cap, "%.*s", (int)(n < cap - 1 ? n : cap - 1), err.msg);
  } else if (want_ret) {
    for (int blk = URN_BLK_TPARAMS; blk <= URN_BLK_GQ; blk++)
      for (int i = 0; i < ast->blocks[blk].nstmts; i++) {
        const urn_stmt *s = ast->blocks[blk].stmts[i];
        if (s->kind != URN_ST_DECL || strcmp(s->decl->name, "fc_ret") != 0 || !s->decl->init) continue;
        char got[128];
        urn_type_format(s->decl->init->ty, got, sizeof got);
        if (strcmp(got, want_ret) != 0) ok = 0, snprintf(msg, cap, "returns %s, Stan returns %s", got, want_ret);
      }
  }
  urn_program_free(ast);
  return ok;
}

/* ---- per-name results ---- */

typedef struct name_result {
  char *name;      /* the function name */
  int nsig;        /* its signatures (1 for a probed variadic name) */
  int npass;       /* how many passed */
  int variadic;    /* checked by a probe (no line in the signature file) */
  int bad_complex; /* failing signatures with a complex type */
  int bad_tuple;   /* failing signatures with a tuple type */
  char *first_bad; /* the first failing signature and its message, or NULL */
} name_result;

typedef struct run {
  name_result *names; /* every name seen, in file order */
  int nnames, cap;    /* count and capacity */
  char **bad;         /* every failing signature (or `name(*)` probe entry), in order */
  int nbad, badcap;   /* count and capacity */
  char **good;        /* every passing signature */
  int ngood, goodcap; /* count and capacity */
  int nsig, npass;    /* signature totals */
} run;

static name_result *name_entry(run *r, const char *name) {
  if (r->nnames && strcmp(r->names[r->nnames - 1].name, name) == 0) return &r->names[r->nnames - 1];
  for (int i = 0; i < r->nnames; i++)
    if (strcmp(r->names[i].name, name) == 0) return &r->names[i];
  if (r->nnames == r->cap) r->cap = r->cap ? 2 * r->cap : 1024, r->names = urn_xrealloc(r->names, (size_t)r->cap * sizeof *r->names);
  name_result *e = &r->names[r->nnames++];
  memset(e, 0, sizeof *e);
  e->name = urn_xstrdup(name);
  return e;
}

static void push(char ***v, int *n, int *cap, const char *s) {
  if (*n == *cap) *cap = *cap ? 2 * *cap : 1024, *v = urn_xrealloc(*v, (size_t)*cap * sizeof **v);
  (*v)[(*n)++] = urn_xstrdup(s);
}

static void record(run *r, const char *name, const char *sig, int ok, const char *msg, int verbose) {
  name_result *e = name_entry(r, name);
  e->nsig++;
  if (ok) {
    e->npass++;
    push(&r->good, &r->ngood, &r->goodcap, sig);
    return;
  }
  push(&r->bad, &r->nbad, &r->badcap, sig);
  if (strstr(sig, "complex")) e->bad_complex++;
  else if (strstr(sig, "tuple(")) e->bad_tuple++;
  if (!e->first_bad) {
    urn_buf b;
    urn_buf_init(&b);
    urn_buf_printf(&b, "%s: %s", sig, msg);
    e->first_bad = b.data;
  }
  if (verbose) printf("  FAIL %s: %s\n", sig, msg);
}

static int in_list(const char *name, const char *const *only) {
  if (!only) return 1;
  for (int i = 0; only[i]; i++)
    if (strcmp(only[i], name) == 0) return 1;
  return 0;
}

static void write_program(const char *dir, int k, const char *name, const char *src) {
  if (!dir) return;
  char path[4096];
  snprintf(path, sizeof path, "%s/%05d_%s.stan", dir, k, name);
  FILE *f = fopen(path, "w");
  if (f) fputs(src, f), fclose(f);
}

/* Runs every signature of the shared file (and the probes); returns 0 when the file cannot be read. */
static int run_all(const char *shared, run *r, const char *const *only, int verbose, const char *write_dir) {
  char path[4096], cmd[4200];
  snprintf(path, sizeof path, "%s/stanc3/stan_math_signatures.txt.xz", shared);
  struct stat st;
  if (stat(path, &st) != 0) return 0;
  snprintf(cmd, sizeof cmd, "xz -dc '%s'", path);
  FILE *in = popen(cmd, "r");
  if (!in) return 0;
  char line[4096], msg[512];
  int k = 0;
  while (fgets(line, sizeof line, in)) {
    line[strcspn(line, "\r\n")] = 0;
    if (!line[0]) continue;
    urn_buf prog;
    urn_buf_init(&prog);
    char *name = NULL, *ret = NULL;
    k++;
    if (!make_program(line, &prog, &name, &ret)) {
      fprintf(stderr, "conformance_functions: cannot read signature line %d: %s\n", k, line);
      urn_buf_free(&prog);
      continue;
    }
    if (in_list(name, only)) {
      r->nsig++;
      write_program(write_dir, k, name, prog.data);
      int ok = run_program(name, prog.data, ret, msg, sizeof msg);
      r->npass += ok;
      record(r, name, line, ok, msg, verbose);
    }
    free(name), free(ret);
    urn_buf_free(&prog);
  }
  if (pclose(in) != 0) return 0;
  for (const probe *p = probes; p->name; p++) {
    if (!in_list(p->name, only)) continue;
    write_program(write_dir, ++k, p->name, p->program);
    int ok = run_program(p->name, p->program, NULL, msg, sizeof msg);
    char sig[256];
    snprintf(sig, sizeof sig, "%s(*)", p->name);
    record(r, p->name, sig, ok, msg, verbose);
    name_entry(r, p->name)->variadic = 1;
  }
  return 1;
}

/* Reads the names of function_names.txt into a NULL-terminated array (NULL when absent). */
static char **read_names(const char *shared, int *n) {
  char path[4096], line[512];
  snprintf(path, sizeof path, "%s/stanc3/function_names.txt", shared);
  FILE *f = fopen(path, "r");
  if (!f) return NULL;
  char **v = NULL;
  int cap = 0;
  *n = 0;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n ")] = 0;
    if (!line[0]) continue;
    push(&v, n, &cap, line);
  }
  fclose(f);
  push(&v, n, &cap, "");
  free(v[--*n]);
  v[*n] = NULL;
  return v;
}

/* ---- the known-failures list (test mode) ---- */

typedef struct known {
  char **lines;    /* every non-comment line (a signature or `name(*)`) */
  int n, cap;      /* count and capacity */
  char **comments; /* the comment lines before the first entry (kept by --update) */
  int nc, ccap;    /* count and capacity */
  char **exc;      /* the `## exceptions` section, verbatim (kept by --update) */
  int ne, ecap;    /* count and capacity */
} known;

static void read_known(const char *path, known *k) {
  memset(k, 0, sizeof *k);
  FILE *f = fopen(path, "r");
  if (!f) return;
  char line[4096];
  int in_exc = 0;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = 0;
    if (strncmp(line, "## exceptions", 13) == 0) in_exc = 1;
    if (in_exc) push(&k->exc, &k->ne, &k->ecap, line);
    if (line[0] == '#' || !line[0]) {
      if (!in_exc && !k->n) push(&k->comments, &k->nc, &k->ccap, line);
      continue;
    }
    char *hash = strstr(line, "  #"); /* a reason after the entry */
    if (hash) *hash = 0;
    push(&k->lines, &k->n, &k->cap, line);
  }
  fclose(f);
}

static int known_has(const known *k, const char *name, const char *sig) {
  char all[256];
  snprintf(all, sizeof all, "%s(*)", name);
  for (int i = 0; i < k->n; i++)
    if (strcmp(k->lines[i], sig) == 0 || strcmp(k->lines[i], all) == 0) return 1;
  return 0;
}

/* The name of a signature line (the text before '('). */
static void sig_name(const char *sig, char *out, size_t cap) {
  size_t n = strcspn(sig, "(");
  snprintf(out, cap, "%.*s", (int)(n < cap - 1 ? n : cap - 1), sig);
}

static int is_exception(const known *k, const char *entry) {
  for (int i = 0; i < k->ne; i++) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", k->exc[i]);
    char *hash = strstr(buf, "  #");
    if (hash) *hash = 0;
    if (strcmp(buf, entry) == 0) return 1;
  }
  return 0;
}

/* Rewrites the known list from this run: names whose every signature fails as `name(*)`, else each failing
 * signature; entries of the exceptions section are not repeated above it. */
static int write_known(const char *path, const known *k, const run *r) {
  FILE *f = fopen(path, "w");
  if (!f) return 0;
  for (int i = 0; i < k->nc; i++) fprintf(f, "%s\n", k->comments[i]);
  int b = 0;
  for (int i = 0; i < r->nnames; i++) {
    const name_result *e = &r->names[i];
    char all[256];
    snprintf(all, sizeof all, "%s(*)", e->name);
    if (e->npass == 0) {
      if (!is_exception(k, all)) fprintf(f, "%s\n", all);
      while (b < r->nbad) { /* skip this name's entries */
        char nm[256];
        sig_name(r->bad[b], nm, sizeof nm);
        if (strcmp(nm, e->name) != 0) break;
        b++;
      }
      continue;
    }
    for (; b < r->nbad; b++) {
      char nm[256];
      sig_name(r->bad[b], nm, sizeof nm);
      if (strcmp(nm, e->name) != 0) break;
      if (!is_exception(k, r->bad[b])) fprintf(f, "%s\n", r->bad[b]);
    }
  }
  if (k->ne) fputc('\n', f);
  for (int i = 0; i < k->ne; i++) fprintf(f, "%s\n", k->exc[i]);
  fclose(f);
  return 1;
}

/* ---- docs/functions.md ---- */

static int cmp_name_ptr(const void *a, const void *b) {
  const name_result *x = *(const name_result *const *)a, *y = *(const name_result *const *)b;
  return strcmp(x->name, y->name);
}

static const char *kind_of(const char *name) {
  static const char *dist[] = {"_lpdf", "_lpmf", "_cdf", "_lcdf", "_lccdf", "_rng", "_qf"};
  static const char *tr[] = {"_constrain", "_unconstrain", "_jacobian"};
  size_t n = strlen(name);
  for (size_t i = 0; i < sizeof tr / sizeof *tr; i++)
    if (n > strlen(tr[i]) && strcmp(name + n - strlen(tr[i]), tr[i]) == 0) return "transform";
  for (size_t i = 0; i < sizeof dist / sizeof *dist; i++)
    if (n > strlen(dist[i]) && strcmp(name + n - strlen(dist[i]), dist[i]) == 0) return "distribution";
  return "function";
}

/* A table cell: '|' escaped, newlines dropped. */
static void cell(urn_buf *b, const char *s) {
  for (; s && *s; s++) {
    if (*s == '|') urn_buf_puts(b, "\\|");
    else if (*s != '\n') urn_buf_putc(b, *s);
  }
}

/* docs/functions.md: every name of function_names.txt with urn's status and the built-in table's description. */
static void render_docs(urn_buf *b, const run *r, int ntotal, int present, int complete) {
  urn_buf_puts(b, "# Stan's built-in functions in urn\n\n"
                  "<!-- Generated by tests/conformance_functions.c from the built-in table (src/lang/builtins.c and\n"
                  "     the fn_*.c it merges) and ../shared/stanc3; do not edit by hand: run `make functions-docs`. -->\n\n"
                  "Every one of the names of Stan 2.37's function library (`../shared/stanc3/function_names.txt`), with how\n"
                  "many of its signatures (`stan_math_signatures.txt.xz`) urn accepts, as `make conformance-functions`\n"
                  "measures them ([conformance.md](conformance.md)); the variadic higher-order names have no signature\n"
                  "lines and are checked by a probe program.  The description is the built-in table's, which the checker\n"
                  "and the evaluator read too.  Distributions are described in [distributions.md](distributions.md),\n"
                  "numerical methods and accuracy in [math.md](math.md).\n\n");
  int nsig = 0, npass = 0;
  for (int i = 0; i < r->nnames; i++) nsig += r->names[i].variadic ? 0 : r->names[i].nsig, npass += r->names[i].variadic ? 0 : r->names[i].npass;
  urn_buf_printf(b, "**names: %d/%d; signatures: %d/%d**; %d names with every signature.\n\n", present, ntotal, npass,
                 nsig, complete);
  urn_buf_puts(b, "| name | kind | signatures accepted | description |\n|---|---|---|---|\n");
  const name_result **v = urn_xmalloc(((size_t)r->nnames + 1) * sizeof *v);
  for (int i = 0; i < r->nnames; i++) v[i] = &r->names[i];
  qsort(v, (size_t)r->nnames, sizeof *v, cmp_name_ptr);
  for (int i = 0; i < r->nnames; i++) {
    const name_result *e = v[i];
    urn_buf_printf(b, "| `%s` | %s | ", e->name, kind_of(e->name));
    if (e->variadic) urn_buf_puts(b, e->npass ? "yes (variadic; probe accepted)" : "**no** (variadic; probe refused)");
    else if (e->nsig == 0) urn_buf_puts(b, "**no**");
    else if (e->npass == e->nsig) urn_buf_printf(b, "all %d", e->nsig);
    else {
      urn_buf_printf(b, "%s%d of %d%s", e->npass ? "" : "**", e->npass, e->nsig, e->npass ? "" : "**");
      int other = e->nsig - e->npass - e->bad_complex - e->bad_tuple;
      urn_buf_puts(b, " (missing:");
      if (e->bad_complex) urn_buf_printf(b, " %d complex", e->bad_complex);
      if (e->bad_tuple) urn_buf_printf(b, "%s %d tuple", e->bad_complex ? "," : "", e->bad_tuple);
      if (other) urn_buf_printf(b, "%s %d other", e->bad_complex || e->bad_tuple ? "," : "", other);
      urn_buf_puts(b, ")");
    }
    urn_buf_puts(b, " | ");
    size_t count = 0;
    const urn_builtin *t = urn_builtin_table(&count);
    const char *doc = NULL;
    for (size_t k = 0; k < count && !doc; k++)
      if (strcmp(t[k].name, e->name) == 0 && t[k].doc && *t[k].doc) doc = t[k].doc;
    cell(b, doc ? doc : "");
    urn_buf_puts(b, " |\n");
  }
  free(v);
}

static void free_strs(char **v, int n) {
  for (int i = 0; i < n; i++) free(v[i]);
  free(v);
}

static void free_run(run *r) {
  for (int i = 0; i < r->nnames; i++) free(r->names[i].name), free(r->names[i].first_bad);
  free(r->names);
  free_strs(r->bad, r->nbad), free_strs(r->good, r->ngood);
}

/* ---- main ---- */

static char **split_commas(const char *s) {
  int n = 1;
  for (const char *c = s; *c; c++) n += *c == ',';
  char **v = urn_xmalloc((size_t)(n + 1) * sizeof *v);
  int k = 0;
  while (*s) {
    size_t len = strcspn(s, ",");
    if (len) v[k++] = urn_xstrndup(s, len);
    s += len;
    if (*s == ',') s++;
  }
  v[k] = NULL;
  return v;
}

int main(int argc, char **argv) {
  const char *shared = NULL, *write_dir = NULL, *known_path = NULL, *docs = NULL;
  char **only = NULL;
  int verbose = 0, update = 0, check_docs = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--shared") == 0 && i + 1 < argc) shared = argv[++i];
    else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) only = split_commas(argv[++i]);
    else if (strcmp(argv[i], "--write") == 0 && i + 1 < argc) write_dir = argv[++i];
    else if (strcmp(argv[i], "--known") == 0 && i + 1 < argc) known_path = argv[++i];
    else if (strcmp(argv[i], "--verbose") == 0) verbose = 1;
    else if (strcmp(argv[i], "--update") == 0) update = 1;
    else if (strcmp(argv[i], "--docs") == 0 && i + 1 < argc) docs = argv[++i];
    else if (strcmp(argv[i], "--check-docs") == 0 && i + 1 < argc) docs = argv[++i], check_docs = 1;
    else {
      fprintf(stderr, "usage: conformance_functions [--shared DIR] [--only NAME,...] [--verbose] [--write DIR] "
                      "[--known FILE [--update]] [--docs FILE | --check-docs FILE]\n");
      return 2;
    }
  }
  if (!shared) {
    const char *env = getenv("URN_SHARED");
    shared = env && *env ? env : "../shared";
  }
  run r;
  memset(&r, 0, sizeof r);
  if (!run_all(shared, &r, (const char *const *)only, verbose, write_dir)) {
    printf("skipped: no %s/stanc3/stan_math_signatures.txt.xz (set URN_SHARED)\n", shared);
    if (known_path) printf("0 passed, 0 failed\n");
    free_run(&r);
    return 0;
  }
  int nall = 0;
  char **all = read_names(shared, &nall);
  /* names of function_names.txt never seen are missing */
  int ntotal = 0; /* the names of function_names.txt (those of --only) */
  for (int i = 0; all && i < nall; i++)
    if (in_list(all[i], (const char *const *)only)) name_entry(&r, all[i]), ntotal++;
  if (!all) ntotal = r.nnames;
  int present = 0, complete = 0;
  for (int i = 0; i < r.nnames; i++) {
    name_result *e = &r.names[i];
    present += e->npass > 0;
    complete += e->nsig > 0 && e->npass == e->nsig;
    if (!known_path && e->npass < e->nsig)
      printf("%-9s %-40s %d/%d%s  %s\n", e->npass ? "PARTIAL" : "MISSING", e->name, e->npass, e->nsig,
             e->variadic ? " (probe)" : "", e->first_bad ? e->first_bad : "");
    else if (!known_path && e->nsig == 0)
      printf("%-9s %-40s no signature line and no probe\n", "MISSING", e->name);
  }
  int rc = 0;
  if (docs && !only) { /* write docs/functions.md, or compare it with the committed one */
    urn_buf b;
    urn_buf_init(&b);
    render_docs(&b, &r, ntotal, present, complete);
    size_t len = 0;
    char *old = NULL;
    FILE *f = fopen(docs, "rb");
    if (f) {
      fseek(f, 0, SEEK_END);
      long sz = ftell(f);
      fseek(f, 0, SEEK_SET);
      old = urn_xmalloc((size_t)(sz > 0 ? sz : 0) + 1);
      len = fread(old, 1, (size_t)(sz > 0 ? sz : 0), f);
      old[len] = 0;
      fclose(f);
    }
    int same = old && len == b.len && memcmp(old, b.data, len) == 0;
    if (check_docs) {
      printf("%s: %s\n", docs, same ? "up to date" : "STALE (regenerate it with: make functions-docs)");
      if (!same) rc = 3;
    } else if (!same) {
      f = fopen(docs, "wb");
      if (!f || fwrite(b.data, 1, b.len, f) != b.len) fprintf(stderr, "cannot write %s\n", docs), rc = 1;
      if (f) fclose(f);
      printf("wrote %s\n", docs);
    }
    free(old);
    urn_buf_free(&b);
  }
  if (known_path) {
    known k;
    read_known(known_path, &k);
    int npass = 0, nfail = 0, nnow = 0, b = 0, g = 0;
    for (int i = 0; i < r.nnames; i++) {
      const name_result *e = &r.names[i];
      int regress = 0;
      for (; b < r.nbad; b++) {
        char nm[256];
        sig_name(r.bad[b], nm, sizeof nm);
        if (strcmp(nm, e->name) != 0) break;
        if (!update && !known_has(&k, e->name, r.bad[b])) {
          if (!regress) fprintf(stderr, "FAIL %s: not accepted (and not in %s): %s\n", e->name, known_path,
                                e->first_bad ? e->first_bad : r.bad[b]);
          regress++;
        }
      }
      for (; g < r.ngood; g++) {
        char nm[256];
        sig_name(r.good[g], nm, sizeof nm);
        if (strcmp(nm, e->name) != 0) break;
        if (known_has(&k, e->name, r.good[g]) && !update) {
          if (nnow++ < 20) printf("now accepted (remove from %s): %s\n", known_path, r.good[g]);
        }
      }
      if (regress) nfail++;
      else npass++;
    }
    if (nnow > 20) printf("... %d signatures of the known list are now accepted\n", nnow);
    if (update) {
      if (!write_known(known_path, &k, &r)) fprintf(stderr, "cannot write %s\n", known_path), rc = 1;
      else printf("wrote %s\n", known_path);
    }
    printf("names: %d/%d; signatures: %d/%d\n", present, ntotal, r.npass, r.nsig);
    if (rc == 3) nfail++, fprintf(stderr, "FAIL %s is stale: run make functions-docs\n", docs);
    printf("%d passed, %d failed\n", npass + (docs != NULL && rc != 3), nfail);
    rc = rc || nfail;
    free_strs(k.lines, k.n), free_strs(k.comments, k.nc), free_strs(k.exc, k.ne);
  } else {
    printf("complete names (every signature accepted): %d/%d\n", complete, ntotal);
    printf("names: %d/%d; signatures: %d/%d\n", present, ntotal, r.npass, r.nsig);
  }
  free_run(&r);
  if (all) free_strs(all, nall);
  if (only) {
    for (int i = 0; only[i]; i++) free(only[i]);
    free(only);
  }
  return rc;
}
