/* lang/builtins.c — the built-in table: merging the per-area tables
 * (fn_math.c, fn_linalg.c, fn_ops.c, and the distributions of math/dist.h in
 * every suffix form), overload resolution by signature strings, and the
 * descriptions used in messages and docs.  Built once with pthread_once. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/builtins.h"
#include "lang/fn.h"
#include "math/dist.h"
#include "util/util.h"


static urn_builtin *table;   /* all entries sorted by name (built once, then read-only) */
static size_t table_n;       /* number of entries */
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static int cmp_name(const void *a, const void *b) {
  const urn_builtin *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  if (c) return c;
  return x < y ? -1 : x > y; /* keep table order among overloads (qsort is not stable: use address) */
}

/* The signature code of a distribution argument kind. */
static const char *dist_code(urn_dist_argkind k) {
  switch (k) {
    case URN_DA_REALS: return "R";
    case URN_DA_INTS: return "I";
    case URN_DA_REAL: return "r";
    case URN_DA_INT: return "i";
    case URN_DA_VECTOR: return "U";
    case URN_DA_VECTORS: return "V";
    case URN_DA_MATRIX: return "m";
    case URN_DA_GLM_X: return "G";
    case URN_DA_INT_ARRAY: return "1i";
  }
  return "A";
}

static void add_entry(urn_builtin **t, size_t *n, size_t *cap, const urn_builtin *e) {
  if (*n == *cap) *cap = *cap ? 2 * *cap : 512, *t = urn_xrealloc(*t, *cap * sizeof **t);
  (*t)[(*n)++] = *e;
}

static void add_dist(urn_builtin **t, size_t *n, size_t *cap, const urn_dist *d) {
  static const struct { const char *suf_c, *suf_d; int kind; } forms[] = {
      {"_lpdf", "_lpmf", URN_DF_LPDF}, {"_lupdf", "_lupmf", URN_DF_LUPDF}, {"_lcdf", "_lcdf", URN_DF_LCDF},
      {"_lccdf", "_lccdf", URN_DF_LCCDF}, {"_cdf", "_cdf", URN_DF_CDF}, {"_rng", "_rng", URN_DF_RNG}};
  for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
    int kind = forms[f].kind;
    if (kind == URN_DF_RNG ? d->rng == NULL : urn_dist_function(d, kind) == NULL) continue;
    if ((d->flags & URN_DIST_CDF_ONLY) && (kind == URN_DF_LPDF || kind == URN_DF_LUPDF)) continue;
    urn_buf name, sig;
    urn_buf_init(&name), urn_buf_init(&sig);
    urn_buf_printf(&name, "%s%s%s", d->name, d->discrete ? forms[f].suf_d : forms[f].suf_c,
                   (d->flags & URN_DIST_UNNORM_CDF) && (kind == URN_DF_LCDF || kind == URN_DF_LCCDF) ? "_unnorm" : "");
    if (kind == URN_DF_RNG) {
      const char *ret = "Q";
      switch (d->rng_kind) {
        case URN_RNG_REALS: ret = "Q"; break;
        case URN_RNG_INTS: ret = "J"; break;
        case URN_RNG_INT: ret = "i"; break;
        case URN_RNG_VECTOR: ret = "H"; break;
        case URN_RNG_MATRIX: ret = "m"; break;
        case URN_RNG_INT_ARRAY: ret = "1i"; break;
        default: break;
      }
      urn_buf_printf(&sig, "%s:", ret);
      if (d->n_rng_args >= 0)
        for (int i = 0; i < d->n_rng_args; i++) urn_buf_printf(&sig, "%s%s", i ? " " : "", dist_code(d->rng_args[i].kind));
      else
        for (int i = 1; i < d->nargs; i++) urn_buf_printf(&sig, "%s%s", i > 1 ? " " : "", dist_code(d->args[i].kind));
    } else {
      urn_buf_puts(&sig, "r:");
      for (int i = 0; i < d->nargs; i++) urn_buf_printf(&sig, "%s%s", i ? " " : "", dist_code(d->args[i].kind));
    }
    urn_builtin e = {name.data, sig.data, urn_fn_dist, NULL, d, kind,
                     URN_BI_DIST | (kind == URN_DF_RNG ? URN_BI_RNG : 0) | (kind == URN_DF_LUPDF ? URN_BI_LUPDF : 0),
                     d->density ? d->density : ""};
    add_entry(t, n, cap, &e);
  }
}

static void build_table(void) {
  urn_builtin *t = NULL;
  size_t n = 0, cap = 0;
  const urn_builtin *parts[] = {urn_fn_math_table, urn_fn_ops_table, urn_fn_array_table, urn_fn_linalg_table,
                                urn_fn_ode_table, urn_fn_ode_adj_table, urn_fn_dae_table, urn_fn_gp_table,
                                urn_fn_solve_table, urn_fn_transform_table, urn_fn_construct_table, urn_fn_special_table,
                                urn_fn_matrix_table, urn_fn_decomp_table, urn_fn_integrate_table, urn_fn_laplace_table,
                                urn_fn_complex_table, urn_fn_complex_la_table, urn_fn_complex_array_table};
  for (size_t p = 0; p < sizeof parts / sizeof parts[0]; p++)
    for (const urn_builtin *e = parts[p]; e->name; e++) add_entry(&t, &n, &cap, e);
  for (const urn_dist *d = urn_dist_table; d->name; d++) add_dist(&t, &n, &cap, d);
  qsort(t, n, sizeof *t, cmp_name);
  table = t, table_n = n;
}

const urn_builtin *urn_builtin_table(size_t *n) {
  pthread_once(&table_once, build_table);
  if (n) *n = table_n;
  return table;
}

/* First entry named name, or NULL; *count gets the number of overloads. */
static const urn_builtin *find(const char *name, size_t *count) {
  urn_builtin_table(NULL);
  size_t lo = 0, hi = table_n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (strcmp(table[mid].name, name) < 0) lo = mid + 1;
    else hi = mid;
  }
  size_t k = 0;
  while (lo + k < table_n && strcmp(table[lo + k].name, name) == 0) k++;
  if (count) *count = k;
  return k ? &table[lo] : NULL;
}

int urn_builtin_exists(const char *name) { return find(name, NULL) != NULL; }

/* Reads one code ("r", "1i", "R", "T*") from *p: base letter, array dims, repeat flag. */
static int next_code(const char **p, char *letter, int *dims, int *repeat) {
  const char *s = *p;
  while (*s == ' ') s++;
  if (!*s) return 0;
  if (*s == '#') s++; /* a data-only argument (urn_builtin_data_arg) */
  *dims = 0;
  if (*s >= '1' && *s <= '9') *dims = *s++ - '0';
  else if (*s == '@') *dims = -1, s++; /* any number of array dimensions */
  if (*s == '~') s++, *letter = (char)(*s++ | 0x80); /* the complex form of the letter */
  else *letter = *s++;
  *repeat = 0;
  if (*s == '*') *repeat = 1, s++;
  *p = s;
  return 1;
}

static int letter_base(char c) {
  switch (c) {
    case 'i': return URN_TY_INT;
    case 'r': return URN_TY_REAL;
    case 'v': return URN_TY_VECTOR;
    case 'w': return URN_TY_ROW_VECTOR;
    case 'm': return URN_TY_MATRIX;
  }
  return -1;
}

static int is_numeric(int base) { return base >= URN_TY_INT && base <= URN_TY_MATRIX; }
/* An array or a (complex) vector, row vector or matrix. */
static int is_container(urn_type t) { return t.dims || urn_base_ndim(t.base); }

/* Cost of passing t where the complex form of code (letter, dims) is expected ("~r" complex, "~v"
 * complex_vector, "~w", "~m", "~T" any complex or real-valued type): the real-valued types promote
 * (int -> real -> complex, vector -> complex_vector, ...), one step each. */
static int match_complex(char letter, int dims, urn_type t) {
  if (letter == 'T' || letter == 'C') { /* T: any array dimensions; C: none (operators) */
    if (letter == 'C' && t.dims) return -1;
    if (urn_base_is_complex(t.base)) return 0;
    return is_numeric(t.base) ? (t.base == URN_TY_INT ? 2 : 1) : -1;
  }
  int base = letter_base(letter);
  if (base < 0 || (dims >= 0 && t.dims != dims)) return -1;
  int want = urn_base_to_complex(base);
  if (t.base == want) return 0;
  if (t.base == base || (base == URN_TY_REAL && t.base == URN_TY_REAL)) return 1;
  if (want == URN_TY_COMPLEX && t.base == URN_TY_INT) return 2;
  return -1;
}

/* Cost of passing an argument of type t where code (letter, dims) is expected: -1 when impossible.
 * first is the type of the call's first argument (for 'b'). */
static int match_code(char letter, int dims, urn_type t, urn_type first) {
  if ((unsigned char)letter & 0x80) return match_complex((char)(letter & 0x7f), dims, t);
  int base = letter_base(letter);
  if (base >= 0) {
    if (dims >= 0 && t.dims != dims) return -1;
    if (t.base == base) return 0;
    if (base == URN_TY_REAL && t.base == URN_TY_INT) return 1;
    return -1;
  }
  switch (letter) {
    case 'R':
      if (t.dims == 0 && is_numeric(t.base) && t.base != URN_TY_MATRIX) return t.base == URN_TY_INT ? 1 : 0;
      if (t.dims == 1 && (t.base == URN_TY_INT || t.base == URN_TY_REAL)) return t.base == URN_TY_INT ? 1 : 0;
      return -1;
    case 'I': return (t.base == URN_TY_INT && t.dims <= 1) ? 0 : -1;
    case 'U': return (t.dims == 0 && (t.base == URN_TY_VECTOR || t.base == URN_TY_ROW_VECTOR)) ? 0 : -1;
    case 'V': return (t.dims <= 1 && (t.base == URN_TY_VECTOR || t.base == URN_TY_ROW_VECTOR)) ? 0 : -1;
    case 'T': return is_numeric(t.base) ? 0 : -1;
    case 'N': return (t.dims == 0 && (t.base == URN_TY_INT || t.base == URN_TY_REAL)) ? 0 : -1;
    case 'y': /* what a reduction takes (sum, max, mean, ...): vector, row_vector, matrix, array[] int/real */
      if (t.dims == 0) return (t.base == URN_TY_VECTOR || t.base == URN_TY_ROW_VECTOR || t.base == URN_TY_MATRIX) ? 0 : -1;
      return (t.dims == 1 && (t.base == URN_TY_INT || t.base == URN_TY_REAL)) ? 0 : -1;
    case 'A': return (t.base != URN_TY_VOID && t.base != URN_TY_ERROR) ? 0 : -1;
    case 'F': return t.base == URN_TY_FUNCTION ? 0 : -1;
    case 'C': return (t.dims == 0 && (t.base == URN_TY_VECTOR || t.base == URN_TY_ROW_VECTOR || t.base == URN_TY_MATRIX)) ? 0 : -1;
    case 'Z': return t.dims >= 1 ? 0 : -1; /* any array */
    case 'b': /* a bound: an int/real scalar, or the shape of the first argument (int promoted) */
      if (t.dims == 0 && (t.base == URN_TY_INT || t.base == URN_TY_REAL)) return t.base == URN_TY_INT ? 1 : 0;
      if (t.dims != first.dims || !is_numeric(t.base)) return -1;
      if (t.base == first.base) return 0;
      return (t.base == URN_TY_INT || t.base == URN_TY_REAL) && (first.base == URN_TY_INT || first.base == URN_TY_REAL) ? 1 : -1;
    case 'G': return (t.dims == 0 && (t.base == URN_TY_MATRIX || t.base == URN_TY_ROW_VECTOR)) ? 0 : -1;
    case 'M': return t.base == URN_TY_INT ? 0 : -1; /* int or int array of any dimensions */
    case 'n': return t.base == URN_TY_INT || t.base == URN_TY_REAL ? 0 : -1; /* int or real, or an array of them */
    case 'z': /* an array; the same type as argument 1 (complex ones too) */
      return t.dims >= 1 && (is_numeric(t.base) || urn_base_is_complex(t.base)) ? 0 : -1;
    case 'c': /* real scalar or vector / row_vector / matrix, no arrays (fma) */
      if (t.dims) return -1;
      return t.base == URN_TY_INT ? 1 : (t.base >= URN_TY_REAL && t.base <= URN_TY_MATRIX) ? 0 : -1;
  }
  return -1;
}

/* The code letter of argument i of sig ('?' past the end; the last code repeats when it has '*'). */
static char code_at(const char *sig, int i) {
  const char *s = strchr(sig, ':');
  s = s ? s + 1 : "";
  char letter = '?';
  int dims, repeat = 0, k = 0;
  while (next_code(&s, &letter, &dims, &repeat)) {
    if (k++ == i || repeat) return letter;
  }
  return '?';
}

/* Stan's rank of a type: array dimensions plus 1 for a vector / row_vector, 2 for a matrix. */
static int type_rank(urn_type t) { return t.dims + urn_base_ndim(t.base); }


/* Elementwise signatures ("S:TT", "K:TT", "S:MT", "K:MM", "S:ccc"): do the containers among the arguments
 * conform?  Real-valued ones (T, c) must have one type (int promoted to real); an int-valued one (M) and a
 * real-valued one the same rank (lmgamma(array[] int, vector) pairs elements by position); two int-valued ones
 * the same dimensions. */
static int elementwise_conform(const char *sig, const urn_type *args, int n) {
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++) {
      if (!is_container(args[i]) || !is_container(args[j])) continue;
      char ci = code_at(sig, i), cj = code_at(sig, j);
      urn_type a = args[i], b = args[j];
      if (ci == 'M' || cj == 'M') {
        if (ci == 'M' && cj == 'M' ? a.dims != b.dims : type_rank(a) != type_rank(b)) return 0;
        continue;
      }
      if (a.base == URN_TY_INT) a.base = URN_TY_REAL;
      if (b.base == URN_TY_INT) b.base = URN_TY_REAL;
      if (a.base != b.base || a.dims != b.dims) return 0;
    }
  return 1;
}

/* Is sig an elementwise signature: return S or K and only T, c, M arguments (at least two)? */
static int is_elementwise(const char *sig) {
  if ((sig[0] != 'S' && sig[0] != 'K') || sig[1] != ':') return 0;
  int k = 0;
  for (const char *c = sig + 2; *c; c++) {
    if (*c != 'T' && *c != 'c' && *c != 'M') return 0;
    k++;
  }
  return k >= 2;
}

/* Tuple return codes "(c1,c2,...):args": each component a fixed code (i r v w m, '~' before one for its
 * complex form, a digit before for array dimensions).  Parsed once per signature into storage that lives
 * as long as the process (the table is static), under a lock: resolution may run on several threads. */
typedef struct tup_ret {
  const char *sig;
  urn_tuple_type t;
  struct tup_ret *next;
} tup_ret;
static tup_ret *tup_rets;
static pthread_mutex_t tup_lock = PTHREAD_MUTEX_INITIALIZER;

const urn_tuple_type *urn_builtin_tuple_ret(const char *sig) {
  if (!sig || sig[0] != '(') return NULL;
  pthread_mutex_lock(&tup_lock);
  tup_ret *r = tup_rets;
  while (r && r->sig != sig) r = r->next;
  if (!r) {
    urn_type comp[16];
    int n = 0;
    const char *s = sig + 1;
    while (*s && *s != ')' && n < 16) {
      int dims = 0, cplx = 0;
      if (*s >= '1' && *s <= '9') dims = *s++ - '0';
      if (*s == '~') cplx = 1, s++;
      int base = letter_base(*s++);
      if (base < 0) base = URN_TY_REAL;
      comp[n++] = (urn_type){(unsigned char)(cplx ? urn_base_to_complex(base) : base), (unsigned char)dims};
      if (*s == ',') s++;
    }
    r = urn_xmalloc(sizeof *r);
    urn_type *e = urn_xmalloc((size_t)(n ? n : 1) * sizeof *e);
    memcpy(e, comp, (size_t)n * sizeof *e);
    r->sig = sig, r->t.n = n, r->t.elem = e, r->next = tup_rets, tup_rets = r;
  }
  pthread_mutex_unlock(&tup_lock);
  return &r->t;
}

/* Result type of sig's return code for argument types args. */
static urn_type ret_type(const char *sig, const urn_type *args, int n) {
  urn_type r = {URN_TY_REAL, 0};
  if (sig[0] == '(') return (urn_type){URN_TY_TUPLE, 0, urn_builtin_tuple_ret(sig)};
  if (sig[0] == '~' || sig[0] == '^') { /* the type of the rest, made complex / real-valued */
    r = ret_type(sig + 1, args, n);
    r.base = (unsigned char)(sig[0] == '~' ? urn_base_to_complex(r.base) : urn_base_to_real(r.base));
    return r;
  }
  char letter = sig[0];
  int dims = 0;
  const char *s = sig;
  if (*s >= '1' && *s <= '9') dims = *s++ - '0', letter = *s;
  if (*s == '@') dims = n ? args[0].dims : 0, letter = *++s; /* the first argument's array dimensions */
  int cplx = letter == '~'; /* "1~r": array[] complex */
  if (cplx) letter = s[1];
  int base = letter_base(letter);
  if (base >= 0) return (urn_type){(unsigned char)(cplx ? urn_base_to_complex(base) : base), (unsigned char)dims};
  int all_scalar = 1;
  for (int i = 0; i < n; i++)
    if (is_container(args[i])) all_scalar = 0;
  switch (letter) {
    case 'S': /* an int-valued (M) argument gives the shape only when no real-valued one is a container */
      for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < n; i++)
          if (is_container(args[i]) && (pass || code_at(sig, i) != 'M')) {
            r = args[i];
            if (r.base == URN_TY_INT) r.base = URN_TY_REAL;
            return r;
          }
      return r;
    case 'K': /* like S but int stays int when every argument is int (abs, max of ints...) */
      for (int i = 0; i < n; i++)
        if (args[i].base != URN_TY_INT) {
          urn_type x = ret_type("S", args, n);
          return x;
        }
      for (int i = 0; i < n; i++)
        if (args[i].dims) return args[i];
      return (urn_type){URN_TY_INT, 0};
    case 'L': /* reduction: int for int arguments, else real */
      return (urn_type){(unsigned char)(n && args[0].base == URN_TY_INT ? URN_TY_INT : URN_TY_REAL), 0};
    case 'Q': return all_scalar ? (urn_type){URN_TY_REAL, 0} : (urn_type){URN_TY_REAL, 1};
    case 'J': return all_scalar ? (urn_type){URN_TY_INT, 0} : (urn_type){URN_TY_INT, 1};
    case 'X': return n ? args[0] : r;
    case 'Y': r = n ? args[0] : r; if (r.base == URN_TY_INT) r.base = URN_TY_REAL; return r;
    case 'E': /* element of argument 0 */
      r = args[0];
      if (r.dims) r.dims--;
      else if (urn_base_ndim(r.base)) r.base = (unsigned char)(urn_base_is_complex(r.base) ? URN_TY_COMPLEX : URN_TY_REAL);
      return r;
    case 'P': r = args[0]; r.dims = (unsigned char)(r.dims + n - 1); return r; /* rep_array */
    case 'B': r = args[0]; r.dims = 0; if (r.base == URN_TY_INT) r.base = URN_TY_REAL; return r; /* base scalar type */
    case 'D': r.base = URN_TY_INT; r.dims = 1; return r;
    case 'j': r.base = URN_TY_INT; r.dims = n ? args[0].dims : 0; return r; /* int with argument 1's array dims */
    case 'u': return all_scalar ? r : (urn_type){URN_TY_VECTOR, 0}; /* real, or vector for any container (student_t_qf) */
    case 'W': /* to_array_1d-like: the scalar type of arg0 (real for vectors and matrices) with 1 dim */
      r = args[0], r.dims = 1;
      if (urn_base_ndim(r.base)) r.base = (unsigned char)(urn_base_is_complex(r.base) ? URN_TY_COMPLEX : URN_TY_REAL);
      return r;
    case 'H': /* vector, or array[] vector when an argument is an array (multi_normal_rng over many locations) */
      for (int i = 0; i < n; i++)
        if (args[i].dims) return (urn_type){URN_TY_VECTOR, 1};
      return (urn_type){URN_TY_VECTOR, 0};
    case 'O': r.base = (args[0].base == URN_TY_INT || (n > 1 && args[1].base == URN_TY_INT)) ? URN_TY_INT : URN_TY_REAL; r.dims = 0; return r;
  }
  return r;
}

const urn_builtin *urn_builtin_resolve(const char *name, const urn_type *args, int n, urn_type *ret) {
  return urn_builtin_resolve_cost(name, args, n, ret, NULL);
}

const urn_builtin *urn_builtin_resolve_cost(const char *name, const urn_type *args, int n, urn_type *ret, int *cost_out) {
  size_t count;
  const urn_builtin *first = find(name, &count);
  const urn_builtin *best = NULL;
  int best_cost = 1 << 30;
  for (size_t k = 0; k < count; k++) {
    const urn_builtin *b = &first[k];
    const char *s = strchr(b->sig, ':');
    s = s ? s + 1 : "";
    int cost = 0, i = 0, ok = 1;
    char letter = 0;
    int dims = 0, repeat = 0;
    while (i < n) {
      if (!repeat && !next_code(&s, &letter, &dims, &repeat)) { ok = 0; break; }
      int c = match_code(letter, dims, args[i], args[0]);
      if (c < 0) { ok = 0; break; }
      cost += c, i++;
    }
    if (ok && !repeat) {
      char l2; int d2, r2;
      if (next_code(&s, &l2, &d2, &r2)) ok = 0; /* too few arguments */
    }
    if (!ok) continue;
    /* elementwise complex functions: two containers must have the same type once complex */
    if (strncmp(b->sig, "~S:", 3) == 0 && n == 2 && is_container(args[0]) && is_container(args[1]) &&
        (args[0].dims != args[1].dims || urn_base_to_complex(args[0].base) != urn_base_to_complex(args[1].base)))
      continue;
    /* 'z': an array of exactly the type of the first argument (append_array) */
    if (n >= 2 && code_at(b->sig, 1) == 'z' && (args[1].base != args[0].base || args[1].dims != args[0].dims)) continue;
    /* elementwise functions: their containers must conform */
    if (is_elementwise(b->sig) && !elementwise_conform(b->sig, args, n)) continue;
    if (cost < best_cost) best = b, best_cost = cost;
  }
  if (best && ret) *ret = ret_type(best->sig, args, n);
  if (cost_out) *cost_out = best ? best_cost : -1;
  return best;
}

void urn_type_name(urn_type t, char *out, size_t cap) {
  if (t.base == URN_TY_ERROR && cap) { snprintf(out, cap, "error"); return; }
  urn_type_format(t, out, cap);
}

static const char *code_text(char letter, int dims, char *tmp, size_t cap) {
  int base = letter_base(letter);
  if (base >= 0 && dims < 0) { urn_type_name((urn_type){(unsigned char)base, 0}, tmp, cap); snprintf(tmp + strlen(tmp), cap - strlen(tmp), " or an array of them"); return tmp; }
  if (base >= 0) { urn_type_name((urn_type){(unsigned char)base, (unsigned char)dims}, tmp, cap); return tmp; }
  switch (letter) {
    case 'R': return "reals";
    case 'I': return "ints";
    case 'U': return "vector";
    case 'V': return "vectors";
    case 'T': return "T";
    case 'N': return "real";
    case 'y': return "vector, row_vector, matrix or a one-dimensional array";
    case 'A': return "any";
    case 'F': return "function";
    case 'C': return "vector or matrix";
    case 'Z': return "array";
    case 'b': return "real or the first argument's type";
    case 'G': return "matrix or row_vector";
    case 'M': return "ints";
    case 'n': return "int or real (or an array of them)";
    case 'z': return "the same array type";
    case 'c': return "real or vector or matrix";
  }
  if ((unsigned char)letter & 0x80) {
    int b = letter_base((char)(letter & 0x7f));
    if ((letter & 0x7f) == 'T') return "complex or any complex container";
    if (b >= 0) {
      urn_type_name((urn_type){(unsigned char)urn_base_to_complex(b), (unsigned char)(dims > 0 ? dims : 0)}, tmp, cap);
      return tmp;
    }
  }
  return "?";
}

int urn_builtin_data_arg(const urn_builtin *b, int i) {
  if (b->flags & URN_BI_NOVARS) return 1; /* every argument (quantile, to_int, sizes, ...) */
  const char *s = strchr(b->sig, ':');
  s = s ? s + 1 : "";
  int data = 0;
  for (int k = 0; k <= i; k++) {
    while (*s == ' ') s++;
    if (!*s) return data; /* past the last code: the repeated one */
    data = *s == '#';
    const char *code = s;
    while (*s && *s != ' ') s++;
    if (s > code && s[-1] == '*') { /* a repeated code stands for every later argument */
      return data;
    }
  }
  return data;
}

void urn_builtin_describe(const char *name, char *out, size_t cap) {
  size_t count;
  const urn_builtin *first = find(name, &count);
  urn_buf b;
  urn_buf_init(&b);
  for (size_t k = 0; k < count && k < 12; k++) {
    const char *s = strchr(first[k].sig, ':');
    s = s ? s + 1 : "";
    urn_buf_printf(&b, "%s%s(", k ? ", " : "", name);
    char letter; int dims, repeat, i = 0;
    char tmp[64];
    for (;;) {
      while (*s == ' ') s++;
      int data = *s == '#';
      if (!next_code(&s, &letter, &dims, &repeat)) break;
      urn_buf_printf(&b, "%s%s%s%s", i++ ? ", " : "", data ? "data " : "", code_text(letter, dims, tmp, sizeof tmp),
                     repeat ? ", ..." : "");
    }
    urn_buf_putc(&b, ')');
  }
  if (count > 12) urn_buf_puts(&b, ", ...");
  snprintf(out, cap, "%s", b.data ? b.data : "");
  urn_buf_free(&b);
}
