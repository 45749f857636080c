/* tests/test_check.c — the semantic checker: the catalogue of wrong programs
 * in tests/data/bad_programs/ (each file ends with `// expect: LINE:COL: message`
 * lines giving every error it must produce, in order; a message ending in "..."
 * is matched as a prefix), the committed good programs, the annotations the
 * evaluator relies on (types, resolved declarations and functions, index
 * kinds, data_only), and how many posteriordb programs check (every tier-1/2
 * fixture must; the count of the 111 models is printed). */
#include <dirent.h>

#include "harness.h"
#include "lang/check.h"
#include "lang/parser.h"
#include "util/util.h"

/* Parses and checks; returns 0 when valid, else the error message in err. */
static int parse_check(const char *path, const char *src, size_t len, urn_program **out,
                       urn_error *err) {
  urn_program *p = urn_parse(path, src, len, err);
  if (!p) return 1;
  int rc = urn_check(p, err);
  if (out && rc == 0) *out = p;
  else urn_program_free(p);
  return rc;
}

static int check_file(const char *path, urn_error *err) {
  size_t len;
  char *src = test_read_file(path, &len);
  if (!src) {
    snprintf(err->msg, sizeof err->msg, "cannot read %s", path);
    return 1;
  }
  int rc = parse_check(path, src, len, NULL, err);
  free(src);
  return rc;
}

/* Compares the error lines of msg (those starting with "path:") with the expectations. */
static void check_bad_program(const char *dir, const char *name) {
  char path[8192];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  size_t len;
  char *src = test_read_file(path, &len);
  if (!src) {
    CHECK(0, "read %s", path);
    return;
  }
  /* expectations */
  char want[16][8800];
  int nwant = 0;
  const char *end = src + len;
  for (const char *q = src; (q = memmem(q, (size_t)(end - q), "// expect: ", 11)) && nwant < 16;) {
    q += strlen("// expect: ");
    size_t n = strcspn(q, "\n");
    snprintf(want[nwant++], sizeof want[0], "%s:%.*s", path, (int)n, q);
    q += n;
  }
  urn_error err;
  int rc = parse_check(path, src, len, NULL, &err);
  free(src);
  if (nwant == 0) {
    CHECK(0, "%s has no '// expect:' line", name);
    return;
  }
  if (rc == 0) {
    CHECK(0, "%s: accepted, but it should fail with %s", name, want[0]);
    return;
  }
  /* the message lines of err.msg */
  char got[16][2100];
  int ngot = 0;
  size_t plen = strlen(path);
  for (const char *q = err.msg; *q && ngot < 16;) {
    size_t n = strcspn(q, "\n");
    if (n > plen && strncmp(q, path, plen) == 0 && q[plen] == ':')
      snprintf(got[ngot++], sizeof got[0], "%.*s", (int)n, q);
    q += n;
    if (*q) q++;
  }
  int ok = ngot == nwant && err.code == URN_EINPUT;
  for (int i = 0; ok && i < nwant; i++) {
    size_t wl = strlen(want[i]);
    if (wl > 3 && strcmp(want[i] + wl - 3, "...") == 0)
      ok = strncmp(got[i], want[i], wl - 3) == 0;
    else
      ok = strcmp(got[i], want[i]) == 0;
  }
  if (!ok) {
    fprintf(stderr, "%s: expected %d error(s):\n", name, nwant);
    for (int i = 0; i < nwant; i++) fprintf(stderr, "  want: %s\n", want[i]);
    fprintf(stderr, "got:\n%s\n", err.msg);
  }
  CHECK(ok, "bad program %s gives exactly its expected errors", name);
  /* every message is followed by the source line and a caret line */
  CHECK(strstr(err.msg, "\n") && strchr(err.msg, '^'), "%s: source line and caret shown", name);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.stan names in dir, sorted (caller frees). */
static char **list_stan(const char *dir, int *n) {
  DIR *d = opendir(dir);
  *n = 0;
  if (!d) return NULL;
  char **names = NULL;
  int cap = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    size_t len = strlen(de->d_name);
    if (len < 6 || strcmp(de->d_name + len - 5, ".stan") != 0) continue;
    if (*n == cap) names = realloc(names, (size_t)(cap = cap ? 2 * cap : 64) * sizeof *names);
    names[(*n)++] = strdup(de->d_name);
  }
  closedir(d);
  qsort(names, (size_t)*n, sizeof *names, cmp_str);
  return names;
}

static void test_bad_programs(void) {
  int n;
  char **names = list_stan("tests/data/bad_programs", &n);
  for (int i = 0; i < n; i++) {
    check_bad_program("tests/data/bad_programs", names[i]);
    free(names[i]);
  }
  free(names);
  printf("bad programs: %d\n", n);
  CHECK(n >= 40, "at least 40 wrong programs in the catalogue (%d)", n);
}

static void test_good_programs(void) {
  int n;
  char **names = list_stan("tests/data/stan", &n);
  for (int i = 0; i < n; i++) {
    char path[4096];
    snprintf(path, sizeof path, "tests/data/stan/%s", names[i]);
    urn_error err;
    int rc = check_file(path, &err);
    CHECK(rc == 0, "%s checks: %s", names[i], rc ? err.msg : "");
    free(names[i]);
  }
  free(names);
  CHECK(n >= 5, "committed good programs (%d)", n);
}

/* Annotations the evaluator uses. */
static void test_annotations(void) {
  const char *src =
      "functions {\n"
      "  real sq(real x) { return x * x; }\n"
      "  real my_lpdf(real y, real m) { return -(y - m)^2; }\n"
      "}\n"
      "data {\n"
      "  int N;\n"
      "  matrix[N, 3] X;\n"
      "  array[N] int idx;\n"
      "  array[N, 2] vector[3] av;\n"
      "}\n"
      "parameters {\n"
      "  real mu;\n"
      "  vector[3] beta;\n"
      "}\n"
      "model {\n"
      "  vector[N] eta = X * beta;\n"
      "  real a = sq(mu) + sq(2);\n"
      "  real b = X[1, 2] + X[idx[1], 1];\n"
      "  row_vector[3] r = X[1];\n"
      "  vector[N] c = X[:, 2];\n"
      "  matrix[2, 3] s = X[{1, 2}, :];\n"
      "  array[N] vector[3] v1 = av[:, 1];\n"
      "  array[2] real v2 = av[1, :, 3];\n"
      "  real t = N / 2;\n"
      "  mu ~ my(0);\n"
      "  target += my_lupdf(mu | 1);\n"
      "}\n";
  urn_program *p = NULL;
  urn_error err;
  int rc = parse_check("a.stan", src, strlen(src), &p, &err);
  CHECK(rc == 0, "annotation program checks: %s", rc ? err.msg : "");
  if (rc) return;
  CHECK(p->checked, "program marked checked");
  urn_block *m = &p->blocks[URN_BLK_MODEL];
  urn_expr *eta = m->stmts[0]->decl->init;
  CHECK(eta->ty.base == URN_TY_VECTOR && eta->ty.dims == 0 && !eta->data_only, "X * beta: vector");
  CHECK(eta->lhs->decl && eta->lhs->decl->origin == URN_ORIGIN_DATA && eta->lhs->data_only,
        "X resolves to the data declaration");
  urn_expr *a = m->stmts[1]->decl->init;
  CHECK(a->lhs->kind == URN_EX_CALL && a->lhs->fun == p->funs[0] && !a->lhs->builtin &&
            a->lhs->ty.base == URN_TY_REAL && !a->lhs->data_only && a->rhs->data_only,
        "user call resolved; data_only follows the arguments");
  urn_expr *b = m->stmts[2]->decl->init;
  CHECK(b->ty.base == URN_TY_REAL && b->lhs->ty.base == URN_TY_REAL && b->data_only,
        "matrix element is real and data");
  CHECK(b->rhs->idx[0].kind == URN_IDX_SINGLE && b->rhs->idx[0].lo->ty.base == URN_TY_INT,
        "idx[1] is a single index");
  urn_expr *r = m->stmts[3]->decl->init;
  CHECK(r->ty.base == URN_TY_ROW_VECTOR, "X[1] is a row_vector");
  urn_expr *c = m->stmts[4]->decl->init;
  CHECK(c->ty.base == URN_TY_VECTOR && c->idx[0].kind == URN_IDX_ALL, "X[:, 2] is a vector");
  urn_expr *s = m->stmts[5]->decl->init;
  CHECK(s->ty.base == URN_TY_MATRIX && s->idx[0].kind == URN_IDX_MULTI, "X[{1,2}, :] is a matrix");
  urn_expr *v1 = m->stmts[6]->decl->init;
  CHECK(v1->ty.base == URN_TY_VECTOR && v1->ty.dims == 1, "av[:, 1] is array[] vector");
  urn_expr *v2 = m->stmts[7]->decl->init;
  CHECK(v2->ty.base == URN_TY_REAL && v2->ty.dims == 1, "av[1, :, 3] is array[] real");
  urn_expr *t = m->stmts[8]->decl->init;
  CHECK(t->ty.base == URN_TY_INT, "int / int is int");
  urn_stmt *tilde = m->stmts[9];
  CHECK(tilde->fun == p->funs[1] && !tilde->builtin && !tilde->discrete, "~ my() uses my_lpdf");
  urn_expr *lup = m->stmts[10]->rhs;
  CHECK(lup->fun == p->funs[1] && lup->propto, "my_lupdf calls my_lpdf with propto");
  urn_program_free(p);
}

static void test_shared(void) {
  const char *shared = test_shared_dir();
  if (!shared) {
    printf("skipped: ../shared is absent (posteriordb programs not checked)\n");
    return;
  }
  char dir[8192];
  snprintf(dir, sizeof dir, "%s/posteriordb/models", shared);
  int n, ok = 0;
  char **names = list_stan(dir, &n);
  int verbose = getenv("URN_TEST_VERBOSE") != NULL;
  for (int i = 0; i < n; i++) {
    char path[8800];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    urn_error err;
    if (check_file(path, &err) == 0) ok++;
    else if (verbose) fprintf(stderr, "%s\n", err.msg);
    free(names[i]);
  }
  free(names);
  printf("posteriordb models: %d of %d check\n", ok, n);
  /* the fixtures with reference posteriors: every one must check (tier 3, the ODE programs, too) */
  snprintf(dir, sizeof dir, "%s/posteriordb", shared);
  DIR *d = opendir(dir);
  int nfix = 0, okfix = 0;
  if (d) {
    struct dirent *de;
    while ((de = readdir(d))) {
      char path[8800];
      snprintf(path, sizeof path, "%s/%s/model.stan", dir, de->d_name);
      size_t len;
      char *src = de->d_name[0] == '.' ? NULL : test_read_file(path, &len);
      if (!src) continue;
      free(src);
      nfix++;
      urn_error err;
      int rc = check_file(path, &err);
      okfix += rc == 0;
      if (rc) fprintf(stderr, "fixture %s does not check:\n%s\n", de->d_name, err.msg);
    }
    closedir(d);
  }
  printf("posteriordb fixtures: %d of %d check\n", okfix, nfix);
  /* Every fixture and every one of the 111 models checks (the four ODE programs since
   * fn_ode.c); never lower the floor. */
  CHECK(okfix == nfix, "fixtures that check: %d of %d", okfix, nfix);
  CHECK(ok >= 111, "posteriordb models that check: %d of %d", ok, n);
}

/* The type the checker gives EXPR in a context with variables of every type
 * (printed as Stan spells it; "error" when it is refused). */
static void check_type(const char *expr, const char *want, int line) {
  char src[2048];
  snprintf(src, sizeof src,
           "data { int i; real r; vector[3] v; row_vector[3] w; matrix[3, 3] m; array[3] int ai; "
           "array[3] real ar; array[2, 3] vector[3] av; array[2] matrix[3, 3] am; }\n"
           "transformed data { print(%s); }\n",
           expr);
  urn_error err;
  urn_program *p = urn_parse("ty.stan", src, strlen(src), &err);
  if (!p) {
    test_report(0, __FILE__, line, "%s does not parse: %s", expr, err.msg);
    return;
  }
  int rc = urn_check(p, &err);
  char got[64] = "error";
  if (rc == 0) urn_type_format(p->blocks[URN_BLK_TDATA].stmts[0]->args[0]->ty, got, sizeof got);
  test_report(strcmp(got, want) == 0, __FILE__, line, "type of %s: got %s, want %s", expr, got,
              want);
  urn_program_free(p);
}
#define TYPE(e, t) check_type(e, t, __LINE__)

static void test_typing(void) {
  TYPE("i + i", "int");
  TYPE("i / i", "int");
  TYPE("i * r", "real");
  TYPE("i ^ i", "real");
  TYPE("i % i", "int");
  TYPE("i %/% i", "int");
  TYPE("r % i", "error");
  TYPE("v + r", "vector");
  TYPE("i - v", "vector");
  TYPE("v + w", "error");
  TYPE("v' + w", "row_vector");
  TYPE("w * v", "real");
  TYPE("v * w", "matrix");
  TYPE("m * v", "vector");
  TYPE("w * m", "row_vector");
  TYPE("m * m", "matrix");
  TYPE("v * m", "error");
  TYPE("v * v", "error");
  TYPE("m / r", "matrix");
  TYPE("w / m", "row_vector");
  TYPE("m / m", "matrix");
  TYPE("r / v", "vector");
  TYPE("m \\ v", "vector");
  TYPE("m \\ m", "matrix");
  TYPE("v .* v", "vector");
  TYPE("v ./ r", "vector");
  TYPE("r ./ v", "vector");
  TYPE("v .* w", "error");
  TYPE("v .^ 2", "vector");
  TYPE("v ^ 2", "vector");
  TYPE("m ^ r", "matrix");
  TYPE("ai .^ 2", "array[] real");
  TYPE("ai .* ai", "error");
  TYPE("i .* i", "int");
  TYPE("-m", "matrix");
  TYPE("!i", "int");
  TYPE("!r", "error");
  TYPE("!v", "error");
  TYPE("m'", "matrix");
  TYPE("ar'", "error");
  TYPE("ai + 1", "error");
  TYPE("r < i", "int");
  TYPE("v < r", "error");
  TYPE("r == i && i || i", "int");
  TYPE("r && i", "error");
  TYPE("i ? r : i", "real");
  TYPE("r ? 1 : 2", "error");
  TYPE("i ? v : r", "error");
  TYPE("v[1]", "real");
  TYPE("v[ai]", "vector");
  TYPE("v[2:3]", "vector");
  TYPE("v[:]", "vector");
  TYPE("v[1, 1]", "error");
  TYPE("w[2:]", "row_vector");
  TYPE("m[1]", "row_vector");
  TYPE("m[1, 2]", "real");
  TYPE("m[:, 2]", "vector");
  TYPE("m[2, :]", "row_vector");
  TYPE("m[ai, 1]", "vector");
  TYPE("m[ai, ai]", "matrix");
  TYPE("m[1][2]", "real");
  TYPE("ai[1]", "int");
  TYPE("ai[ai]", "array[] int");
  TYPE("av[1]", "array[] vector");
  TYPE("av[1, 2]", "vector");
  TYPE("av[1, 2, 3]", "real");
  TYPE("av[:, 2, 3]", "array[] real");
  TYPE("av[:, :, 3]", "array[,] real");
  TYPE("av[1, :, 2:3]", "array[] vector");
  TYPE("am[1, 2]", "row_vector");
  TYPE("am[:, :, 1]", "array[] vector");
  TYPE("av[1, 2, 3, 4]", "error");
  TYPE("v[r]", "error");
  TYPE("v[1:r]", "error");
  TYPE("{1, 2}", "array[] int");
  TYPE("{1, 2.5}", "array[] real");
  TYPE("{{1}, {2}}", "array[,] int");
  TYPE("{v, v}", "array[] vector");
  TYPE("{v, w}", "error");
  TYPE("[1, r]", "row_vector");
  TYPE("[w, w]", "matrix");
  TYPE("[v, v]", "error");
  TYPE("[w, 1]", "error");
  TYPE("(v')[2]", "real");
  TYPE("{1, 2}[2]", "int");
}

static void test_limits(void) {
  urn_error err;
  urn_buf b;
  /* many declarations (the scope table grows) and many uses */
  urn_buf_init(&b);
  urn_buf_puts(&b, "transformed data {\n");
  for (int i = 0; i < 5000; i++) urn_buf_printf(&b, "  real x%d = %d;\n", i, i);
  urn_buf_puts(&b, "  real total = 0;\n");
  for (int i = 0; i < 5000; i += 7) urn_buf_printf(&b, "  total += x%d;\n", i);
  urn_buf_puts(&b, "}\n");
  urn_program *p = NULL;
  int rc = parse_check("many.stan", b.data, b.len, &p, &err);
  CHECK(rc == 0, "5000 declarations check: %.200s", rc ? err.msg : "");
  urn_program_free(p);
  urn_buf_free(&b);
  /* nesting just inside the parser's limit checks without trouble */
  urn_buf_init(&b);
  urn_buf_puts(&b, "transformed data { real x = ");
  for (int i = 0; i < 120; i++) urn_buf_puts(&b, "(1 + ");
  urn_buf_puts(&b, "1");
  for (int i = 0; i < 120; i++) urn_buf_puts(&b, ")");
  urn_buf_puts(&b, "; }\n");
  p = NULL;
  rc = parse_check("deep.stan", b.data, b.len, &p, &err);
  CHECK(rc == 0 && p && p->blocks[URN_BLK_TDATA].stmts[0]->decl->init->ty.base == URN_TY_INT,
        "120 nested sums check: %.200s", rc ? err.msg : "");
  urn_program_free(p);
  urn_buf_free(&b);
  /* many errors: the first 8 in full, then a count */
  urn_buf_init(&b);
  urn_buf_puts(&b, "model {\n");
  for (int i = 0; i < 20; i++) urn_buf_printf(&b, "  y%d = 1;\n", i);
  urn_buf_puts(&b, "}\n");
  rc = parse_check("errs.stan", b.data, b.len, NULL, &err);
  int shown = 0;
  for (const char *q = err.msg; (q = strstr(q, "errs.stan:")); q++) shown++;
  CHECK(rc == URN_EINPUT && shown == 8 && strstr(err.msg, "(12 more errors not shown)"),
        "20 errors: 8 shown and a count (%d shown)", shown);
  CHECK(strstr(err.msg, "errs.stan:2:3: unknown variable 'y0'") == err.msg, "first error first");
  urn_buf_free(&b);
  /* a huge error line does not overflow the message */
  urn_buf_init(&b);
  urn_buf_puts(&b, "model { real z = ");
  for (int i = 0; i < 300; i++) urn_buf_puts(&b, "zz + ");
  urn_buf_puts(&b, "1; }\n");
  rc = parse_check("long.stan", b.data, b.len, NULL, &err);
  CHECK(rc == URN_EINPUT && strlen(err.msg) < sizeof err.msg, "long line errors fit (rc %d): %.300s", rc, err.msg);
  urn_buf_free(&b);
}

int main(void) {
  test_bad_programs();
  test_good_programs();
  test_annotations();
  test_typing();
  test_limits();
  test_shared();
  return test_done();
}
