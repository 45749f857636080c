/* lang/fn_laplace.c — Stan 2.37's embedded Laplace approximation:
 * laplace_marginal(_tol), the built-in likelihood forms
 * laplace_marginal(_tol)_{poisson_log,bernoulli_logit,neg_binomial_2_log}_lpmf/_lupmf,
 * laplace_latent(_tol)(_<likelihood>)_rng, laplace_latent_solve(_tol) and
 * generate_laplace_options.
 *
 * Model: theta ~ multi_normal(0, K(phi)), y ~ p(y | theta, eta).  The mode
 * theta* of psi(theta) = log p(y | theta) - theta' K^-1 theta / 2 is found by
 * Newton's method in the form of Rasmussen & Williams (alg. 3.1) with a
 * general (block) W = -d2 log p / dtheta2: with K = L L' and
 * B = I + L' W L (positive definite when W is positive semi-definite),
 *   theta_new = L B^-1 L' (W theta + g),   a_new = K^-1 theta_new = W theta + g - W theta_new,
 * halving the step while psi decreases (at most max_steps_linesearch times),
 * until psi changes by less than tol.  The log marginal is
 *   ll(theta*) - a' theta* / 2 - log|B| / 2.
 * Its gradient (implicit differentiation at the mode; Sigma = (K^-1 + W)^-1,
 * R = W - W Sigma W, s_k = -tr(Sigma dW/dtheta_k) / 2, u = (I - W Sigma) s,
 * v = Sigma s):
 *   d/dK_ij  = a_i a_j / 2 - R_ij / 2 + u_i a_j,
 *   d/deta   = dll/deta - tr(Sigma dW/deta) / 2 + v' dg/deta.
 * K comes from the user's covariance function evaluated on the tape, so every
 * covariance argument gets its derivative through K's entries.
 *
 * Built-in likelihoods: the observation i depends on theta_{y_index[i]} +
 * m_{y_index[i]}; value, derivatives up to the third and the eta-derivatives
 * are analytic (W diagonal).  User likelihoods: the gradient in theta and in
 * the parameter-dependent likelihood arguments comes from a local reverse
 * sweep; W from central differences of that gradient (step 6e-6 relative;
 * with hessian_block_size b the coordinates j = c mod b are perturbed
 * together, 2b sweeps); the third-order terms from second differences of the
 * gradient along the columns of a square root of Sigma (2N sweeps) — about
 * 1e-8 relative where the analytic forms are exact (docs/math.md). */
#include <math.h>
#include <setjmp.h>
#include <string.h>

#include "lang/fn.h"
#include "math/linalg.h"
#include "math/special.h"

/* Which likelihood. */
enum { LAP_USER, LAP_POISSON, LAP_BERNOULLI, LAP_NEGBIN };
/* Which function (aux2 low bits), and flags. */
enum { LAP_MARGINAL = 0, LAP_RNG = 1, LAP_SOLVE = 2, LAP_TOL = 4 };

typedef struct lap {
  urn_ev *ev;            /* the evaluation */
  const char *name;      /* the built-in's name, for messages */
  int kind;              /* LAP_USER, LAP_POISSON, ... */
  size_t N;              /* size of theta */
  int hbs;               /* hessian_block_size */
  /* the user's likelihood (LAP_USER): u.fargs[0] is theta, u.Kp parameter scalars among the others */
  urn_usys u;
  /* built-in likelihoods */
  size_t nobs;           /* observations */
  const double *y;       /* counts / outcomes (nobs) */
  int *grp;              /* 0-based group (theta index) of each observation */
  const urn_val *m;      /* mean offset (N) */
  const urn_val *phi;    /* neg_binomial_2's dispersion: a scalar or one per observation; NULL otherwise */
  /* the solution */
  double *K, *L;         /* covariance and its Cholesky factor (N x N, column-major) */
  double *theta, *a;     /* the mode and K^-1 theta */
  double *g, *W;         /* gradient and negative Hessian of the likelihood at the mode */
  double *M;             /* Cholesky factor of B = I + L' W L */
  double ll, lm;         /* log likelihood at the mode, log marginal */
} lap;

/* ---- the likelihood ---- */

/* One observation's log likelihood f at linear predictor x, with f', f'', f''' (d[1..3]) and, for the
 * negative binomial, df/dphi, df'/dphi, df''/dphi (d[4..6]). */
static void obs_derivs(int kind, double y, double x, double phi, double d[7]) {
  d[4] = d[5] = d[6] = 0;
  if (kind == LAP_POISSON) {
    double mu = exp(x);
    d[0] = y * x - mu - urn_lgamma(y + 1), d[1] = y - mu, d[2] = d[3] = -mu;
  } else if (kind == LAP_BERNOULLI) {
    double s = urn_inv_logit(x), q = s * (1 - s);
    d[0] = y * x - urn_log1p_exp(x), d[1] = y - s, d[2] = -q, d[3] = -q * (1 - 2 * s);
  } else { /* neg_binomial_2 with log link: p = mu / (mu + phi) */
    double lphi = log(phi), z = x - lphi, p = urn_inv_logit(z), q = urn_inv_logit(-z), pq = p * q;
    double log_mu_phi = lphi + urn_log1p_exp(z); /* log(mu + phi) */
    d[0] = y * x + phi * lphi - (y + phi) * log_mu_phi + urn_lgamma(y + phi) - urn_lgamma(phi) - urn_lgamma(y + 1);
    d[1] = y - (y + phi) * p, d[2] = -(y + phi) * pq, d[3] = d[2] * (1 - 2 * p);
    /* log(phi) - log(mu + phi) = -log1p(exp(z)); 1 - (y + phi)/(mu + phi) = (mu - y)/(mu + phi) = p - y q / phi */
    d[4] = -urn_log1p_exp(z) + p - y * q / phi + urn_digamma(y + phi) - urn_digamma(phi);
    d[5] = -p + (y + phi) * pq / phi, d[6] = -pq + (y + phi) * (1 - 2 * p) * pq / phi;
  }
}

static double phi_at(const lap *P, size_t i) { return P->phi ? P->phi->v[P->phi->n == 1 ? 0 : i] : 0; }

/* Built-in likelihood at th: value, gradient g (N), diagonal of W (wd, N) and third derivatives (d3, N);
 * any output may be NULL. */
static double lik_builtin(const lap *P, const double *th, double *g, double *wd, double *d3) {
  size_t N = P->N;
  if (g) memset(g, 0, N * sizeof *g);
  if (wd) memset(wd, 0, N * sizeof *wd);
  if (d3) memset(d3, 0, N * sizeof *d3);
  double ll = 0, d[7];
  for (size_t i = 0; i < P->nobs; i++) {
    int j = P->grp[i];
    obs_derivs(P->kind, P->y[i], th[j] + P->m->v[j], phi_at(P, i), d);
    ll += d[0];
    if (g) g[j] += d[1];
    if (wd) wd[j] -= d[2];
    if (d3) d3[j] += d[3];
  }
  return ll;
}

/* The user's likelihood at th in a private stretch of the tape: its value, and with g / gp the gradient in
 * theta (N) and in the parameter scalars of its other arguments (u.Kp), by one local reverse sweep. */
static double lik_user(lap *P, const double *th, double *g, double *gp) {
  urn_usys *u = &P->u;
  urn_ev *ev = u->ev;
  size_t N = P->N;
  u->outer = ev->arena, ev->arena = u->priv, u->swapped = 1;
  urn_tape *tp = &ev->tape;
  size_t mark = tp->n, pmark = tp->np, cbmark = tp->ncb;
  int taped = g || gp;
  urn_val *a = urn_arena_alloc(&ev->arena, (size_t)u->nfargs * sizeof *a);
  memcpy(a, u->fargs, (size_t)u->nfargs * sizeof *a);
  for (int k = 0; k < u->nfargs; k++) a[k].ix = NULL;
  a[0].n = N, a[0].dim[0] = (int32_t)N;
  a[0].v = urn_ev_doubles(ev, N);
  memcpy(a[0].v, th, N * sizeof *th);
  if (taped) {
    a[0].ix = urn_ev_nodes(ev, N);
    for (size_t i = 0; i < N; i++) a[0].ix[i] = urn_tape_var(tp, th[i]);
    for (int k = 1; k < u->nfargs; k++)
      if (u->fargs[k].ix) a[k].ix = urn_ev_nodes(ev, a[k].n);
    for (size_t k = 0; k < u->Kp; k++) {
      urn_val *x = &a[u->p_arg[k]];
      x->ix[u->p_pos[k]] = urn_tape_var(tp, x->v[u->p_pos[k]]);
    }
  }
  urn_val r;
  urn_fn_call_user(ev, u->f, a, u->nfargs, &r);
  if (r.n != 1 || r.ty.dims) urn_ev_reject(ev, "%s: the likelihood function %s must return a real", P->name, u->f->name);
  double val = r.v[0];
  if (taped) {
    int32_t root = r.ix ? r.ix[0] : -1;
    urn_fn_local_sweep(tp, mark, cbmark, root);
    const double *adj = tp->adj;
    for (size_t i = 0; g && i < N; i++) g[i] = root >= 0 ? adj[mark + i] : 0;
    for (size_t k = 0; gp && k < u->Kp; k++) gp[k] = root >= 0 ? adj[mark + N + k] : 0;
  }
  tp->n = mark, tp->np = pmark, tp->ncb = cbmark;
  u->priv = ev->arena, ev->arena = u->outer, u->swapped = 0;
  urn_arena_reset(&u->priv);
  if (!isfinite(val)) urn_ev_reject(ev, "%s: the log likelihood is %g at the latent values tried", P->name, val);
  return val;
}

/* Value, gradient and W (N x N, column-major, symmetric) at th. */
static double lik_eval(lap *P, const double *th, double *g, double *W) {
  size_t N = P->N;
  if (P->kind != LAP_USER) {
    double *wd = urn_ev_doubles(P->ev, N);
    double ll = lik_builtin(P, th, g, wd, NULL);
    if (W) {
      memset(W, 0, N * N * sizeof *W);
      for (size_t j = 0; j < N; j++) W[j + j * N] = wd[j];
    }
    return ll;
  }
  double ll = lik_user(P, th, g, NULL);
  if (!W) return ll;
  memset(W, 0, N * N * sizeof *W);
  size_t b = (size_t)P->hbs;
  double *tp = urn_ev_doubles(P->ev, N), *tm = urn_ev_doubles(P->ev, N), *gp = urn_ev_doubles(P->ev, N),
         *gm = urn_ev_doubles(P->ev, N), *h = urn_ev_doubles(P->ev, N);
  for (size_t j = 0; j < N; j++) h[j] = 6e-6 * fmax(1, fabs(th[j]));
  for (size_t c = 0; c < b && c < N; c++) {
    memcpy(tp, th, N * sizeof *th), memcpy(tm, th, N * sizeof *th);
    for (size_t j = c; j < N; j += b) tp[j] += h[j], tm[j] -= h[j];
    lik_user(P, tp, gp, NULL), lik_user(P, tm, gm, NULL);
    for (size_t j = c; j < N; j += b) {
      size_t lo = j / b * b, hi = lo + b < N ? lo + b : N;
      for (size_t i = lo; i < hi; i++) W[i + j * N] = -(gp[i] - gm[i]) / (tp[j] - tm[j]);
    }
  }
  for (size_t j = 0; j < N; j++)
    for (size_t i = j + 1; i < N; i++) W[i + j * N] = W[j + i * N] = (W[i + j * N] + W[j + i * N]) / 2;
  return ll;
}

/* ---- the mode and the marginal ---- */

/* B = I + L' W L and its Cholesky factor M; rejects when B is not positive definite. */
static void factor_B(lap *P, double *tmp) {
  size_t N = P->N;
  double *B = P->M;
  urn_matmul(tmp, P->W, P->L, N, N, N);    /* W L */
  urn_matmul_tn(B, P->L, tmp, N, N, N);    /* L' W L */
  for (size_t i = 0; i < N; i++) B[i + i * N] += 1;
  if (urn_cholesky(B, B, N))
    urn_ev_reject(P->ev,
                  "%s: I + L' W L is not positive definite at the latent values tried (the likelihood is not "
                  "log-concave there)",
                  P->name);
}

/* theta_new = L B^-1 L' (W theta + g), a_new = W theta + g - W theta_new (B factored in P->M). */
static void newton_step(lap *P, const double *th, double *th_new, double *a_new, double *tmp) {
  size_t N = P->N;
  double *b = a_new;
  urn_matvec(b, P->W, th, N, N);
  for (size_t i = 0; i < N; i++) b[i] += P->g[i];
  urn_matvec_t(tmp, P->L, b, N, N);                    /* L' b */
  urn_cholesky_solve(P->M, tmp, N, 1);                 /* B^-1 L' b */
  urn_matvec(th_new, P->L, tmp, N, N);                 /* L B^-1 L' b */
  urn_matvec(tmp, P->W, th_new, N, N);
  for (size_t i = 0; i < N; i++) a_new[i] = b[i] - tmp[i];
}

typedef struct lap_opts {
  const double *theta0;  /* initial latent values (N) or NULL for zeros */
  double tol;            /* change of the objective that ends the iterations */
  int max_steps;         /* Newton steps */
  int max_ls;            /* step halvings per step */
} lap_opts;

/* Finds the mode and fills P's solution (K and L already set). */
static void lap_solve(lap *P, const lap_opts *o) {
  urn_ev *ev = P->ev;
  size_t N = P->N;
  double *th = P->theta, *a = P->a, *tn = urn_ev_doubles(ev, N), *an = urn_ev_doubles(ev, N),
         *tmp = urn_ev_doubles(ev, N * N);
  if (o->theta0) memcpy(th, o->theta0, N * sizeof *th);
  else memset(th, 0, N * sizeof *th);
  memcpy(a, th, N * sizeof *a);
  urn_cholesky_solve(P->L, a, N, 1);
  double psi = lik_eval(P, th, P->g, P->W) - urn_dot(a, th, N) / 2;
  int done = 0;
  for (int it = 0; it < o->max_steps && !done; it++) {
    factor_B(P, tmp);
    newton_step(P, th, tn, an, tmp);
    double ll_new = lik_eval(P, tn, NULL, NULL), psi_new = ll_new - urn_dot(an, tn, N) / 2;
    for (int ls = 0; ls < o->max_ls && !(psi_new >= psi); ls++) {
      for (size_t i = 0; i < N; i++) tn[i] = (tn[i] + th[i]) / 2, an[i] = (an[i] + a[i]) / 2;
      ll_new = lik_eval(P, tn, NULL, NULL), psi_new = ll_new - urn_dot(an, tn, N) / 2;
    }
    if (!isfinite(psi_new)) urn_ev_reject(ev, "%s: the Newton iterations diverged", P->name);
    done = fabs(psi_new - psi) < o->tol;
    memcpy(th, tn, N * sizeof *th), memcpy(a, an, N * sizeof *a);
    psi = psi_new;
    P->ll = lik_eval(P, th, P->g, P->W);
  }
  if (!done)
    urn_ev_reject(ev, "%s: the mode was not found within %d Newton steps (tolerance %g)", P->name, o->max_steps, o->tol);
  factor_B(P, tmp);
  P->lm = P->ll - urn_dot(a, th, N) / 2 - urn_cholesky_logdet(P->M, N) / 2;
}

/* C with Sigma = (K^-1 + W)^-1 = C C': C = L M^-T. */
static void sigma_root(const lap *P, double *C) {
  size_t N = P->N;
  urn_transpose(C, P->L, N, N);       /* L' */
  urn_trsm_lower(P->M, C, N, N);      /* M^-1 L' = C' */
  double *t = urn_ev_doubles(P->ev, N * N);
  memcpy(t, C, N * N * sizeof *t);
  urn_transpose(C, t, N, N);
}

/* ---- arguments ---- */

/* Does v (or any component, for tuples) carry tape nodes? */
static int has_nodes(const urn_val *v) {
  if (v->ty.base == URN_TY_TUPLE) {
    size_t nc = urn_val_count(v) * (size_t)v->ty.tup->n;
    for (size_t c = 0; c < nc; c++)
      if (has_nodes(&v->tv[c])) return 1;
    return 0;
  }
  if (!v->ix) return 0;
  for (size_t i = 0; i < v->n; i++)
    if (v->ix[i] >= 0) return 1;
  return 0;
}

/* The components of a tuple argument (a 1-tuple is (x,)). */
static urn_val *tuple_parts(const urn_val *t, int *n) {
  *n = t->ty.base == URN_TY_TUPLE ? t->ty.tup->n : 0;
  return t->tv;
}

/* K = covariance_function(args...) on the tape; checks its shape against N (0: sets N). */
static urn_val eval_cov(lap *P, const urn_val *fref, const urn_val *targs) {
  int nc;
  urn_val *comps = tuple_parts(targs, &nc), K;
  const ir_fun *f = urn_fn_funref(fref);
  urn_fn_call_user(P->ev, f, comps, nc, &K);
  int r = urn_val_rows(&K), c = urn_val_cols(&K);
  if (K.ty.base != URN_TY_MATRIX || r != c) urn_ev_reject(P->ev, "%s: the covariance function %s must return a square matrix", P->name, f->name);
  if (P->N && (size_t)r != P->N)
    urn_ev_reject(P->ev, "%s: the covariance matrix is %d x %d, but the latent vector has size %zu", P->name, r, r, P->N);
  if (r == 0) urn_ev_reject(P->ev, "%s: the covariance matrix is empty", P->name);
  P->N = (size_t)r;
  for (size_t i = 0; i < K.n; i++)
    if (!isfinite(K.v[i])) urn_ev_reject(P->ev, "%s: the covariance matrix has a non-finite entry", P->name);
  return K;
}

/* The options tuple (theta_init, tol, max_num_steps, solver, max_steps_linesearch, allow_fallback). */
static void read_opts(lap *P, const urn_val *t, lap_opts *o) {
  int nc;
  const urn_val *c = tuple_parts(t, &nc);
  if (nc != 6)
    urn_ev_reject(P->ev, "%s: the options must be the tuple (theta_init, tol, max_num_steps, solver, "
                  "max_steps_linesearch, allow_fallback)", P->name);
  if (c[0].n != P->N)
    urn_ev_reject(P->ev, "%s: theta_init has size %zu, but the latent vector has size %zu", P->name, c[0].n, P->N);
  for (size_t i = 0; i < P->N; i++)
    if (!isfinite(c[0].v[i])) urn_ev_reject(P->ev, "%s: theta_init[%zu] is %g, but must be finite", P->name, i + 1, c[0].v[i]);
  o->theta0 = c[0].v, o->tol = c[1].v[0], o->max_steps = (int)c[2].v[0], o->max_ls = (int)c[4].v[0];
  int solver = (int)c[3].v[0];
  if (!(o->tol > 0)) urn_ev_reject(P->ev, "%s: tolerance is %g, but must be positive", P->name, o->tol);
  if (o->max_steps < 1) urn_ev_reject(P->ev, "%s: max_num_steps is %d, but must be positive", P->name, o->max_steps);
  if (o->max_ls < 0) urn_ev_reject(P->ev, "%s: max_steps_linesearch is %d, but must be >= 0", P->name, o->max_ls);
  if (solver < 1 || solver > 3) urn_ev_reject(P->ev, "%s: solver is %d, but must be 1, 2 or 3", P->name, solver);
}

/* Built-in likelihood arguments (y, y_index[, eta], m) starting at args[0]; returns the index after m. */
static int read_builtin(lap *P, urn_val *args) {
  urn_ev *ev = P->ev;
  const urn_val *y = &args[0], *yi = &args[1];
  int k = 2;
  if (P->kind == LAP_NEGBIN) P->phi = &args[k++];
  P->m = &args[k++];
  P->N = P->m->n, P->nobs = y->n, P->y = y->v;
  if (P->N == 0) urn_ev_reject(ev, "%s: the mean vector m is empty", P->name);
  if (yi->n != y->n) urn_ev_reject(ev, "%s: y has %zu elements but y_index has %zu", P->name, y->n, yi->n);
  P->grp = urn_ev_alloc(ev, y->n, sizeof *P->grp);
  for (size_t i = 0; i < y->n; i++) {
    double g = yi->v[i], v = y->v[i];
    if (!(g >= 1 && g <= (double)P->N))
      urn_ev_reject(ev, "%s: y_index[%zu] is %g, but must be in [1, %zu]", P->name, i + 1, g, P->N);
    P->grp[i] = (int)g - 1;
    if (v < 0 || (P->kind == LAP_BERNOULLI && v > 1))
      urn_ev_reject(ev, "%s: y[%zu] is %g, but must be %s", P->name, i + 1, v, P->kind == LAP_BERNOULLI ? "0 or 1" : ">= 0");
  }
  for (size_t j = 0; j < P->N; j++)
    if (!isfinite(P->m->v[j])) urn_ev_reject(ev, "%s: m[%zu] is %g, but must be finite", P->name, j + 1, P->m->v[j]);
  if (P->phi) {
    if (P->phi->n != 1 && P->phi->n != y->n)
      urn_ev_reject(ev, "%s: eta has %zu elements, but must have 1 or one per observation (%zu)", P->name, P->phi->n, y->n);
    for (size_t i = 0; i < P->phi->n; i++)
      if (!(P->phi->v[i] > 0 && isfinite(P->phi->v[i])))
        urn_ev_reject(ev, "%s: eta is %g, but must be positive and finite", P->name, P->phi->v[i]);
  }
  return k;
}

/* The user's likelihood: theta then the tuple's components; the parameter scalars among them. */
static void read_user(lap *P, const urn_val *fref, const urn_val *targs) {
  urn_ev *ev = P->ev;
  int nc;
  urn_val *comps = tuple_parts(targs, &nc);
  urn_usys *u = &P->u;
  u->ev = ev, u->f = urn_fn_funref(fref), u->nfargs = 1 + nc;
  u->fargs = urn_arena_alloc(&ev->arena, (size_t)u->nfargs * sizeof *u->fargs);
  memset(&u->fargs[0], 0, sizeof u->fargs[0]);
  u->fargs[0].ty = (urn_type){URN_TY_VECTOR, 0};
  size_t np = 0;
  for (int k = 0; k < nc; k++) {
    u->fargs[1 + k] = comps[k];
    if (comps[k].ty.base == URN_TY_TUPLE && has_nodes(&comps[k]))
      urn_ev_reject(ev, "%s: a tuple among the likelihood's arguments depends on parameters: pass its components "
                    "as separate arguments", P->name);
    if (comps[k].ty.base != URN_TY_TUPLE && comps[k].ix)
      for (size_t i = 0; i < comps[k].n; i++) np += comps[k].ix[i] >= 0;
  }
  u->p_arg = urn_arena_alloc(&ev->arena, (np ? np : 1) * sizeof *u->p_arg);
  u->p_pos = urn_arena_alloc(&ev->arena, (np ? np : 1) * sizeof *u->p_pos);
  for (int k = 1; k < u->nfargs; k++)
    if (u->fargs[k].ty.base != URN_TY_TUPLE && u->fargs[k].ix)
      for (size_t i = 0; i < u->fargs[k].n; i++)
        if (u->fargs[k].ix[i] >= 0) u->p_arg[u->Kp] = k, u->p_pos[u->Kp++] = i;
}

/* ---- the gradient of the log marginal ---- */

/* Third-order terms of a user likelihood: s (N) and the eta-part ep (Kp) of the gradient, by second
 * differences of the taped gradient along the columns of C (Sigma = C C'), then v = Sigma s. */
static void third_user(lap *P, const double *C, const double *S, double *s, double *ep, double *v) {
  urn_ev *ev = P->ev;
  size_t N = P->N, Kp = P->u.Kp;
  double *t = urn_ev_doubles(ev, N), *g0 = urn_ev_doubles(ev, N), *gpl = urn_ev_doubles(ev, N),
         *gmi = urn_ev_doubles(ev, N), *p0 = urn_ev_doubles(ev, Kp + 1), *ppl = urn_ev_doubles(ev, Kp + 1),
         *pmi = urn_ev_doubles(ev, Kp + 1);
  lik_user(P, P->theta, g0, p0);
  memset(s, 0, N * sizeof *s);
  memset(ep, 0, (Kp + 1) * sizeof *ep);
  for (size_t k = 0; k < N; k++) {
    const double *c = C + k * N;
    double cmax = 0;
    for (size_t i = 0; i < N; i++) cmax = fmax(cmax, fabs(c[i]));
    if (cmax == 0) continue;
    double h = 1e-3 / fmax(1, cmax);
    for (size_t i = 0; i < N; i++) t[i] = P->theta[i] + h * c[i];
    lik_user(P, t, gpl, ppl);
    for (size_t i = 0; i < N; i++) t[i] = P->theta[i] - h * c[i];
    lik_user(P, t, gmi, pmi);
    for (size_t i = 0; i < N; i++) s[i] += (gpl[i] - 2 * g0[i] + gmi[i]) / (2 * h * h);
    for (size_t q = 0; q < Kp; q++) ep[q] += (ppl[q] - 2 * p0[q] + pmi[q]) / (2 * h * h);
  }
  urn_matvec(v, S, s, N, N);
  double vn = 0;
  for (size_t i = 0; i < N; i++) vn = fmax(vn, fabs(v[i]));
  if (Kp && vn > 0) { /* v' dg/deta: a central difference of d ll / d eta along v */
    double h = 6e-6 * fmax(1, vn) / vn;
    for (size_t i = 0; i < N; i++) t[i] = P->theta[i] + h * v[i];
    lik_user(P, t, NULL, ppl);
    for (size_t i = 0; i < N; i++) t[i] = P->theta[i] - h * v[i];
    lik_user(P, t, NULL, pmi);
    for (size_t q = 0; q < Kp; q++) ep[q] += (ppl[q] - pmi[q]) / (2 * h);
  }
  for (size_t q = 0; q < Kp; q++) ep[q] += p0[q];
}

/* One tape node for the log marginal, with partials on K's entries and the likelihood's parameters. */
static int32_t marginal_node(lap *P, const urn_val *K) {
  urn_ev *ev = P->ev;
  size_t N = P->N, NN = N * N;
  double *C = urn_ev_doubles(ev, NN), *S = urn_ev_doubles(ev, NN), *R = urn_ev_doubles(ev, NN),
         *T = urn_ev_doubles(ev, NN), *s = urn_ev_doubles(ev, N), *v = urn_ev_doubles(ev, N),
         *u = urn_ev_doubles(ev, N), *ep = NULL;
  sigma_root(P, C);
  urn_tcrossprod(S, C, N, N);
  if (P->kind == LAP_USER) {
    ep = urn_ev_doubles(ev, P->u.Kp + 1);
    third_user(P, C, S, s, ep, v);
  } else {
    double *d3 = urn_ev_doubles(ev, N);
    lik_builtin(P, P->theta, NULL, NULL, d3);
    for (size_t j = 0; j < N; j++) s[j] = S[j + j * N] * d3[j] / 2;
    urn_matvec(v, S, s, N, N);
  }
  urn_matvec(u, P->W, v, N, N);
  for (size_t i = 0; i < N; i++) u[i] = s[i] - u[i];
  urn_matmul(T, P->W, S, N, N, N); /* W Sigma */
  urn_matmul(R, T, P->W, N, N, N); /* W Sigma W */
  for (size_t q = 0; q < NN; q++) R[q] = P->W[q] - R[q];
  size_t cap = NN + N + (P->kind == LAP_USER ? P->u.Kp : P->nobs) + 1;
  int32_t *o;
  double *p;
  urn_tape_begin(&ev->tape, cap, &o, &p);
  size_t k = 0;
  const double *a = P->a;
  for (size_t j = 0; j < N && K->ix; j++)
    for (size_t i = 0; i < N; i++)
      if (K->ix[i + j * N] >= 0) o[k] = K->ix[i + j * N], p[k++] = a[i] * a[j] / 2 - R[i + j * N] / 2 + u[i] * a[j];
  if (P->kind == LAP_USER) {
    for (size_t q = 0; q < P->u.Kp; q++) o[k] = P->u.fargs[P->u.p_arg[q]].ix[P->u.p_pos[q]], p[k++] = ep[q];
  } else {
    for (size_t j = 0; j < N && P->m->ix; j++)
      if (P->m->ix[j] >= 0) o[k] = P->m->ix[j], p[k++] = P->g[j] + s[j] - v[j] * P->W[j + j * N];
    if (P->phi && P->phi->ix) {
      double d[7], acc = 0;
      for (size_t i = 0; i < P->nobs; i++) {
        int j = P->grp[i];
        obs_derivs(P->kind, P->y[i], P->theta[j] + P->m->v[j], phi_at(P, i), d);
        double gi = d[4] + S[j + j * (size_t)N] * d[6] / 2 + v[j] * d[5];
        if (P->phi->n == 1) acc += gi;
        else if (P->phi->ix[i] >= 0) o[k] = P->phi->ix[i], p[k++] = gi;
      }
      if (P->phi->n == 1 && P->phi->ix[0] >= 0) o[k] = P->phi->ix[0], p[k++] = acc;
    }
  }
  return urn_tape_end(&ev->tape, P->lm, k);
}

/* ---- the built-ins ---- */

/* Restores the evaluation's frame, depth and error exit saved by urn_usys_begin (every kind saves them). */
static void lap_cleanup(lap *P) { urn_usys_end(&P->u); }

/* Every laplace_* function: aux2 = function | LAP_TOL, aux = the likelihood kind. */
static void f_laplace(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int what = b->aux2 & 3, tol = (b->aux2 & LAP_TOL) != 0, kind = (int)(intptr_t)b->aux;
  lap *P = urn_arena_alloc(&ev->arena, sizeof *P);
  memset(P, 0, sizeof *P);
  P->ev = ev, P->name = b->name, P->kind = kind;
  int k; /* index of hessian_block_size */
  if (kind == LAP_USER) {
    k = 2;
  } else {
    k = read_builtin(P, args);
  }
  P->hbs = (int)args[k].v[0];
  urn_val K = eval_cov(P, &args[k + 1], &args[k + 2]);
  if (kind == LAP_USER) read_user(P, &args[0], &args[1]);
  size_t N = P->N;
  if (P->hbs < 1 || (size_t)P->hbs > N)
    urn_ev_reject(ev, "%s: hessian_block_size is %d, but must be in [1, %zu]", b->name, P->hbs, N);
  lap_opts o = {NULL, 1.49012e-08, 500, 1000};
  if (tol) read_opts(P, &args[k + 3], &o);
  if (kind == LAP_USER) P->u.N = N;
  P->K = K.v, P->L = urn_ev_doubles(ev, N * N);
  if (urn_cholesky(P->L, K.v, N)) urn_ev_reject(ev, "%s: the covariance matrix is not positive definite", b->name);
  P->theta = urn_ev_doubles(ev, N), P->a = urn_ev_doubles(ev, N), P->g = urn_ev_doubles(ev, N);
  P->W = urn_ev_doubles(ev, N * N), P->M = urn_ev_doubles(ev, N * N);
  int grad = what == LAP_MARGINAL && (has_nodes(&K) || (kind == LAP_USER ? P->u.Kp > 0 : has_nodes(P->m) || (P->phi && has_nodes(P->phi))));
  if (what == LAP_SOLVE && (has_nodes(&K) || has_nodes(&args[kind == LAP_USER ? 1 : 0]) || (kind != LAP_USER && has_nodes(P->m))))
    urn_ev_reject(ev, "%s: its result carries no derivatives; call it in generated quantities or with data arguments", b->name);
  P->u.ev = ev;
  urn_usys_begin(&P->u);
  if (setjmp(ev->jb)) {
    lap_cleanup(P);
    longjmp(ev->jb, 1);
  }
  lap_solve(P, &o);
  int32_t node = grad ? marginal_node(P, &K) : -1;
  lap_cleanup(P);
  if (what == LAP_MARGINAL) {
    urn_val_set_scalar(ev, out, URN_TY_REAL, P->lm, node);
    return;
  }
  double *C = urn_ev_doubles(ev, N * N), *S = urn_ev_doubles(ev, N * N);
  sigma_root(P, C);
  int32_t dim[2] = {(int32_t)N, (int32_t)N};
  if (what == LAP_RNG) {
    if (!ev->rng) urn_ev_reject(ev, "%s: no random number generator here", b->name);
    double *z = urn_ev_doubles(ev, N);
    for (size_t i = 0; i < N; i++) z[i] = urn_rng_normal(ev->rng);
    urn_val_alloc(ev, out, (urn_type){URN_TY_VECTOR, 0}, dim, 0);
    urn_matvec(out->v, C, z, N, N);
    for (size_t i = 0; i < N; i++) out->v[i] += P->theta[i];
    return;
  }
  urn_tcrossprod(S, C, N, N);
  urn_val_tuple_alloc(ev, out, (urn_type){URN_TY_TUPLE, 0, urn_builtin_tuple_ret(b->sig)}, NULL);
  urn_val_alloc(ev, &out->tv[0], (urn_type){URN_TY_VECTOR, 0}, dim, 0);
  memcpy(out->tv[0].v, P->theta, N * sizeof *P->theta);
  urn_val_alloc(ev, &out->tv[1], (urn_type){URN_TY_MATRIX, 0}, dim, 0);
  if (urn_cholesky(out->tv[1].v, S, N)) urn_ev_reject(ev, "%s: the posterior covariance is not positive definite", b->name);
}

/* generate_laplace_options(int theta_size) / (vector theta_init): (theta_init, 1.49012e-8, 500, 1, 1000, 1). */
static void f_options(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0];
  int vec = x->ty.base == URN_TY_VECTOR;
  double sz = vec ? (double)x->n : x->v[0];
  if (!vec && !(sz >= 0)) urn_ev_reject(ev, "generate_laplace_options: theta_size is %g, but must be >= 0", sz);
  urn_val_tuple_alloc(ev, out, (urn_type){URN_TY_TUPLE, 0, urn_builtin_tuple_ret(b->sig)}, NULL);
  int32_t dim[1] = {(int32_t)sz};
  urn_val_alloc(ev, &out->tv[0], (urn_type){URN_TY_VECTOR, 0}, dim, vec && x->ix);
  for (size_t i = 0; i < (size_t)sz; i++) out->tv[0].v[i] = vec ? x->v[i] : 0;
  if (vec && x->ix) memcpy(out->tv[0].ix, x->ix, x->n * sizeof *x->ix);
  static const double rest[5] = {1.49012e-08, 500, 1, 1000, 1};
  for (int c = 0; c < 5; c++) {
    urn_val_alloc(ev, &out->tv[1 + c], (urn_type){(unsigned char)(c ? URN_TY_INT : URN_TY_REAL), 0}, NULL, 0);
    out->tv[1 + c].v[0] = rest[c];
  }
}

#define LAPK(k) ((const void *)(intptr_t)(k))
#define USER(name, tname, ret, what, flags, doc) \
  {name, ret ":F A i F A", f_laplace, NULL, LAPK(LAP_USER), what, flags, doc}, \
  {tname, ret ":F A i F A A", f_laplace, NULL, LAPK(LAP_USER), (what) | LAP_TOL, flags, doc " (with control options)"}
#define BUILTIN(stem, args, k, doc) \
  {"laplace_marginal_" stem "_lpmf", "r:1i 1i " args "v i F A", f_laplace, NULL, LAPK(k), LAP_MARGINAL, 0, doc}, \
  {"laplace_marginal_" stem "_lupmf", "r:1i 1i " args "v i F A", f_laplace, NULL, LAPK(k), LAP_MARGINAL, 0, doc}, \
  {"laplace_marginal_tol_" stem "_lpmf", "r:1i 1i " args "v i F A A", f_laplace, NULL, LAPK(k), LAP_MARGINAL | LAP_TOL, 0, doc}, \
  {"laplace_marginal_tol_" stem "_lupmf", "r:1i 1i " args "v i F A A", f_laplace, NULL, LAPK(k), LAP_MARGINAL | LAP_TOL, 0, doc}, \
  {"laplace_latent_" stem "_rng", "v:1i 1i " args "v i F A", f_laplace, NULL, LAPK(k), LAP_RNG, URN_BI_RNG, \
   "a draw of theta from the Laplace approximation"}, \
  {"laplace_latent_tol_" stem "_rng", "v:1i 1i " args "v i F A A", f_laplace, NULL, LAPK(k), LAP_RNG | LAP_TOL, URN_BI_RNG, \
   "a draw of theta from the Laplace approximation"}

const urn_builtin urn_fn_laplace_table[] = {
    USER("laplace_marginal", "laplace_marginal_tol", "r", LAP_MARGINAL, 0, "Laplace approximation of the log marginal likelihood"),
    USER("laplace_latent_rng", "laplace_latent_tol_rng", "v", LAP_RNG, URN_BI_RNG, "a draw of theta from the Laplace approximation"),
    USER("laplace_latent_solve", "laplace_latent_solve_tol", "(v,m)", LAP_SOLVE, 0, "the mode and the Cholesky factor of the Laplace approximation's covariance"),
    BUILTIN("poisson_log", "", LAP_POISSON, "Laplace approximation, Poisson likelihood with log link"),
    BUILTIN("bernoulli_logit", "", LAP_BERNOULLI, "Laplace approximation, Bernoulli likelihood with logit link"),
    BUILTIN("neg_binomial_2_log", "R ", LAP_NEGBIN, "Laplace approximation, negative binomial likelihood with log link"),
    {"generate_laplace_options", "(v,r,i,i,i,i):i", f_options, NULL, NULL, 0, 0, "the default options tuple of the _tol forms"},
    {"generate_laplace_options", "(v,r,i,i,i,i):v", f_options, NULL, NULL, 0, 0, "the default options tuple of the _tol forms"},
    {NULL, NULL, NULL, NULL, NULL, 0, 0, NULL}};
