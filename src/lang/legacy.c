/* lang/legacy.c — warnings about pre-2.33 syntax and the name-level rewrites
 * to current Stan (see legacy.h).
 *
 * One walk over the parsed program: every node the parser marked as old
 * syntax is noted (one warning per kind), and calls under removed names are
 * rewritten in place to their modern meaning:
 *   foo_log(y, ...)       -> foo_lpdf(y | ...) or foo_lpmf(y | ...)  (a built-in family foo)
 *   foo_cdf_log(y, ...)   -> foo_lcdf(y | ...);  foo_ccdf_log -> foo_lccdf
 *   foo_cdf(y, a, b)      -> foo_cdf(y | a, b)  (also _lcdf, _lccdf written without '|')
 *   if_else(c, a, b)      -> c ? a : b
 *   integrate_ode         -> integrate_ode_rk45
 *   fabs -> abs, multiply_log -> lmultiply, binomial_coefficient_log -> lchoose,
 *   cov_exp_quad -> gp_exp_quad_cov
 * A name the program defines itself is never rewritten (Stan 2.33+ lets a
 * program define its own `fabs` or `normal_log`), except the old user-defined
 * densities: when `y ~ foo(...)` has no foo_lpdf / foo_lpmf but the program
 * defines foo_log, that function becomes foo_lpdf (foo_lpmf when its first
 * argument is int-valued), its foo_cdf_log / foo_ccdf_log become foo_lcdf /
 * foo_lccdf, and their calls follow. */
#include "lang/legacy.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/builtins.h"
#include "lang/format.h"

void urn_legacy_note(urn_legacy_log *log, int kind, int line, int col, const char *fmt, ...) {
  if (kind < 0 || kind >= URN_LK_COUNT) return;
  if (log->count[kind]++ > 0 &&
      (line > log->line[kind] || (line == log->line[kind] && col >= log->col[kind])))
    return;
  log->line[kind] = line; /* keep the earliest occurrence in the source */
  log->col[kind] = col;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(log->what[kind], sizeof log->what[kind], fmt, ap);
  va_end(ap);
}

/* The state of the walk. */
typedef struct lwalk {
  urn_program *p;      /* the program */
  urn_legacy_log *log; /* the warnings */
} lwalk;

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n > m && memcmp(s + n - m, suffix, m) == 0;
}

static urn_fundef *user_fun(const urn_program *p, const char *name) {
  for (int i = 0; i < p->nfuns; i++)
    if (strcmp(p->funs[i]->name, name) == 0) return p->funs[i];
  return NULL;
}

/* name with its last `cut` characters replaced by `suffix`, in the program's arena. */
static const char *resuffix(urn_program *p, const char *name, size_t cut, const char *suffix) {
  size_t n = strlen(name) - cut, m = strlen(suffix);
  char *s = urn_arena_alloc(&p->arena, n + m + 1);
  memcpy(s, name, n);
  memcpy(s + n, suffix, m + 1);
  return s;
}

/* Renames the call e to name (keeping the written one) and puts '|' after its first argument. */
static void rename_density_call(lwalk *W, urn_expr *e, const char *name) {
  e->written = e->name;
  e->name = name;
  e->legacy |= URN_LEG_RENAMED;
  if (e->nargs >= 2 && !e->has_bar) {
    e->has_bar = 1;
    e->legacy |= URN_LEG_BAR_ADDED;
  }
  (void)W;
}

/* The removed functions that only changed their name. */
static const struct {
  const char *old, *now; /* removed name and its replacement */
  int kind;              /* enum urn_legacy_kind */
} renamed_functions[] = {
    {"fabs", "abs", URN_LK_FABS},
    {"multiply_log", "lmultiply", URN_LK_MULTIPLY_LOG},
    {"binomial_coefficient_log", "lchoose", URN_LK_BINOMIAL_COEFFICIENT_LOG},
    {"cov_exp_quad", "gp_exp_quad_cov", URN_LK_COV_EXP_QUAD},
    {"integrate_ode", "integrate_ode_rk45", URN_LK_INTEGRATE_ODE}};

/* Rewrites a call under a removed name (a built-in one: the program does not define it). */
static void fix_builtin_call(lwalk *W, urn_expr *e) {
  const char *n = e->name;
  if (strcmp(n, "if_else") == 0 && e->nargs == 3) {
    urn_legacy_note(W->log, URN_LK_IF_ELSE, e->line, e->col,
                    "if_else(c, a, b) (removed in Stan 2.33): write the conditional operator c ? a : b");
    urn_expr **a = e->args;
    e->kind = URN_EX_COND;
    e->cond = a[0], e->lhs = a[1], e->rhs = a[2];
    e->args = NULL, e->nargs = 0;
    e->legacy |= URN_LEG_IF_ELSE;
    return;
  }
  for (size_t i = 0; i < sizeof renamed_functions / sizeof *renamed_functions; i++)
    if (strcmp(n, renamed_functions[i].old) == 0) {
      urn_legacy_note(W->log, renamed_functions[i].kind, e->line, e->col, "%s() (%s): write %s()", n,
                      renamed_functions[i].kind == URN_LK_INTEGRATE_ODE ? "deprecated" : "removed in Stan 2.33",
                      renamed_functions[i].now);
      e->written = n;
      e->name = renamed_functions[i].now;
      e->legacy |= URN_LEG_RENAMED;
      return;
    }
  if (urn_builtin_exists(n)) {
    int suffix = urn_fun_suffix_of(n);
    if ((suffix == URN_SUF_CDF || suffix == URN_SUF_LCDF || suffix == URN_SUF_LCCDF) && !e->has_bar &&
        e->nargs >= 2) {
      urn_legacy_note(W->log, URN_LK_CDF_COMMA, e->line, e->col,
                      "%s(y, ...) without '|' (removed in Stan 2.33): write %s(y | ...)", n, n);
      e->has_bar = 1;
      e->legacy |= URN_LEG_BAR_ADDED;
    }
    return;
  }
  static const struct { const char *old, *now; int kind; } suffixes[] = {
      {"_cdf_log", "_lcdf", URN_LK_CDF_LOG}, {"_ccdf_log", "_lccdf", URN_LK_CCDF_LOG}};
  for (size_t i = 0; i < 2; i++)
    if (ends_with(n, suffixes[i].old)) {
      const char *now = resuffix(W->p, n, strlen(suffixes[i].old), suffixes[i].now);
      if (!urn_builtin_exists(now)) return;
      urn_legacy_note(W->log, suffixes[i].kind, e->line, e->col, "%s(y, ...) (removed in Stan 2.33): write %s(y | ...)", n, now);
      rename_density_call(W, e, now);
      return;
    }
  if (ends_with(n, "_log")) {
    const char *now = resuffix(W->p, n, 4, "_lpdf");
    if (!urn_builtin_exists(now)) now = resuffix(W->p, n, 4, "_lpmf");
    if (!urn_builtin_exists(now)) return;
    urn_legacy_note(W->log, URN_LK_LOG_SUFFIX, e->line, e->col, "%s(y, ...) (removed in Stan 2.33): write %s(y | ...)", n,
                    now);
    rename_density_call(W, e, now);
  }
}

/* A call of a user function that an old density rename moved (foo_log -> foo_lpdf). */
static void fix_user_call(lwalk *W, urn_expr *e, const urn_fundef *f) {
  if ((f->legacy & URN_LEG_RENAMED) && strcmp(e->name, f->name) != 0) rename_density_call(W, e, f->name);
}

static void walk_expr(lwalk *W, urn_expr *e);

static void walk_exprs(lwalk *W, urn_expr **es, int n) {
  for (int i = 0; i < n; i++) walk_expr(W, es[i]);
}

static void walk_expr(lwalk *W, urn_expr *e) {
  if (!e) return;
  walk_expr(W, e->cond);
  walk_expr(W, e->lhs);
  walk_expr(W, e->rhs);
  walk_exprs(W, e->args, e->nargs);
  for (int i = 0; i < e->nidx; i++) {
    walk_expr(W, e->idx[i].lo);
    walk_expr(W, e->idx[i].hi);
  }
  if (e->kind == URN_EX_TARGET && (e->legacy & URN_LEG_GET_LP))
    urn_legacy_note(W->log, URN_LK_GET_LP, e->line, e->col, "get_lp() (removed in Stan 2.33): write target()");
  if (e->kind == URN_EX_TARGET && (e->legacy & URN_LEG_LP_VAR))
    urn_legacy_note(W->log, URN_LK_LP_VAR, e->line, e->col, "the variable lp__ (removed from Stan): write target()");
  if (e->kind == URN_EX_CALL) {
    const urn_fundef *f = user_fun(W->p, e->name);
    for (int i = 0; i < W->p->nfuns && !f; i++) /* a call by the old name of a renamed density */
      if (W->p->funs[i]->written && strcmp(W->p->funs[i]->written, e->name) == 0) f = W->p->funs[i];
    if (f) fix_user_call(W, e, f);
    else fix_builtin_call(W, e);
  }
}

static void note_name(lwalk *W, const char *name, int line, int col) {
  if (strcmp(name, "jacobian") == 0)
    urn_legacy_note(W->log, URN_LK_JACOBIAN_NAME, line, col,
                    "'jacobian' is a reserved word from Stan 2.38 (2.37 still accepts it as a name): rename it");
}

static void walk_decl(lwalk *W, urn_vardecl *d) {
  note_name(W, d->name, d->line, d->col);
  walk_exprs(W, d->dims, d->ndims);
  walk_expr(W, d->size1);
  walk_expr(W, d->size2);
  walk_expr(W, d->lower);
  walk_expr(W, d->upper);
  walk_expr(W, d->offset);
  walk_expr(W, d->multiplier);
  walk_expr(W, d->init);
  if (d->legacy & URN_LEG_POSTFIX_DIMS) {
    urn_buf old, now;
    urn_buf_init(&old);
    urn_buf_init(&now);
    urn_format_decl(d, 0, &old);
    urn_format_decl(d, URN_FMT_CANONICAL, &now);
    urn_legacy_note(W->log, URN_LK_OLD_ARRAY, d->line, d->col, "old array syntax '%.80s' (removed in Stan 2.33): write '%.80s'", old.data,
                    now.data);
    urn_buf_free(&old);
    urn_buf_free(&now);
  }
}

static void walk_stmt(lwalk *W, urn_stmt *s) {
  if (!s) return;
  if (s->decl) walk_decl(W, s->decl);
  walk_expr(W, s->lhs);
  walk_expr(W, s->rhs);
  walk_expr(W, s->cond);
  walk_expr(W, s->lo);
  walk_expr(W, s->hi);
  walk_exprs(W, s->args, s->nargs);
  walk_expr(W, s->trunc_lo);
  walk_expr(W, s->trunc_hi);
  walk_stmt(W, s->body);
  walk_stmt(W, s->else_body);
  for (int i = 0; i < s->nstmts; i++) walk_stmt(W, s->stmts[i]);
  if (s->kind == URN_ST_ASSIGN && (s->legacy & URN_LEG_ARROW))
    urn_legacy_note(W->log, URN_LK_ARROW, s->line, s->col, "assignment with '<-' (removed in Stan 2.33): write '='");
  if (s->kind == URN_ST_TARGET && (s->legacy & URN_LEG_INCREMENT))
    urn_legacy_note(W->log, URN_LK_INCREMENT, s->line, s->col,
                    "increment_log_prob(e) (removed in Stan 2.33): write 'target += e;'");
  if (s->kind == URN_ST_TARGET && (s->legacy & URN_LEG_LP_VAR))
    urn_legacy_note(W->log, URN_LK_LP_VAR, s->line, s->col,
                    "'lp__ <- lp__ + e' (removed from Stan): write 'target += e;'");
}

/* Is an argument type int-valued (int or an array of int)? */
static int int_valued(const urn_vardecl *a) { return a->ty.base == URN_TY_INT; }

/* Old user-defined densities: `y ~ foo(...)` served by the program's foo_log. */
static void rename_user_densities(lwalk *W, urn_stmt *s) {
  if (!s) return;
  if (s->kind == URN_ST_TILDE && s->dist) {
    urn_program *p = W->p;
    char name[300];
    snprintf(name, sizeof name, "%s_lpdf", s->dist);
    int modern = user_fun(p, name) || urn_builtin_exists(name);
    snprintf(name, sizeof name, "%s_lpmf", s->dist);
    modern |= user_fun(p, name) || urn_builtin_exists(name);
    snprintf(name, sizeof name, "%s_log", s->dist);
    urn_fundef *old = modern ? NULL : user_fun(p, name);
    if (old && old->nparams >= 1) {
      const char *now = resuffix(p, old->name, 4, int_valued(old->params[0]) ? "_lpmf" : "_lpdf");
      static const char *const more[][2] = {{"_cdf_log", "_lcdf"}, {"_ccdf_log", "_lccdf"}};
      urn_legacy_note(W->log, URN_LK_USER_LOG_DENSITY, old->line, old->col,
                      "a density named %s used as '~ %s(...)' (removed in Stan 2.33): name it %s", old->name, s->dist, now);
      for (int i = 0; i < p->nfuns; i++) {
        urn_fundef *f = p->funs[i];
        const char *to = NULL;
        if (strcmp(f->name, old->name) == 0) to = now;
        for (int k = 0; k < 2 && !to; k++) {
          snprintf(name, sizeof name, "%s%s", s->dist, more[k][0]);
          if (strcmp(f->name, name) == 0) to = resuffix(p, f->name, strlen(more[k][0]), more[k][1]);
        }
        if (!to) continue;
        f->written = f->name;
        f->name = to;
        f->suffix = urn_fun_suffix_of(to);
        f->legacy |= URN_LEG_RENAMED;
      }
    }
  }
  rename_user_densities(W, s->body);
  rename_user_densities(W, s->else_body);
  for (int i = 0; i < s->nstmts; i++) rename_user_densities(W, s->stmts[i]);
}

void urn_legacy_rewrite(urn_program *p, urn_legacy_log *log) {
  lwalk W = {p, log};
  for (int i = 0; i < p->ncomments; i++)
    if (p->comments[i].kind == URN_COM_HASH)
      urn_legacy_note(log, URN_LK_HASH_COMMENT, p->comments[i].line, p->comments[i].col,
                      "'#' comment (removed in Stan 2.33): write '//'");
  for (int b = 0; b < URN_BLK_COUNT; b++)
    for (int i = 0; i < p->blocks[b].nstmts; i++) rename_user_densities(&W, p->blocks[b].stmts[i]);
  for (int i = 0; i < p->nfuns; i++) rename_user_densities(&W, p->funs[i]->body);
  for (int i = 0; i < p->nfuns; i++) {
    urn_fundef *f = p->funs[i];
    note_name(&W, f->name, f->line, f->col);
    urn_type old_ty = f->ret;
    int old_type = (f->legacy & URN_LEG_POSTFIX_DIMS) != 0;
    for (int k = 0; k < f->nparams; k++) {
      note_name(&W, f->params[k]->name, f->params[k]->line, f->params[k]->col);
      if ((f->params[k]->legacy & URN_LEG_POSTFIX_DIMS) && !old_type) old_ty = f->params[k]->ty, old_type = 1;
    }
    if (old_type) {
      urn_buf was, now;
      urn_buf_init(&was);
      urn_buf_init(&now);
      urn_format_unsized(old_ty, URN_LEG_POSTFIX_DIMS, 0, &was);
      urn_format_unsized(old_ty, URN_LEG_POSTFIX_DIMS, URN_FMT_CANONICAL, &now);
      urn_legacy_note(log, URN_LK_OLD_ARG_TYPE, f->line, f->col,
                      "old array type '%s' in the signature of %s (removed in Stan 2.33): write '%s'", was.data,
                      f->written ? f->written : f->name, now.data);
      urn_buf_free(&was);
      urn_buf_free(&now);
    }
    walk_stmt(&W, f->body);
  }
  for (int b = 0; b < URN_BLK_COUNT; b++)
    for (int i = 0; i < p->blocks[b].nstmts; i++) walk_stmt(&W, p->blocks[b].stmts[i]);
}

void urn_legacy_finish(urn_program *p, const urn_legacy_log *log) {
  int order[URN_LK_COUNT], n = 0;
  for (int k = 0; k < URN_LK_COUNT; k++)
    if (log->count[k]) order[n++] = k;
  if (!n) return;
  for (int i = 1; i < n; i++) /* source order */
    for (int j = i; j > 0; j--) {
      int a = order[j - 1], b = order[j];
      if (log->line[a] < log->line[b] || (log->line[a] == log->line[b] && log->col[a] <= log->col[b])) break;
      order[j - 1] = b, order[j] = a;
    }
  urn_buf b;
  urn_buf_init(&b);
  for (int i = 0; i < n; i++) {
    int k = order[i];
    int fline;
    const char *file = urn_program_where(p, log->line[k], &fline);
    urn_buf_printf(&b, "%s:%d:%d: warning: %s", file, fline, log->col[k], log->what[k]);
    if (log->count[k] > 1) urn_buf_printf(&b, " [and %d more like it]", log->count[k] - 1);
    urn_buf_putc(&b, '\n');
  }
  if (n > 1 || order[0] != URN_LK_JACOBIAN_NAME)
    urn_buf_printf(&b, "%s: note: urn reads this old syntax; 'urn format --canonical %s' prints the program in "
                       "current Stan\n", p->path, p->path);
  p->warnings = urn_arena_strndup(&p->arena, b.data, b.len);
  urn_buf_free(&b);
}
