/* lang/fn_complex.h — what the complex built-ins (fn_complex*.c) share: reading
 * an element of a complex (or promoted real-valued) argument with its tape
 * nodes, and writing a complex result element whose two parts get their
 * partials from complex derivatives (see fn_complex.c). */
#ifndef URN_LANG_FN_COMPLEX_H
#define URN_LANG_FN_COMPLEX_H

#include <complex.h>

#include "lang/eval.h"

/* Number of (complex or real) elements of a. */
size_t urn_cx_count(const urn_val *a);
/* Element i of a as a complex number; *ir, *ii get the tape nodes of its real and imaginary parts
 * (-1 when constant; the imaginary part of a real argument is always -1).  ir may be NULL. */
double complex urn_cx_get(const urn_val *a, size_t i, int32_t *ir, int32_t *ii);
/* Allocates *out with like's shape and the complex form of its base. */
void urn_cx_alloc(urn_ev *ev, urn_val *out, const urn_val *like, int with_ix);
/* Writes element i of out = w, a holomorphic function of nop complex inputs whose nodes are
 * op[2k] (real part), op[2k+1] (imaginary part) with derivatives d[k]; tapes both parts when
 * out has nodes. */
void urn_cx_put(urn_ev *ev, urn_val *out, size_t i, double complex w, const int32_t *op, const double complex *d, int nop);

/* The same for a function that is not holomorphic: dxy[2k] = df/dx_k, dxy[2k+1] = df/dy_k
 * (complex numbers; z_k = x_k + i y_k). */
void urn_cx_put2(urn_ev *ev, urn_val *out, size_t i, double complex w, const int32_t *op, const double complex *dxy, int nop);
/* The elements of a (complex or real) as an arena array of complex numbers. */
double complex *urn_cx_load(urn_ev *ev, const urn_val *a);
/* Reverse pass helpers for callbacks.  Adjoints of a complex value are carried as
 * dL/dRe + i dL/dIm: urn_cx_out_adj reads element i's from output nodes ix (2 per element);
 * urn_cx_add_adj adds g to element i of input a (nodes ix; a real input takes Re g). */
double complex urn_cx_out_adj(const urn_tape *t, const int32_t *ix, size_t i);
void urn_cx_add_adj(urn_tape *t, const urn_val *a, const int32_t *ix, size_t i, double complex g);

#endif
