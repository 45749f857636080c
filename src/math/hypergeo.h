/* math/hypergeo.h — generalized hypergeometric functions with gradients (math/hypergeo.c). */
#ifndef URN_MATH_HYPERGEO_H
#define URN_MATH_HYPERGEO_H

#define URN_HYP_MAX 64 /* the most parameters a or b pFq takes */

/* Outcomes of an evaluation. */
enum {
  URN_HYP_OK = 0,    /* converged to full precision */
  URN_HYP_LOSS,      /* summed, but cancellation may have cost more than 1e-8 of the value's relative accuracy */
  URN_HYP_DIVERGES,  /* the series does not converge at z (nor terminate) */
  URN_HYP_DOMAIN     /* a nonpositive integer b_j (a pole), a NaN, or too many parameters */
};

/* pFq(a[0..p); b[0..q); z) into *f, with d/da_i into da[i], d/db_j into db[j] and d/dz into *dz (each may be
 * NULL).  Returns a URN_HYP_* outcome. */
int urn_hyper_pfq(const double *a, int p, const double *b, int q, double z, double *f, double *da, double *db,
                  double *dz);
/* The same, choosing a better-conditioned equivalent where one is known (Kummer's transformation of 1F1
 * for z < 0). */
int urn_hyper_pfq_tr(const double *a, int p, const double *b, int q, double z, double *f, double *da, double *db,
                     double *dz);
/* Gauss's 2F1(a, b; c; z) for z <= 1 and its partials g[0..4) in a, b, c, z. */
int urn_hyper_2f1(double a, double b, double c, double z, double *f, double *g);

#endif
