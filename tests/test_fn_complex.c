/* tests/test_fn_complex.c — the complex built-ins called directly
 * (tests/builtin_probe.h): values of the complex scalar functions, pow, abs and
 * arg against numpy (tests/data/gen_cplx.py), closed forms of the others,
 * broadcasting and promotion of real-valued arguments, overload resolution
 * (complex overloads reached by promotion; arrays refused by operators), and
 * every gradient against central finite differences of the same call. */
#include <complex.h>

#include "builtin_probe.h"
#include "data/cplx_table.h"

typedef double complex cd;
static const urn_type TC = {URN_TY_COMPLEX, 0}, TR = {URN_TY_REAL, 0}, TCV = {URN_TY_COMPLEX_VECTOR, 0},
                      TV = {URN_TY_VECTOR, 0}, TCM = {URN_TY_COMPLEX_MATRIX, 0}, TCR = {URN_TY_COMPLEX_ROW_VECTOR, 0};
static const int32_t D0[URN_MAX_DIMS] = {0};

/* f(z) for one complex z; returns the value (NAN on failure). */
static cd call1(const char *name, cd z) {
  urn_ev *ev = probe_ev();
  double v[2] = {creal(z), cimag(z)};
  urn_val a = probe_val(ev, TC, NULL, v, 0), out;
  cd r = NAN;
  if (probe_call(ev, name, &a, 1, &out, NULL, 0) == 0)
    r = urn_base_is_complex(out.ty.base) ? CMPLX(out.v[0], out.v[1]) : CMPLX(out.v[0], 0);
  probe_ev_free(ev);
  return r;
}

static void test_scalar_functions(void) {
  const cd *z = (const cd *)cx_fn_z, *vals = (const cd *)cx_fn_vals;
  double worst = 0, worst_g = 0;
  for (int f = 0; f < 16; f++)
    for (int i = 0; i < 5; i++) {
      cd got = call1(cx_fn_names[f], z[i]), want = vals[f * 5 + i];
      double e = cabs(got - want) / fmax(1, cabs(want));
      worst = fmax(worst, e);
      CHECK(e < 1e-14, "%s(%g%+gi) = %g%+gi, numpy %g%+gi", cx_fn_names[f], creal(z[i]), cimag(z[i]), creal(got), cimag(got),
            creal(want), cimag(want));
      double v[2] = {creal(z[i]), cimag(z[i])};
      const double *vs[1] = {v};
      double g = probe_grad(cx_fn_names[f], 1, &TC, &D0, vs, 1e-6);
      worst_g = fmax(worst_g, g);
      CHECK(g >= 0 && g < 1e-8, "%s: gradient vs finite differences (%.3g)", cx_fn_names[f], g);
    }
  for (int i = 0; i < 5; i++) {
    CHECK_REL(creal(call1("abs", z[i])), cx_fn_abs[i], 1e-15, "abs(z) against numpy");
    CHECK_REL(creal(call1("arg", z[i])), cx_fn_arg[i], 1e-15, "arg(z) against numpy");
    CHECK_REL(creal(call1("norm", z[i])), cabs(z[i]) * cabs(z[i]), 1e-14, "norm(z) = |z|^2");
    cd c = call1("conj", z[i]);
    CHECK(creal(c) == creal(z[i]) && cimag(c) == -cimag(z[i]), "conj(z)");
    CHECK(creal(call1("get_real", z[i])) == creal(z[i]) && creal(call1("get_imag", z[i])) == cimag(z[i]), "get_real, get_imag");
    CHECK(call1("proj", z[i]) == z[i], "proj of a finite z is z");
  }
  cd pinf = call1("proj", CMPLX(INFINITY, -2.0));
  CHECK(isinf(creal(pinf)) && creal(pinf) > 0 && cimag(pinf) == 0 && signbit(cimag(pinf)), "proj(inf - 2i) = inf - 0i");
  const char *nh[] = {"abs", "arg", "norm", "conj", "get_real", "get_imag", "proj"};
  for (int f = 0; f < 7; f++) {
    double v[2] = {0.7, -0.4};
    const double *vs[1] = {v};
    double g = probe_grad(nh[f], 1, &TC, &D0, vs, 1e-6);
    CHECK(g >= 0 && g < 1e-8, "%s: gradient vs finite differences (%.3g)", nh[f], g);
  }
  printf("complex scalar functions: worst %.2e vs numpy, gradients worst %.2e\n", worst, worst_g);
}

static void test_pow_and_arithmetic(void) {
  const cd *z = (const cd *)cx_fn_z, *w = (const cd *)cx_pow_w;
  for (int i = 0; i < 5; i++) {
    urn_ev *ev = probe_ev();
    double a[2] = {creal(z[i]), cimag(z[i])}, b[2] = {creal(w[i]), cimag(w[i])}, r = 2.5;
    urn_val args[2] = {probe_val(ev, TC, NULL, a, 0), probe_val(ev, TC, NULL, b, 0)}, out;
    CHECK(probe_call(ev, "pow", args, 2, &out, NULL, 0) == 0, "pow(complex, complex)");
    cd got = CMPLX(out.v[0], out.v[1]), want = ((const cd *)cx_pow_zw)[i];
    CHECK(cabs(got - want) < 1e-14 * fmax(1, cabs(want)), "pow(z, w) against numpy (%g%+gi vs %g%+gi)", creal(got), cimag(got), creal(want),
          cimag(want));
    args[1] = probe_val(ev, TR, NULL, &r, 0);
    probe_call(ev, "pow", args, 2, &out, NULL, 0);
    want = ((const cd *)cx_pow_z2)[i];
    CHECK(cabs(CMPLX(out.v[0], out.v[1]) - want) < 1e-14 * fmax(1, cabs(want)), "pow(z, 2.5) against numpy");
    args[1] = args[0], args[0] = probe_val(ev, TR, NULL, &r, 0);
    probe_call(ev, "pow", args, 2, &out, NULL, 0);
    want = ((const cd *)cx_pow_2z)[i];
    CHECK(out.ty.base == URN_TY_COMPLEX && cabs(CMPLX(out.v[0], out.v[1]) - want) < 1e-14 * fmax(1, cabs(want)), "pow(2.5, z) against numpy");
    probe_ev_free(ev);
    const urn_type t2[2] = {TC, TC}, t3[2] = {TR, TC};
    const int32_t d2[2][URN_MAX_DIMS] = {{0}, {0}};
    const double *vs[2] = {a, b}, *vr[2] = {&r, a};
    double g = probe_grad("pow", 2, t2, d2, vs, 1e-6), g2 = probe_grad("pow", 2, t3, d2, vr, 1e-6);
    CHECK(g >= 0 && g < 1e-8 && g2 >= 0 && g2 < 1e-8, "pow: gradients vs finite differences (%.3g, %.3g)", g, g2);
  }
  /* broadcasting and promotion: complex_vector op complex, vector op complex, complex op complex_matrix */
  double cv[6] = {1, 2, -3, 0.5, 0.25, -1}, c[2] = {0.5, -2}, rv[3] = {1, -0.5, 1.5}, cm[8] = {1, 0, 0, 1, 2, -1, -0.5, 3};
  int32_t d3[URN_MAX_DIMS] = {3}, d22[URN_MAX_DIMS] = {2, 2};
  const char *ops[] = {"add", "subtract", "elt_multiply", "elt_divide", "multiply", "divide", "pow"};
  cd (*ref[])(cd, cd) = {NULL};
  (void)ref;
  for (int o = 0; o < 7; o++) {
    urn_ev *ev = probe_ev();
    urn_val args[2] = {probe_val(ev, TCV, d3, cv, 0), probe_val(ev, TC, NULL, c, 0)}, out;
    int rc = probe_call(ev, ops[o], args, 2, &out, NULL, 0);
    CHECK(rc == 0 && out.ty.base == URN_TY_COMPLEX_VECTOR && out.n == 6, "%s(complex_vector, complex)", ops[o]);
    for (int i = 0; rc == 0 && i < 3; i++) {
      cd x = CMPLX(cv[2 * i], cv[2 * i + 1]), y = CMPLX(c[0], c[1]), want;
      switch (o) {
        case 0: want = x + y; break;
        case 1: want = x - y; break;
        case 2: case 4: want = x * y; break;
        case 3: case 5: want = x / y; break;
        default: want = cpow(x, y);
      }
      CHECK(cabs(CMPLX(out.v[2 * i], out.v[2 * i + 1]) - want) < 1e-15 * fmax(1, cabs(want)), "%s elementwise value %d", ops[o], i);
    }
    const urn_type t[2] = {TCV, TC}, tv[2] = {TV, TC};
    const int32_t dd[2][URN_MAX_DIMS] = {{3}, {0}};
    const double *vs[2] = {cv, c}, *vv[2] = {rv, c};
    double g = probe_grad(ops[o], 2, t, dd, vs, 1e-6);
    CHECK(g >= 0 && g < 1e-8, "%s(complex_vector, complex): gradient (%.3g)", ops[o], g);
    if (o != 4) { /* vector promoted to complex_vector */
      g = probe_grad(ops[o], 2, tv, dd, vv, 1e-6);
      CHECK(g >= 0 && g < 1e-8, "%s(vector, complex): promotion and gradient (%.3g)", ops[o], g);
    }
    probe_ev_free(ev);
  }
  /* complex_matrix .* complex_matrix, minus, scalar / matrix */
  const urn_type tmm[2] = {TCM, TCM}, tsm[2] = {TC, TCM};
  const int32_t dmm[2][URN_MAX_DIMS] = {{2, 2}, {2, 2}}, dsm[2][URN_MAX_DIMS] = {{0}, {2, 2}};
  const double *vmm[2] = {cm, cm}, *vsm[2] = {c, cm};
  double g = probe_grad("elt_divide", 2, tmm, dmm, vmm, 1e-6);
  CHECK(g >= 0 && g < 1e-8, "complex_matrix ./ complex_matrix gradient (%.3g)", g);
  g = probe_grad("divide", 2, tsm, dsm, vsm, 1e-6);
  CHECK(g >= 0 && g < 1e-8, "complex / complex_matrix gradient (%.3g)", g);
  const double *vm1[1] = {cm};
  g = probe_grad("minus", 1, &TCM, (const int32_t(*)[URN_MAX_DIMS])d22, vm1, 1e-6);
  CHECK(g >= 0 && g < 1e-8, "-complex_matrix gradient (%.3g)", g);
  { /* unary minus on arrays of complex values and complex matrices: values and gradient */
    urn_type tac = {URN_TY_COMPLEX, 1}, tam = {URN_TY_COMPLEX_MATRIX, 1}, rt;
    CHECK(urn_builtin_resolve("minus", &tac, 1, &rt) && rt.base == URN_TY_COMPLEX && rt.dims == 1, "-array[] complex is array[] complex");
    CHECK(urn_builtin_resolve("minus", &tam, 1, &rt) && rt.base == URN_TY_COMPLEX_MATRIX && rt.dims == 1,
          "-array[] complex_matrix is array[] complex_matrix");
    urn_ev *ev = probe_ev();
    int32_t d4[URN_MAX_DIMS] = {4};
    urn_val a = probe_val(ev, tac, d4, cm, 0), out;
    CHECK(probe_call(ev, "minus", &a, 1, &out, NULL, 0) == 0 && out.n == 8 && out.ty.dims == 1, "-array[] complex call");
    for (int i = 0; i < 8 && out.n == 8; i++) CHECK(out.v[i] == -cm[i], "-array[] complex value %d", i);
    probe_ev_free(ev);
    const int32_t da[1][URN_MAX_DIMS] = {{4}}, dam[1][URN_MAX_DIMS] = {{1, 2, 2}};
    g = probe_grad("minus", 1, &tac, da, vm1, 1e-6);
    CHECK(g >= 0 && g < 1e-8, "-array[] complex gradient (%.3g)", g);
    g = probe_grad("minus", 1, &tam, dam, vm1, 1e-6);
    CHECK(g >= 0 && g < 1e-8, "-array[] complex_matrix gradient (%.3g)", g);
  }
  /* resolution: arrays are not operands; vector + complex_row_vector is refused; real pow stays real */
  urn_type ta[2] = {{URN_TY_COMPLEX, 1}, TC}, tvr[2] = {TV, TCR}, trr[2] = {TR, TR}, ret;
  CHECK(!urn_builtin_resolve("add", ta, 2, &ret), "array[] complex + complex is refused");
  CHECK(!urn_builtin_resolve("add", tvr, 2, &ret), "vector + complex_row_vector is refused");
  CHECK(urn_builtin_resolve("pow", trr, 2, &ret) && ret.base == URN_TY_REAL, "pow(real, real) stays real");
  CHECK(urn_builtin_resolve("pow", ta, 2, &ret) && ret.base == URN_TY_COMPLEX && ret.dims == 1, "pow(array[] complex, complex) is array[] complex");
}

static void test_constructors(void) {
  urn_ev *ev = probe_ev();
  double re[3] = {1, 2, 3}, im = -0.5, r = 2, th = 0.3;
  int32_t d3[URN_MAX_DIMS] = {3};
  urn_val args[2] = {probe_val(ev, TV, d3, re, 0), probe_val(ev, TR, NULL, &im, 0)}, out;
  CHECK(probe_call(ev, "to_complex", args, 2, &out, NULL, 0) == 0 && out.ty.base == URN_TY_COMPLEX_VECTOR, "to_complex(vector, real)");
  CHECK(out.v[2] == 2 && out.v[3] == -0.5 && out.v[5] == -0.5, "to_complex(vector, real) values");
  CHECK(probe_call(ev, "to_complex", args, 0, &out, NULL, 0) == 0 && out.v[0] == 0 && out.v[1] == 0, "to_complex() = 0");
  args[0] = probe_val(ev, TR, NULL, &r, 0), args[1] = probe_val(ev, TR, NULL, &th, 0);
  CHECK(probe_call(ev, "polar", args, 2, &out, NULL, 0) == 0 && fabs(out.v[0] - 2 * cos(0.3)) < 1e-16 && fabs(out.v[1] - 2 * sin(0.3)) < 1e-16,
        "polar(2, 0.3)");
  double neg = -1;
  char msg[256];
  args[0] = probe_val(ev, TR, NULL, &neg, 0);
  CHECK(probe_call(ev, "polar", args, 2, &out, msg, sizeof msg) == -2 && strstr(msg, "polar: the magnitude is -1"), "polar(-1, .) rejects: %s", msg);
  probe_ev_free(ev);
  const urn_type t2[2] = {TR, TR};
  const int32_t d2[2][URN_MAX_DIMS] = {{0}, {0}};
  const double *vs[2] = {&r, &th};
  double g = probe_grad("polar", 2, t2, d2, vs, 1e-6);
  CHECK(g >= 0 && g < 1e-8, "polar gradient (%.3g)", g);
  g = probe_grad("to_complex", 2, t2, d2, vs, 1e-6);
  CHECK(g >= 0 && g < 1e-8, "to_complex gradient (%.3g)", g);
}

/* One gradient check of name on the given arguments. */
static void grad1(const char *name, int n, const urn_type *ty, const int32_t (*dims)[URN_MAX_DIMS], const double *const *vals,
                  double tol) {
  double g = probe_grad(name, n, ty, dims, vals, 1e-6);
  char tn[3][96] = {"", "", ""};
  for (int i = 0; i < n && i < 3; i++) urn_type_format(ty[i], tn[i], sizeof tn[i]);
  CHECK(g >= 0 && g < tol, "%s(%s%s%s%s%s): gradient vs finite differences (%.3g)", name, tn[0], n > 1 ? ", " : "", tn[1], n > 2 ? ", " : "",
        tn[2], g);
}

static void test_linear_algebra(void) {
  /* a 3 x 3 complex matrix, a 3-vector, a 3 x 2 matrix (all complex, interleaved) */
  double A[18] = {1.2, 0.3, -0.4, 1.1, 0.5, -0.7, 0.9, -0.2, 2.0, 0.4, -1.1, 0.6, 0.3, 0.8, -0.6, -0.5, 1.4, 0.1};
  double v[6] = {0.5, -1, 1.5, 0.25, -0.75, 0.6}, B[12] = {0.2, 1, -1, 0.5, 0.3, 0.3, 1.2, -0.4, 0.1, 0.9, -0.8, 0.2};
  double R[9] = {2, 0.5, -1, 0.3, 1.5, 0.2, -0.4, 0.6, 3}; /* real 3 x 3 */
  const int32_t d33[URN_MAX_DIMS] = {3, 3}, d32[URN_MAX_DIMS] = {3, 2}, d3[URN_MAX_DIMS] = {3};
  const urn_type tmm[2] = {TCM, TCM}, tmv[2] = {TCM, TCV}, tvv[2] = {TCV, TCV}, trm[2] = {TCR, TCM}, tvr[2] = {TCV, TCR};
  const int32_t dmm[2][URN_MAX_DIMS] = {{3, 3}, {3, 2}}, dmv[2][URN_MAX_DIMS] = {{3, 3}, {3}}, dvv[2][URN_MAX_DIMS] = {{3}, {3}};
  const double *vmm[2] = {A, B}, *vmv[2] = {A, v}, *vvv[2] = {v, v + 0};
  grad1("multiply", 2, tmm, dmm, vmm, 1e-8);
  grad1("multiply", 2, tmv, dmv, vmv, 1e-8);
  grad1("multiply", 2, trm, (const int32_t(*)[URN_MAX_DIMS])(int32_t[2][URN_MAX_DIMS]){{3}, {3, 3}}, (const double *const[]){v, A}, 1e-8);
  grad1("multiply", 2, tvr, dvv, vvv, 1e-8);
  grad1("dot_product", 2, tvv, dvv, vvv, 1e-8);
  grad1("rows_dot_product", 2, tmm, (const int32_t(*)[URN_MAX_DIMS])(int32_t[2][URN_MAX_DIMS]){{3, 2}, {3, 2}}, (const double *const[]){B, B}, 1e-8);
  grad1("columns_dot_self", 1, &TCM, &d32, (const double *const[]){B}, 1e-8);
  grad1("dot_self", 1, &TCV, &d3, (const double *const[]){v}, 1e-8);
  grad1("sum", 1, &TCM, &d33, (const double *const[]){A}, 1e-8);
  grad1("prod", 1, &TCV, &d3, (const double *const[]){v}, 1e-8);
  grad1("trace", 1, &TCM, &d33, (const double *const[]){A}, 1e-8);
  grad1("cumulative_sum", 1, &TCV, &d3, (const double *const[]){v}, 1e-8);
  grad1("transpose", 1, &TCM, &d32, (const double *const[]){B}, 1e-8);
  grad1("diag_post_multiply", 2, tmv, dmv, vmv, 1e-8);
  grad1("add_diag", 2, tmv, dmv, vmv, 1e-8);
  grad1("mdivide_right", 2, (const urn_type[]){TCR, TCM}, (const int32_t(*)[URN_MAX_DIMS])(int32_t[2][URN_MAX_DIMS]){{3}, {3, 3}},
        (const double *const[]){v, A}, 1e-7);
  grad1("mdivide_right", 2, tmm, (const int32_t(*)[URN_MAX_DIMS])(int32_t[2][URN_MAX_DIMS]){{2, 3}, {3, 3}}, (const double *const[]){B, A}, 1e-7);
  grad1("fft", 1, &TCV, &d3, (const double *const[]){v}, 1e-8);
  grad1("inv_fft", 1, &TCV, &d3, (const double *const[]){v}, 1e-8);
  grad1("fft2", 1, &TCM, &d32, (const double *const[]){B}, 1e-8);
  grad1("inv_fft2", 1, &TCM, &d32, (const double *const[]){B}, 1e-8);
  grad1("eigenvalues", 1, &TCM, &d33, (const double *const[]){A}, 1e-7);
  grad1("eigenvalues", 1, &(urn_type){URN_TY_MATRIX, 0}, &d33, (const double *const[]){R}, 1e-7);
  grad1("singular_values", 1, &TCM, &d32, (const double *const[]){B}, 1e-7);
  /* Hermitian: H = A + A^H */
  double H[18];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      int p = i + 3 * j, q = j + 3 * i;
      H[2 * p] = A[2 * p] + A[2 * q], H[2 * p + 1] = A[2 * p + 1] - A[2 * q + 1];
    }
  grad1("eigenvalues_sym", 1, &TCM, &d33, (const double *const[]){H}, 1e-7);
  /* values: A v, conj dot, fft of v against the direct sum, eigenvalues_sym real and ascending */
  urn_ev *ev = probe_ev();
  urn_val a[2] = {probe_val(ev, TCM, d33, A, 0), probe_val(ev, TCV, d3, v, 0)}, out;
  probe_call(ev, "multiply", a, 2, &out, NULL, 0);
  double e = 0;
  for (int i = 0; i < 3; i++) {
    cd s = 0;
    for (int k = 0; k < 3; k++) s += CMPLX(A[2 * (i + 3 * k)], A[2 * (i + 3 * k) + 1]) * CMPLX(v[2 * k], v[2 * k + 1]);
    e = fmax(e, cabs(CMPLX(out.v[2 * i], out.v[2 * i + 1]) - s));
  }
  CHECK(out.ty.base == URN_TY_COMPLEX_VECTOR && e < 1e-15, "complex matrix times vector (%.3g)", e);
  a[0] = a[1];
  probe_call(ev, "dot_product", a, 2, &out, NULL, 0);
  double sq = 0;
  for (int k = 0; k < 6; k++) sq += v[k] * v[k];
  CHECK(fabs(out.v[0] - sq) < 1e-15 && out.v[1] == 0, "dot_product(v, v) = |v|^2 (conjugates the first argument)");
  probe_call(ev, "fft", a, 1, &out, NULL, 0);
  e = 0;
  for (int j = 0; j < 3; j++) {
    cd s = 0;
    for (int k = 0; k < 3; k++) s += CMPLX(v[2 * k], v[2 * k + 1]) * cexp(-2 * M_PI * I * j * k / 3.0);
    e = fmax(e, cabs(CMPLX(out.v[2 * j], out.v[2 * j + 1]) - s));
  }
  CHECK(e < 1e-14, "fft against the direct sum (%.3g)", e);
  a[0] = probe_val(ev, TCM, d33, H, 0);
  probe_call(ev, "eigenvalues_sym", a, 1, &out, NULL, 0);
  CHECK(out.ty.base == URN_TY_COMPLEX_VECTOR && out.v[1] == 0 && out.v[0] <= out.v[2] && out.v[2] <= out.v[4], "eigenvalues_sym: real, ascending");
  char msg[256];
  double Id[18] = {1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0};
  a[0] = probe_val(ev, TCM, d33, Id, 1);
  CHECK(probe_call(ev, "eigenvectors", a, 1, &out, msg, sizeof msg) == -2 && strstr(msg, "repeated eigenvalues"),
        "eigenvectors of a parameter matrix with repeated eigenvalues reject: %s", msg);
  CHECK(probe_call(ev, "eigenvalues", a, 1, &out, msg, sizeof msg) == 0, "eigenvalues of the same matrix do not");
  probe_ev_free(ev);
}

/* Largest |got - want| over n complex entries (interleaved). */
static double cx_err(const double *got, const double *want, size_t n) {
  double e = 0;
  for (size_t i = 0; i < n; i++) e = fmax(e, cabs(CMPLX(got[2 * i] - want[2 * i], got[2 * i + 1] - want[2 * i + 1])));
  return e;
}

/* name(a) against want (cnt complex entries); INFINITY when the call fails.  *out gets the result. */
static double call_err(urn_ev *ev, const char *name, urn_val *a, const double *want, size_t cnt, urn_val *out) {
  if (probe_call(ev, name, a, 1, out, NULL, 0)) return INFINITY;
  if (out->ty.base == URN_TY_TUPLE) return 0;
  return out->n == 2 * cnt ? cx_err(out->v, want, cnt) : INFINITY;
}

/* Eigenvectors, singular vectors and the tuple-returning decompositions: values against numpy with urn's
 * phase convention (tests/data/gen_cplx.py), the tuples' components equal to the single functions, and
 * gradients of every output (vectors included, not only phase-invariant functions of them) against
 * finite differences. */
static void test_spectral(void) {
  urn_ev *ev = probe_ev();
  urn_val a[1], out, o2;
  const int32_t d55[URN_MAX_DIMS] = {5, 5}, d44[URN_MAX_DIMS] = {4, 4}, d53[URN_MAX_DIMS] = {5, 3}, d34[URN_MAX_DIMS] = {3, 4};
  a[0] = probe_val(ev, TCM, d55, cx_eig_A, 0);
  double e = call_err(ev, "eigenvectors", a, cx_eig_A_V, 25, &out);
  CHECK(e < 1e-12, "eigenvectors(real 5 x 5) against numpy (%.3g)", e);
  a[0] = probe_val(ev, TCM, d44, cx_eig_B, 0);
  e = call_err(ev, "eigenvectors", a, cx_eig_B_V, 16, &out);
  CHECK(e < 1e-12, "eigenvectors(complex 4 x 4) against numpy (%.3g)", e);
  CHECK(probe_call(ev, "eigendecompose", a, 1, &o2, NULL, 0) == 0 && o2.ty.base == URN_TY_TUPLE && o2.ty.tup->n == 2 &&
            cx_err(o2.tv[0].v, cx_eig_B_V, 16) < 1e-12 && cx_err(o2.tv[1].v, cx_eig_B_w, 4) < 1e-12,
        "eigendecompose = (eigenvectors, eigenvalues)");
  a[0] = probe_val(ev, TCM, d44, cx_heig_H, 0);
  e = call_err(ev, "eigenvectors_sym", a, cx_heig_V, 16, &out);
  CHECK(e < 1e-12, "eigenvectors_sym(Hermitian 4 x 4) against numpy (%.3g)", e);
  CHECK(probe_call(ev, "eigendecompose_sym", a, 1, &o2, NULL, 0) == 0 && cx_err(o2.tv[0].v, cx_heig_V, 16) < 1e-12 &&
            fabs(o2.tv[1].v[6] - cx_heig_w[3]) < 1e-12,
        "eigendecompose_sym = (eigenvectors_sym, eigenvalues_sym)");
  const struct { const double *M, *U, *V, *s; const int32_t *d; const char *what; } sv[2] = {
      {cx_svd_T, cx_svd_T_U, cx_svd_T_V, cx_svd_T_s, d53, "tall 5 x 3"}, {cx_svd_W, cx_svd_W_U, cx_svd_W_V, cx_svd_W_s, d34, "wide 3 x 4"}};
  for (int c = 0; c < 2; c++) {
    size_t m = (size_t)sv[c].d[0], n = (size_t)sv[c].d[1], k = m < n ? m : n;
    a[0] = probe_val(ev, TCM, sv[c].d, sv[c].M, 0);
    e = call_err(ev, "svd_U", a, sv[c].U, m * k, &out);
    CHECK(e < 1e-12 && out.dim[0] == (int)m && out.dim[1] == (int)k, "svd_U(%s) against numpy (%.3g)", sv[c].what, e);
    e = call_err(ev, "svd_V", a, sv[c].V, n * k, &out);
    CHECK(e < 1e-12 && out.dim[0] == (int)n && out.dim[1] == (int)k, "svd_V(%s) against numpy (%.3g)", sv[c].what, e);
    CHECK(probe_call(ev, "svd", a, 1, &o2, NULL, 0) == 0 && o2.ty.tup->n == 3 && cx_err(o2.tv[0].v, sv[c].U, m * k) < 1e-12 &&
              cx_err(o2.tv[2].v, sv[c].V, n * k) < 1e-12 && fabs(o2.tv[1].v[k - 1] - sv[c].s[k - 1]) < 1e-12,
          "svd(%s) = (U, singular values, V)", sv[c].what);
  }
  /* complex_schur_decompose: (U, T) with U T U^H = A, T upper triangular */
  a[0] = probe_val(ev, TCM, d44, cx_eig_B, 0);
  CHECK(probe_call(ev, "complex_schur_decompose", a, 1, &o2, NULL, 0) == 0, "complex_schur_decompose");
  double low = 0;
  e = 0;
  const cd *U = (const cd *)o2.tv[0].v, *T = (const cd *)o2.tv[1].v, *B = (const cd *)cx_eig_B;
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++) {
      cd s = 0;
      for (int p = 0; p < 4; p++)
        for (int q = 0; q < 4; q++) s += U[i + 4 * p] * T[p + 4 * q] * conj(U[j + 4 * q]);
      e = fmax(e, cabs(s - B[i + 4 * j]));
      if (i > j) low = fmax(low, cabs(T[i + 4 * j]));
    }
  CHECK(e < 1e-12 && low == 0, "complex_schur_decompose: U T U^H = A (%.3g), T triangular", e);
  probe_ev_free(ev);
  /* gradients: a 3 x 3 complex matrix, a real one, a Hermitian one, a tall 3 x 2 and the wide 2 x 3 */
  double A[18] = {1.2, 0.3, -0.4, 1.1, 0.5, -0.7, 0.9, -0.2, 2.0, 0.4, -1.1, 0.6, 0.3, 0.8, -0.6, -0.5, 1.4, 0.1};
  double R[9] = {2, 0.5, -1, 0.3, 1.5, 0.2, -0.4, 0.6, 3}, Bm[12] = {0.2, 1, -1, 0.5, 0.3, 0.3, 1.2, -0.4, 0.1, 0.9, -0.8, 0.2}, H[18];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      int p = i + 3 * j, q = j + 3 * i;
      H[2 * p] = A[2 * p] + A[2 * q], H[2 * p + 1] = A[2 * p + 1] - A[2 * q + 1];
    }
  const int32_t d33[URN_MAX_DIMS] = {3, 3}, d32[URN_MAX_DIMS] = {3, 2}, d23[URN_MAX_DIMS] = {2, 3};
  const urn_type TM = {URN_TY_MATRIX, 0};
  const char *gen[] = {"eigenvectors", "eigendecompose"}, *herm[] = {"eigenvectors_sym", "eigendecompose_sym"},
             *svf[] = {"svd_U", "svd_V", "svd", "singular_values"};
  for (int f = 0; f < 2; f++) {
    grad1(gen[f], 1, &TCM, &d33, (const double *const[]){A}, 1e-8);
    grad1(gen[f], 1, &TM, &d33, (const double *const[]){R}, 1e-8);
    grad1(herm[f], 1, &TCM, &d33, (const double *const[]){H}, 1e-8);
  }
  for (int f = 0; f < 4; f++) {
    grad1(svf[f], 1, &TCM, &d32, (const double *const[]){Bm}, 1e-8);
    grad1(svf[f], 1, &TCM, &d23, (const double *const[]){Bm}, 1e-8);
  }
}

/* Reshaping and slicing: values (with nodes carried through) against direct indexing. */
static void test_containers(void) {
  double A[12] = {1, 10, 2, 20, 3, 30, 4, 40, 5, 50, 6, 60}; /* 2 x 3: column-major (1 3 5; 2 4 6) + i 10x */
  const int32_t d23[URN_MAX_DIMS] = {2, 3};
  urn_ev *ev = probe_ev();
  urn_val m = probe_val(ev, TCM, d23, A, 1), out, args[5];
  args[0] = m;
  CHECK(probe_call(ev, "to_vector", args, 1, &out, NULL, 0) == 0 && out.ty.base == URN_TY_COMPLEX_VECTOR && out.n == 12 && out.v[4] == 3 &&
            out.v[5] == 30 && out.ix[4] == m.ix[4],
        "to_vector(complex_matrix): column-major, nodes kept");
  CHECK(probe_call(ev, "to_array_2d", args, 1, &out, NULL, 0) == 0 && out.ty.dims == 2 && out.v[2] == 3 && out.v[6] == 2,
        "to_array_2d(complex_matrix): rows");
  CHECK(probe_call(ev, "transpose", args, 1, &out, NULL, 0) == 0 && out.dim[0] == 3 && out.v[2] == 3 && out.v[3] == 30, "transpose (no conjugation)");
  double i1 = 2, i2 = 2, i3 = 1, i4 = 2;
  args[1] = probe_val(ev, (urn_type){URN_TY_INT, 0}, NULL, &i1, 0);
  CHECK(probe_call(ev, "row", args, 2, &out, NULL, 0) == 0 && out.ty.base == URN_TY_COMPLEX_ROW_VECTOR && out.v[0] == 2 && out.v[2] == 4 && out.v[4] == 6,
        "row(m, 2)");
  CHECK(probe_call(ev, "col", args, 2, &out, NULL, 0) == 0 && out.v[0] == 3 && out.v[2] == 4, "col(m, 2)");
  args[2] = probe_val(ev, (urn_type){URN_TY_INT, 0}, NULL, &i2, 0);
  args[3] = probe_val(ev, (urn_type){URN_TY_INT, 0}, NULL, &i3, 0);
  args[4] = probe_val(ev, (urn_type){URN_TY_INT, 0}, NULL, &i4, 0);
  CHECK(probe_call(ev, "block", args, 5, &out, NULL, 0) == 0 && out.dim[0] == 1 && out.dim[1] == 2 && out.v[0] == 4 && out.v[2] == 6, "block(m, 2, 2, 1, 2)");
  char msg[200];
  double big = 3;
  args[1] = args[2] = args[4], args[4] = probe_val(ev, (urn_type){URN_TY_INT, 0}, NULL, &big, 0);
  CHECK(probe_call(ev, "block", args, 5, &out, msg, sizeof msg) == -2 && strstr(msg, "out of range"), "block out of range rejects: %s", msg);
  double r3[3] = {7, 8, 9};
  args[0] = probe_val(ev, (urn_type){URN_TY_ROW_VECTOR, 0}, (int32_t[]){3}, r3, 0), args[1] = m;
  CHECK(probe_call(ev, "append_row", args, 2, &out, NULL, 0) == 0 && out.ty.base == URN_TY_COMPLEX_MATRIX && out.dim[0] == 3 && out.v[0] == 7 &&
            out.v[1] == 0 && out.v[2] == 1 && out.v[3] == 10,
        "append_row(row_vector, complex_matrix): promoted, stacked");
  args[0] = m;
  double two = 2, three = 3, zero = 0;
  args[1] = probe_val(ev, (urn_type){URN_TY_INT, 0}, NULL, &three, 0), args[2] = probe_val(ev, (urn_type){URN_TY_INT, 0}, NULL, &two, 0);
  args[3] = probe_val(ev, (urn_type){URN_TY_INT, 0}, NULL, &zero, 0);
  CHECK(probe_call(ev, "to_matrix", args, 4, &out, NULL, 0) == 0 && out.dim[0] == 3 && out.dim[1] == 2 && out.v[0] == 1 && out.v[2] == 3 && out.v[6] == 2,
        "to_matrix(m, 3, 2, 0): row-major refill");
  CHECK(probe_call(ev, "num_elements", args, 1, &out, NULL, 0) == 0 && out.v[0] == 6, "num_elements(complex_matrix) = 6");
  CHECK(probe_call(ev, "rows", args, 1, &out, NULL, 0) == 0 && out.v[0] == 2, "rows(complex_matrix)");
  double cv[6] = {1, -1, 2, -2, 3, -3};
  args[0] = probe_val(ev, TCV, (int32_t[]){3}, cv, 0);
  CHECK(probe_call(ev, "reverse", args, 1, &out, NULL, 0) == 0 && out.v[0] == 3 && out.v[1] == -3 && out.v[4] == 1, "reverse(complex_vector)");
  args[1] = probe_val(ev, (urn_type){URN_TY_INT, 0}, NULL, &two, 0);
  CHECK(probe_call(ev, "head", args, 2, &out, NULL, 0) == 0 && out.n == 4 && out.dim[0] == 2 && out.v[3] == -2, "head(complex_vector, 2)");
  CHECK(probe_call(ev, "tail", args, 2, &out, NULL, 0) == 0 && out.n == 4 && out.v[0] == 2 && out.v[3] == -3, "tail(complex_vector, 2)");
  CHECK(probe_call(ev, "size", args, 1, &out, NULL, 0) == 0 && out.v[0] == 3, "size(complex_vector) = 3");
  CHECK(probe_call(ev, "rep_matrix", args, 2, &out, NULL, 0) == 0 && out.dim[0] == 3 && out.dim[1] == 2 && out.v[8] == 2, "rep_matrix(v, 2)");
  probe_ev_free(ev);
}

int main(void) {
  test_containers();
  test_scalar_functions();
  test_pow_and_arithmetic();
  test_constructors();
  test_linear_algebra();
  test_spectral();
  return test_done();
}
