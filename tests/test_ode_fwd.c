/* tests/test_ode_fwd.c — ODE right-hand sides run in forward mode
 * (src/lang/fn_usys_fwd.c) instead of through the interpreter and the tape:
 * which bodies are translated and which are not; the value of f (the same
 * bits as the interpreter's) and its Jacobians df/dy, df/dp against closed
 * forms and against the tape's (to rounding) on three bodies (Lotka-Volterra
 * with locals, posteriordb's one_comp_mm_elim_abs with `if` and exp, and a
 * body with runtime indexes, ints, &&, ||, ?:, ^ and built-ins: the math
 * kernels' partials and, for fma and log_mix, those of the node they push),
 * and the tangent layout's (df/dy) S + df/dp against the tape's Jacobians;
 * whole models with ode_rk45, ode_bdf and the old interface against the same
 * models lowered with no_batch (the tape path): log densities and gradients
 * to 1e-10 / 1e-8,
 * gradients against finite differences, and an index out of range met at
 * run time and an int overflow giving the interpreter's messages on both
 * paths. */
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "lang/check.h"
#include "lang/eval.h"
#include "lang/fn.h"
#include "lang/parser.h"
#include "math/ode.h"
#include "model_fd.h"
#include "urn/model.h"

static const char *FUNS =
    "functions {\n"
    "  array[] real lv(real t, array[] real z, array[] real th, array[] real x_r, array[] int x_i) {\n"
    "    real u = z[1];\n"
    "    real v = z[2];\n"
    "    real du = (th[1] - th[2] * v) * u;\n"
    "    real dv = (-th[3] + th[4] * u) * v;\n"
    "    return {du, dv};\n"
    "  }\n"
    "  array[] real oc(real t, array[] real y, array[] real th, array[] real x_r, array[] int x_i) {\n"
    "    array[1] real dydt;\n"
    "    real dose = 0;\n"
    "    real elim = (th[3] / x_r[2]) * y[1] / (th[2] + y[1]);\n"
    "    if (t > 0) {\n"
    "      dose = exp(-th[1] * t) * x_r[1] * th[1] / x_r[2];\n"
    "    }\n"
    "    dydt[1] = dose - elim;\n"
    "    return dydt;\n"
    "  }\n"
    "  vector g(real t, vector y, real a, array[] real th, array[] int ix) {\n"
    "    vector[2] d;\n"
    "    int k = ix[1] + 1;\n"
    "    real s = th[k] ^ 2 + square(y[2]) * a;\n"
    "    if (t > 1 && y[1] > 0 || a < 0) d[1] = -a * y[1] + log1p(s); else d[1] = fmax(y[1], y[2]) / s + fma(y[1], a, log_mix(0.3, y[2], th[1]));\n"
    "    d[2] = t < 0.5 ? y[1] * y[2] : sin(y[1]) - th[ix[2]];\n"
    "    return d;\n"
    "  }\n"
    "  vector gs(real t, vector y, real a, array[] real th, array[] int ix) {\n"
    "    vector[2] d;\n"
    "    int k = ix[1] + 1;\n"
    "    real s = th[k] ^ 2 + square(y[2]) * a;\n"
    "    d[1] = -a * y[1] + log1p(s) * (t > -1 && a > 0 || a < -5 ? 1 : 0.5);\n"
    "    d[2] = y[1] * 0.3 - th[ix[2]] * y[2] + 0.01 * fma(y[1], a, log_mix(0.3, y[2], th[1]));\n"
    "    return d;\n"
    "  }\n"
    "  vector h1(real t, vector y, real a) { return -a * y; }\n"
    "  vector h2(real t, vector y, real a) { vector[2] d; for (i in 1:2) d[i] = -a * y[i]; return d; }\n"
    "  vector h3(real t, vector y, real a) { vector[2] d; d[1] = a; print(a); d[2] = y[1]; return d; }\n"
    "}\n";

/* The lowered program of FUNS (and its AST, freed by the caller). */
static urn_prog *lower_funs(urn_program **ast) {
  urn_error err;
  *ast = urn_parse("fwd.stan", FUNS, strlen(FUNS), &err);
  if (!*ast || urn_check(*ast, &err) != URN_OK) {
    printf("FUNS does not check: %s\n", err.msg);
    return NULL;
  }
  return urn_lower(*ast, &err);
}

static const ir_fun *fun_named(const urn_prog *p, const char *name) {
  for (int i = 0; i < p->nfuns; i++)
    if (strcmp(p->funs[i]->name, name) == 0) return p->funs[i];
  return NULL;
}

/* A system of function f on the values t, y (N), then the extra arguments x[0..nx) (sizes n[k], types ty[k];
 * every entry of the arguments with var[k] set is a parameter direction). */
typedef struct sys {
  urn_usys u;        /* the system */
  urn_val args[6];   /* t, y, extras */
  double t;          /* time */
  double J[16], Jp[64]; /* Jacobians */
  int p_arg[16];     /* parameter directions */
  size_t p_pos[16];
  int32_t nodes[16]; /* dummy tape nodes of the parameter arguments */
} sys;

static void sys_init(sys *s, urn_ev *ev, const ir_fun *f, size_t N, urn_type yty, int nx, const urn_type *ty,
                     double *const *x, const size_t *n, const int *var) {
  memset(s, 0, sizeof *s);
  s->u.ev = ev, s->u.f = f, s->u.N = N, s->u.fargs = s->args, s->u.nfargs = 2 + nx, s->u.ys = 1;
  s->u.J = s->J, s->u.Jp = s->Jp, s->u.p_arg = s->p_arg, s->u.p_pos = s->p_pos;
  urn_val_scalar(&s->args[0], (urn_type){URN_TY_REAL, 0}, &s->t);
  s->args[1].ty = yty, s->args[1].n = N, s->args[1].dim[0] = (int32_t)N;
  for (int i = 0; i < 16; i++) s->nodes[i] = 0;
  for (int k = 0; k < nx; k++) {
    urn_val *a = &s->args[2 + k];
    a->ty = ty[k], a->v = x[k], a->n = n[k], a->dim[0] = (int32_t)n[k];
    if (var[k]) {
      a->ix = s->nodes;
      for (size_t i = 0; i < n[k]; i++) s->p_arg[s->u.Kp] = 2 + k, s->p_pos[s->u.Kp++] = i;
    }
  }
}

/* f(t, y) with its Jacobians by the tape (fwd 0) or in forward mode (fwd 1, translated: *translated). */
static size_t sys_call(sys *s, int fwd, double t, const double *y, double *out, int *translated) {
  s->u.fwd_try = fwd;
  urn_usys_begin(&s->u);
  s->t = t;
  size_t r = urn_usys_call(&s->u, y, out, 2);
  if (translated) *translated = s->u.fwd != NULL;
  urn_usys_end(&s->u);
  return r;
}

/* f(t, y) and dS = (df/dy) St + [0, df/dp] by the tangent layout (K0 initial-state directions): 0 if declined. */
static size_t sys_call_tan(sys *s, double t, const double *y, const double *St, size_t K0, double *out, double *dS) {
  s->u.fwd_try = 1;
  urn_usys_begin(&s->u);
  s->t = t;
  size_t r = urn_usys_call_tan(&s->u, y, St, K0, out, dS);
  urn_usys_end(&s->u);
  return r;
}

/* Which bodies are translated; f and its Jacobians against closed forms and the tape. */
static void test_translation(void) {
  urn_program *ast = NULL;
  urn_prog *p = lower_funs(&ast);
  CHECK(p != NULL, "the test functions lower");
  if (!p) return;
  urn_error err = {0};
  urn_ev ev;
  memset(&ev, 0, sizeof ev);
  urn_tape_init(&ev.tape);
  urn_arena_init(&ev.arena, 1 << 16);
  ev.prog = p, ev.err = &err;
  if (setjmp(ev.jb)) {
    CHECK(0, "an evaluation failed: %s", err.msg);
    goto done;
  }
  urn_type areal = {URN_TY_REAL, 1}, aint = {URN_TY_INT, 1}, real = {URN_TY_REAL, 0}, vec = {URN_TY_VECTOR, 0};
  /* Lotka-Volterra: closed forms */
  {
    double th[4] = {0.55, 0.028, 0.8, 0.024}, xr[1] = {0}, xi[1] = {0}, y[2] = {33, 6}, f[2], f2[2];
    double *x[3] = {th, xr, xi};
    size_t n[3] = {4, 0, 0};
    int var[3] = {1, 0, 0}, tr = 0;
    urn_type ty[3] = {areal, areal, aint};
    sys s;
    sys_init(&s, &ev, fun_named(p, "lv"), 2, areal, 3, ty, x, n, var);
    CHECK(sys_call(&s, 1, 0.3, y, f, &tr) == 2 && tr, "lv is translated");
    double u = y[0], v = y[1];
    CHECK(f[0] == (th[0] - th[1] * v) * u && f[1] == (-th[2] + th[3] * u) * v, "lv: f has the closed form's bits");
    double J[4] = {th[0] - th[1] * v, -th[1] * u, th[3] * v, -th[2] + th[3] * u};
    double Jp[8] = {u, -v * u, 0, 0, 0, 0, -v, u * v};
    double w = 0;
    for (int i = 0; i < 4; i++) w = fmax(w, fabs(s.J[i] - J[i]) / (fabs(J[i]) + 1e-300));
    for (int i = 0; i < 8; i++) w = fmax(w, fabs(s.Jp[i] - Jp[i]) / (fabs(Jp[i]) + 1e-300) * (Jp[i] != 0) + fabs(s.Jp[i]) * (Jp[i] == 0));
    CHECK(w < 1e-15, "lv: df/dy and df/dtheta are the closed forms (worst relative %g)", w);
    CHECK(sys_call(&s, 0, 0.3, y, f2, NULL) == 2 && f2[0] == f[0] && f2[1] == f[1], "lv: the tape's f, same bits");
    w = 0;
    for (int i = 0; i < 4; i++) w = fmax(w, fabs(s.J[i] - J[i]) / (fabs(J[i]) + 1e-300));
    CHECK(w < 1e-15, "lv: the tape's df/dy is the closed form too (worst relative %g)", w);
  }
  /* one_comp_mm_elim_abs and g: against the tape, at times on both sides of their branches */
  {
    double th[3] = {1.3, 2.2, 0.9}, xr[2] = {30, 2}, xi[1] = {0};
    double *x[3] = {th, xr, xi};
    size_t n[3] = {3, 2, 0};
    int var[3] = {1, 0, 0};
    urn_type ty[3] = {areal, areal, aint};
    sys s;
    sys_init(&s, &ev, fun_named(p, "oc"), 1, areal, 3, ty, x, n, var);
    const double ts[3] = {-0.5, 0, 0.75};
    for (int k = 0; k < 3; k++) {
      double y[1] = {4.5 + k}, f1[1], f2[1], J1[1], Jp1[3];
      int tr = 0;
      sys_call(&s, 1, ts[k], y, f1, &tr);
      memcpy(J1, s.J, sizeof J1), memcpy(Jp1, s.Jp, sizeof Jp1);
      sys_call(&s, 0, ts[k], y, f2, NULL);
      double w = fabs(J1[0] - s.J[0]) / fabs(s.J[0]);
      for (int i = 0; i < 3; i++) w = fmax(w, fabs(Jp1[i] - s.Jp[i]) / (fabs(s.Jp[i]) + 1e-300) * (s.Jp[i] != 0) + fabs(Jp1[i]) * (s.Jp[i] == 0));
      CHECK(tr && f1[0] == f2[0] && w < 1e-14, "oc at t = %g: translated %d, f the same bits (%.17g, %.17g), Jacobians to %g",
            ts[k], tr, f1[0], f2[0], w);
      if (k == 2) {
        double C = y[0], km = th[1], vm = th[2], V = xr[1];
        double dk = (exp(-th[0] * ts[k]) * xr[0] / V) * (1 - th[0] * ts[k]);
        CHECK_REL(Jp1[0], dk, 1e-14, "oc: df/dk_a is the closed form");
        CHECK_REL(Jp1[1], (vm / V) * C / ((km + C) * (km + C)), 1e-14, "oc: df/dK_m is the closed form");
        CHECK_REL(J1[0], -(vm / V) * km / ((km + C) * (km + C)), 1e-14, "oc: df/dy is the closed form");
      }
    }
  }
  {
    double a[1] = {0.7}, th[4] = {0.4, 1.5, -0.3, 2.0}, ix[2] = {1, 4};
    double *x[3] = {a, th, ix};
    size_t n[3] = {1, 4, 2};
    int var[3] = {1, 1, 0};
    urn_type ty[3] = {real, areal, aint};
    const double pts[4][3] = {{0.2, 0.8, -1.1}, {1.5, 0.8, 2.0}, {1.5, -0.8, 0.3}, {0.7, -0.8, 0.3}};
    for (int q = 0; q < 4; q++) {
      sys s;
      a[0] = q == 3 ? -0.4 : 0.7;
      sys_init(&s, &ev, fun_named(p, "g"), 2, vec, 3, ty, x, n, var);
      double y[2] = {pts[q][1], pts[q][2]}, f1[2], f2[2], J1[4], Jp1[10];
      int tr = 0;
      sys_call(&s, 1, pts[q][0], y, f1, &tr);
      memcpy(J1, s.J, sizeof J1), memcpy(Jp1, s.Jp, sizeof Jp1);
      sys_call(&s, 0, pts[q][0], y, f2, NULL);
      double w = 0;
      for (int i = 0; i < 4; i++) w = fmax(w, fabs(J1[i] - s.J[i]) / (fabs(s.J[i]) + 1e-300) * (s.J[i] != 0) + fabs(J1[i]) * (s.J[i] == 0));
      for (int i = 0; i < 10; i++) w = fmax(w, fabs(Jp1[i] - s.Jp[i]) / (fabs(s.Jp[i]) + 1e-300) * (s.Jp[i] != 0) + fabs(Jp1[i]) * (s.Jp[i] == 0));
      CHECK(tr && f1[0] == f2[0] && f1[1] == f2[1] && w < 1e-14,
            "g at point %d: translated %d, f the same bits, Jacobians to %g", q, tr, w);
      /* the tangent layout: one initial-state direction, then the 5 parameters; dS against the tape's J S + Jp */
      double St[12], dS[12], f3[2];
      for (int i = 0; i < 12; i++) St[i] = 0.3 * sin(1.3 * i + q) + (i == 0);
      size_t r = sys_call_tan(&s, pts[q][0], y, St, 1, f3, dS);
      w = 0;
      for (int k = 0; k < 6; k++)
        for (int i = 0; i < 2; i++) {
          double want = k >= 1 ? s.Jp[i * 5 + (k - 1)] : 0;
          for (int j = 0; j < 2; j++) want += s.J[i * 2 + j] * St[k * 2 + j];
          w = fmax(w, fabs(dS[k * 2 + i] - want) / (fabs(want) + 1e-12));
        }
      CHECK(r == 2 && f3[0] == f2[0] && f3[1] == f2[1] && w < 1e-13,
            "g at point %d, tangent layout: f the same bits, dS = J S + Jp to %g", q, w);
    }
  }
  /* outside the subset: vector arithmetic, a loop, print, no return */
  {
    double a[1] = {0.7}, y[2] = {1, 2}, f[2];
    double *x[1] = {a};
    size_t n[1] = {1};
    int var[1] = {1};
    urn_type ty[1] = {real};
    const char *names[3] = {"h1", "h2", "h3"};
    const double want[3][2] = {{-0.7, -1.4}, {-0.7, -1.4}, {0.7, 1}};
    for (int k = 0; k < 3; k++) {
      sys s;
      int tr = 1;
      sys_init(&s, &ev, fun_named(p, names[k]), 2, vec, 1, ty, x, n, var);
      size_t r = sys_call(&s, 1, 0.5, y, f, &tr);
      CHECK(!tr && r == 2 && f[0] == want[k][0] && f[1] == want[k][1] && s.J[0] == (k == 2 ? 0 : -0.7) &&
                s.Jp[1] == (k == 2 ? 0 : -2),
            "%s is not translated and runs interpreted: f = (%g, %g)", names[k], f[0], f[1]);
    }
  }
done:
  urn_arena_free(&ev.arena);
  urn_tape_free(&ev.tape);
  urn_prog_free(p);
  urn_program_free(ast);
}

static urn_model *build(const char *src, const char *data, int nobatch) {
  urn_error err;
  urn_model_options opt;
  urn_model_options_default(&opt);
  opt.no_batch = nobatch;
  urn_model *m = urn_model_new_opt("fwd.stan", src, strlen(src), "fwd.json", data, strlen(data), &opt, &err);
  if (!m) printf("build: %s\n", err.msg);
  return m;
}

/* A run-time error met in the right-hand side at u = 0: the gradient fails with the same message (containing
 * needle) in forward mode and on the tape. */
static void same_failure(const char *src, const char *data, const char *needle, const char *what) {
  urn_model *mf = build(src, data, 0), *mt = build(src, data, 1);
  CHECK(mf && mt, "%s: the model builds", what);
  if (mf && mt) {
    double u[7] = {0}, g[7], lp;
    urn_error e1, e2;
    int r1 = urn_model_log_density_gradient(mf, 0, 1, u, &lp, g, &e1);
    int r2 = urn_model_log_density_gradient(mt, 0, 1, u, &lp, g, &e2);
    CHECK(r1 != URN_OK && r2 != URN_OK && strcmp(e1.msg, e2.msg) == 0 && strstr(e1.msg, needle),
          "%s: the same message both ways: '%s' / '%s'", what, r1 ? e1.msg : "", r2 ? e2.msg : "");
  }
  urn_model_free(mf), urn_model_free(mt);
}

/* Whole models: forward mode against the tape (no_batch), and finite differences. */
static void test_models(void) {
  const char *fmt =
      "%s"
      "data { array[4] real ts; array[2] int ix; }\n"
      "parameters { real<lower=0> a; array[4] real th; vector<lower=0>[2] y0; }\n"
      "transformed parameters { array[4] vector[2] z = %s(gs, y0, 0, ts%s, a, th, ix); }\n"
      "model { a ~ lognormal(0, 0.5); th ~ normal(0, 1); y0 ~ lognormal(0, 0.5);\n"
      "  for (j in 1:4) target += -0.5 * dot_self(z[j] - [1, 0.5]'); }\n";
  /* the old interface: Lotka-Volterra (rk45) and one_comp_mm_elim_abs (bdf), as posteriordb's */
  const char *fmt_old =
      "%s"
      "data { array[4] real ts; array[2] int ix; }\n"
      "parameters { real<lower=0> a; array[4] real<lower=0> th; vector<lower=0>[2] y0; }\n"
      "transformed parameters { array[4, %d] real z = %s; }\n"
      "model { a ~ lognormal(0, 0.5); th ~ lognormal(0, 0.5); y0 ~ lognormal(0, 0.5);\n"
      "  for (j in 1:4) target += -0.5 * square(z[j, 1] - 1) - a * z[j, %d]; }\n";
  const char *data = "{\"ts\": [0.3, 0.9, 1.6, 2.5], \"ix\": [1, 4]}";
  const char *solver[5] = {"ode_rk45", "ode_rk45_tol", "ode_bdf_tol", "integrate_ode_rk45 lv", "integrate_ode_bdf oc"};
  for (int s = 0; s < 5; s++) {
    if ((s == 2 || s == 4) && !urn_ode_available()) {
      printf("skipped: %s (urn built without SUNDIALS)\n", solver[s]);
      continue;
    }
    char src[4096];
    if (s == 3)
      snprintf(src, sizeof src, fmt_old, FUNS, 2, "integrate_ode_rk45(lv, to_array_1d(y0), 0, ts, th, {1.0}, ix)", 2);
    else if (s == 4)
      snprintf(src, sizeof src, fmt_old, FUNS, 1, "integrate_ode_bdf(oc, {y0[1]}, 0, ts, th[1:3], {30, 2}, ix)", 1);
    else
      snprintf(src, sizeof src, fmt, FUNS, solver[s], s == 1 || s == 2 ? ", 1e-10, 1e-10, 100000" : "");
    urn_model *mf = build(src, data, 0), *mt = build(src, data, 1);
    CHECK(mf && mt, "%s model builds", solver[s]);
    if (!mf || !mt) {
      urn_model_free(mf), urn_model_free(mt);
      continue;
    }
    double worst_lp = 0, worst_g = 0;
    for (int q = 0; q < 3; q++) {
      double u[7], gf[7], gt[7], lf, lt;
      for (int i = 0; i < 7; i++) u[i] = 0.3 * sin(1.7 * i + q) - 0.1 * q;
      urn_error e1, e2;
      int r1 = urn_model_log_density_gradient(mf, 0, 1, u, &lf, gf, &e1);
      int r2 = urn_model_log_density_gradient(mt, 0, 1, u, &lt, gt, &e2);
      CHECK(r1 == URN_OK && r2 == URN_OK, "%s point %d evaluates (%s %s)", solver[s], q, r1 ? e1.msg : "",
            r2 ? e2.msg : "");
      worst_lp = fmax(worst_lp, fabs(lf - lt) / (1 + fabs(lt)));
      for (int i = 0; i < 7; i++) worst_g = fmax(worst_g, fabs(gf[i] - gt[i]) / (1 + fabs(gt[i])));
      if (q == 0) {
        double e = model_fd_error(mf, u);
        /* CVODES keeps the sensitivities outside its error control (as Stan): ode_bdf_tol's are good to ~1e-4 */
        CHECK(e < (s == 0 || s == 3 ? 1e-4 : s == 2 ? 1e-3 : 1e-6), "%s forward mode: gradient vs finite differences %g", solver[s], e);
      }
    }
    CHECK(worst_lp < 1e-10 && worst_g < 1e-8, "%s: forward mode vs the tape: lp %g, gradient %g", solver[s], worst_lp,
          worst_g);
    urn_model_free(mf), urn_model_free(mt);
  }
  /* an index out of range met at run time: the interpreter's message on both paths */
  char src[4096];
  snprintf(src, sizeof src, fmt, FUNS, "ode_rk45", "");
  const char *bad = "{\"ts\": [0.3, 0.9, 1.6, 2.5], \"ix\": [1, 5]}";
  same_failure(src, bad, "index 5 out of range", "index out of range");
  /* an int overflow met at run time (ix[1] + 1): declined, the interpreter's message on both paths */
  const char *big = "{\"ts\": [0.3, 0.9, 1.6, 2.5], \"ix\": [2147483647, 4]}";
  same_failure(src, big, "integer overflow", "int overflow");
}

int main(void) {
  test_translation();
  test_models();
  return test_done();
}
