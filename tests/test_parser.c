/* tests/test_parser.c — the Stan lexer and parser: the committed programs and
 * every posteriordb / benchmark program parse; operator precedence and
 * associativity as the Stan Reference Manual defines them (checked on the fully
 * parenthesized form of parsed expressions); the shape of the AST for the
 * constructs the evaluator relies on; exact syntax-error messages with
 * file:line:col and caret; robustness against hostile input (deep nesting,
 * huge identifiers and literals, NUL bytes, invalid UTF-8, CRLF). */
#include <dirent.h>
#include <sys/stat.h>

#include "harness.h"
#include "lang/check.h"
#include "lang/parser.h"
#include "urn/model.h"
#include "util/util.h"

/* Parses src, returns the program (NULL on error, message in err). */
static urn_program *parse(const char *src, urn_error *err) {
  return urn_parse("t.stan", src, strlen(src), err);
}

/* The init expression of the first transformed data declaration of
 * `transformed data { real x = EXPR; }`, fully parenthesized. */
static void check_expr(const char *expr, const char *want, int line) {
  char src[1024];
  snprintf(src, sizeof src, "transformed data { real x = %s; }", expr);
  urn_error err;
  urn_program *p = parse(src, &err);
  if (!p) {
    test_report(0, __FILE__, line, "parse %s: %s", expr, err.msg);
    return;
  }
  urn_buf b;
  urn_buf_init(&b);
  urn_expr_format(p->blocks[URN_BLK_TDATA].stmts[0]->decl->init, &b);
  test_report(strcmp(b.data, want) == 0, __FILE__, line, "%s parsed as %s, want %s", expr,
              b.data, want);
  urn_buf_free(&b);
  urn_program_free(p);
}
#define EXPR(src, want) check_expr(src, want, __LINE__)

/* Parsing src fails with exactly the first message line want. */
static void check_error(const char *src, size_t len, const char *want, int line) {
  urn_error err;
  urn_program *p = urn_parse("t.stan", src, len, &err);
  if (p) {
    test_report(0, __FILE__, line, "expected an error '%s', parse succeeded", want);
    urn_program_free(p);
    return;
  }
  size_t n = strcspn(err.msg, "\n");
  test_report(strlen(want) == n && strncmp(err.msg, want, n) == 0 && err.code == URN_EINPUT,
              __FILE__, line, "error\n  got:  %.*s\n  want: %s", (int)n, err.msg, want);
}
#define ERR(src, want) check_error(src, strlen(src), want, __LINE__)

static int parse_file_ok(const char *path, int verbose) {
  urn_error err;
  urn_program *p = urn_parse_file(path, &err);
  if (!p && verbose) fprintf(stderr, "%s\n", err.msg);
  urn_program_free(p);
  return p != NULL;
}

/* Parses every *.stan (or a given file name) in dir; returns how many, counts successes. */
static int parse_dir(const char *dir, const char *only, int *ok) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  int n = 0;
  struct dirent *de;
  char path[8192];
  while ((de = readdir(d))) {
    size_t len = strlen(de->d_name);
    if (only) {
      snprintf(path, sizeof path, "%s/%s/%s", dir, de->d_name, only);
      struct stat st;
      if (de->d_name[0] == '.' || stat(path, &st) != 0) continue;
    } else {
      if (len < 6 || strcmp(de->d_name + len - 5, ".stan") != 0) continue;
      snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    }
    n++;
    *ok += parse_file_ok(path, 1);
  }
  closedir(d);
  return n;
}

static void test_committed_programs(void) {
  int ok = 0, n = parse_dir("tests/data/stan", NULL, &ok);
  CHECK(n >= 5 && ok == n, "committed programs: %d of %d parse", ok, n);
}

static void test_shared_programs(void) {
  const char *shared = test_shared_dir();
  if (!shared) {
    printf("skipped: ../shared is absent (posteriordb and benchmark programs not parsed)\n");
    return;
  }
  char dir[8192];
  int ok = 0, n;
  snprintf(dir, sizeof dir, "%s/posteriordb/models", shared);
  n = parse_dir(dir, NULL, &ok);
  printf("posteriordb models: %d of %d parse\n", ok, n);
  CHECK(n == 111 && ok == n, "posteriordb/models: %d of %d parse", ok, n);
  ok = 0;
  snprintf(dir, sizeof dir, "%s/posteriordb", shared);
  n = parse_dir(dir, "model.stan", &ok);
  CHECK(n >= 35 && ok == n, "posteriordb/*/model.stan: %d of %d parse", ok, n);
  /* benchmarks: model.stan and the variants */
  snprintf(dir, sizeof dir, "%s/benchmarks", shared);
  DIR *d = opendir(dir);
  int bn = 0, bok = 0;
  if (d) {
    struct dirent *de;
    while ((de = readdir(d))) {
      if (de->d_name[0] == '.') continue;
      char sub[9000];
      snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name);
      bn += parse_dir(sub, NULL, &bok);
    }
    closedir(d);
  }
  CHECK(bn >= 5 && bok == bn, "benchmarks/*/model*.stan: %d of %d parse", bok, bn);
}

static void test_precedence(void) {
  EXPR("a + b * c", "(a + (b * c))");
  /* complex and tuple expressions */
  EXPR("2.5i", "2.5i");
  EXPR("1 + 3i * z", "(1 + (3.0i * z))");
  EXPR("(a, (b, 1e-3i))", "(a, (b, 0.001i))");
  EXPR("t.2.1 + x[1].3[2]", "(t.2.1 + x[1].3[2])");
  EXPR("(a + b)", "(a + b)");
  EXPR("a - b - c", "((a - b) - c)");
  EXPR("a / b * c", "((a / b) * c)");
  EXPR("-a ^ 2", "(-(a ^ 2))");
  EXPR("a ^ b ^ c", "(a ^ (b ^ c))");
  EXPR("a ^ -b", "(a ^ (-b))");
  EXPR("2 ^ -1 * 3", "((2 ^ (-1)) * 3)");
  EXPR("a .* b ./ c", "((a .* b) ./ c)");
  EXPR("a * b .* c", "((a * b) .* c)");
  EXPR("a + b %/% c * d", "(a + ((b %/% c) * d))");
  EXPR("a * b \\ c", "(a * (b \\ c))");
  EXPR("a % b + 1", "((a % b) + 1)");
  EXPR("x' * y", "((x)' * y)");
  EXPR("-x'", "(-(x)')");
  EXPR("a ^ b'", "(a ^ (b)')");
  EXPR("alpha[k, :]'", "(alpha[k, :])'");
  EXPR("x[ : , k]", "x[:, k]");
  EXPR("x[, k]", "x[:, k]");
  EXPR("x[2:, :3, 1:n]", "x[2:, :3, 1:n]");
  EXPR("logA[t][i]", "logA[t][i]");
  EXPR("dims(x)[1]", "dims(x)[1]");
  EXPR("theta[{1, 3}]", "theta[{1, 3}]");
  EXPR("(a + b)[1]", "(a + b)[1]");
  EXPR("a < b == c > d", "((a < b) == (c > d))");
  EXPR("a || b && c", "(a || (b && c))");
  EXPR("!a && b", "((!a) && b)");
  EXPR("!a == b", "((!a) == b)");
  EXPR("a <= b + 1", "(a <= (b + 1))");
  EXPR("a >= b || c != d", "((a >= b) || (c != d))");
  EXPR("c ? a : b ? d : e", "(c ? a : (b ? d : e))");
  EXPR("c || d ? a + 1 : b", "((c || d) ? (a + 1) : b)");
  EXPR("- - a", "(-(-a))");
  EXPR("+a", "(+a)");
  EXPR("a .^ 2", "(a .^ 2)");
  EXPR("normal_lpdf(y | mu, sigma)", "normal_lpdf(y | mu, sigma)");
  EXPR("f()", "f()");
  EXPR("target()", "target()");
  EXPR("[1, 2]", "[1, 2]");
  EXPR("[[1, 2], [3, 4]]", "[[1, 2], [3, 4]]");
  EXPR("{{1, 2}, {3, 4}}", "{{1, 2}, {3, 4}}");
  EXPR(".5", "0.5");
  EXPR("1e-10", "1e-10");
  EXPR("5e2", "500.0");
  EXPR("3.", "3.0");
  EXPR("1E+3", "1000.0");
  EXPR("0012", "12");
  EXPR("2147483647", "2147483647");
  EXPR("1e-999999", "0.0");
}

/* The AST fields the evaluator uses. */
static void test_ast_shape(void) {
  urn_error err;
  const char *src =
      "functions { real f_lpdf(real y, data real m) { return -y; } void g_lp(real x); }\n"
      "data { int<lower=0> N; array[N, 2] vector<lower=0, upper=1>[3] v; }\n"
      "parameters { real<lower=0, upper=(1 - 0.5)> b; cholesky_factor_cov[4, 3] L; real p, q; }\n"
      "model {\n  y ~ normal(0, 1) T[0, ];\n  x[1, 2:3] += 1;\n  for (i in 1:N) {}\n"
      "  for (e in v) ;\n  target += 1;\n  print(\"a\", 1);\n}\n";
  urn_program *p = parse(src, &err);
  CHECK(p != NULL, "shape program parses: %s", p ? "" : err.msg);
  if (!p) return;
  CHECK(p->nfuns == 2 && p->funs[0]->suffix == URN_SUF_LPDF && p->funs[0]->nparams == 2 &&
            p->funs[0]->params[1]->data_only && p->funs[0]->ret.base == URN_TY_REAL &&
            p->funs[1]->body == NULL && p->funs[1]->suffix == URN_SUF_LP &&
            p->funs[1]->ret.base == URN_TY_VOID,
        "functions");
  urn_block *data = &p->blocks[URN_BLK_DATA];
  CHECK(data->present && data->nstmts == 2 && data->line == 2 && data->col == 1, "data block");
  urn_vardecl *v = data->stmts[1]->decl;
  CHECK(v->ndims == 2 && v->ty.dims == 2 && v->ty.base == URN_TY_VECTOR && v->size1 &&
            v->size1->kind == URN_EX_INT && v->size1->ival == 3 && v->lower && v->upper &&
            v->origin == URN_ORIGIN_DATA && v->line == 2 && v->col == 64,
        "sized array of bounded vectors (line %d col %d)", v->line, v->col);
  urn_block *par = &p->blocks[URN_BLK_PARAMS];
  CHECK(par->nstmts == 4, "p, q declared in one statement give two declarations");
  urn_vardecl *b = par->stmts[0]->decl;
  CHECK(b->upper && b->upper->kind == URN_EX_BINARY && b->upper->op == URN_OP_SUB, "bound expr");
  urn_vardecl *L = par->stmts[1]->decl;
  CHECK(L->dtype == URN_DT_CHOLESKY_FACTOR_COV && L->size2 && L->ty.base == URN_TY_MATRIX, "L");
  urn_block *m = &p->blocks[URN_BLK_MODEL];
  CHECK(m->nstmts == 6, "model statements");
  urn_stmt *t = m->stmts[0];
  CHECK(t->kind == URN_ST_TILDE && !strcmp(t->dist, "normal") && t->nargs == 2 && t->truncated &&
            t->trunc_lo && !t->trunc_hi && t->line == 5 && t->col == 5,
        "tilde with truncation");
  urn_stmt *a = m->stmts[1];
  CHECK(a->kind == URN_ST_ASSIGN && a->op == URN_AS_ADD && a->lhs->kind == URN_EX_INDEX &&
            a->lhs->nidx == 2 && a->lhs->idx[1].kind == URN_IDX_RANGE,
        "compound indexed assignment");
  CHECK(m->stmts[2]->kind == URN_ST_FOR && m->stmts[2]->decl->origin == URN_ORIGIN_LOOP &&
            m->stmts[2]->body->kind == URN_ST_BLOCK,
        "for");
  CHECK(m->stmts[3]->kind == URN_ST_FOREACH && m->stmts[3]->body->kind == URN_ST_EMPTY, "foreach");
  CHECK(m->stmts[4]->kind == URN_ST_TARGET, "target +=");
  CHECK(m->stmts[5]->kind == URN_ST_PRINT && m->stmts[5]->nargs == 2 &&
            m->stmts[5]->args[0]->kind == URN_EX_STRING && !strcmp(m->stmts[5]->args[0]->str, "a"),
        "print");
  urn_program_free(p);
}

static void test_syntax_errors(void) {
  ERR("model { x = 1 }", "t.stan:1:15: expected ';' after the assignment, found '}'");
  ERR("model { x ~ normal(0, 1) }", "t.stan:1:26: expected ';' after the distribution statement, found '}'");
  ERR("data { int N; } model { ", "t.stan:1:23: the model block is never closed (missing '}')");
  ERR("parameters { real x; } data { int N; }",
      "t.stan:1:24: the data block must come before the parameters block");
  ERR("model { } model { }", "t.stan:1:11: the model block appears twice");
  ERR("modle { }",
      "t.stan:1:1: expected a program block (functions, data, transformed data, parameters, "
      "transformed parameters, model, generated quantities)");
  ERR("data { array[3] real x[3]; }",
      "t.stan:1:23: dimensions both in 'array[...]' and after the name; write them once, in array[...]");
  ERR("model { lp__ <- 1; }", "t.stan:1:14: lp__ can only be incremented (lp__ <- lp__ + e); write 'target += e;'");
  ERR("model { f(x) <- 1; }", "t.stan:1:9: an expression is not a statement; expected '=', '~' or a function call");
  ERR("#include \"no_such_file_urn.stan\"\nmodel { }",
      "t.stan:1:1: #include: cannot find 'no_such_file_urn.stan' (looked in '.'; add folders with --include-paths "
      "DIR[,DIR])");
  ERR("model { /* open", "t.stan:1:9: unterminated comment: '/*' has no matching '*/'");
  ERR("data { int<lower=0> N; }\nparameters { real<lower=0 sigma; }",
      "t.stan:2:27: expected ',' or '>' closing the constraint, found 'sigma'");
  ERR("parameters { simplex<lower=0>[3] s; }",
      "t.stan:1:21: simplex cannot have <lower/upper/offset/multiplier> bounds");
  ERR("parameters { real<lower=0, offset=1> s; }",
      "t.stan:1:28: lower/upper bounds cannot be combined with offset/multiplier");
  ERR("data { int<offset=1> n; }", "t.stan:1:12: int variables cannot have an offset or multiplier");
  ERR("model { real<lower=0> s; }",
      "t.stan:1:13: local variables cannot have constraints (only block-level declarations can)");
  ERR("data { int N = 3; }",
      "t.stan:1:14: variables declared in the data and parameters blocks cannot be given a value");
  ERR("data { N ~ normal(0, 1); }", "t.stan:1:8: only declarations are allowed in the data block");
  ERR("model { a + b; }",
      "t.stan:1:9: an expression is not a statement; expected '=', '~' or a function call");
  ERR("model { f(x) = 1; }", "t.stan:1:14: the left side of '=' must be a variable, possibly indexed");
  ERR("model { x = 1e999999; }",
      "t.stan:1:13: real literal 1e999999 is too large (it overflows to infinity)");
  ERR("model { x = 2147483648; }",
      "t.stan:1:13: integer literal 2147483648 is too large (the largest int is 2147483647)");
  ERR("model { x = 1.5e; }", "t.stan:1:13: malformed number: exponent without digits");
  ERR("model { x = 1e999999i; }", "t.stan:1:13: imaginary literal 1e999999 is too large (it overflows to infinity)");
  ERR("model { real x = (1, 2).0; }", "t.stan:1:24: tuple components are numbered from 1");
  ERR("model { (a, b) += f(); }", "t.stan:1:16: a tuple can only be unpacked with '=', not '+='");
  ERR("data { tuple(real) t; }", "t.stan:1:13: a tuple type needs at least two components (one component: tuple(T,))");
  ERR("model { (a, f(b)) = g(); }", "t.stan:1:19: the left side of '=' must be a variable, possibly indexed");
  ERR("model { x = 3 $ 4; }", "t.stan:1:15: unexpected character '$'");
  ERR("model { print(\"abc); }", "t.stan:1:15: unterminated string literal");
  ERR("model { x = \"s\"; }",
      "t.stan:1:13: string literals are only allowed as arguments of print, reject and fatal_error");
  ERR("model { real for; }", "t.stan:1:14: 'for' is a reserved word and cannot be used as a variable name");
  /* Stan 2.37's reserved words: the grammar's keywords and the type checker's reserve */
  ERR("data { int upper; }", "t.stan:1:12: 'upper' is a reserved word and cannot be used as a variable name");
  ERR("data { int lower; }", "t.stan:1:12: 'lower' is a reserved word and cannot be used as a variable name");
  ERR("data { int offset; }", "t.stan:1:12: 'offset' is a reserved word and cannot be used as a variable name");
  ERR("data { int multiplier; }",
      "t.stan:1:12: 'multiplier' is a reserved word and cannot be used as a variable name");
  ERR("data { int array[5]; }", "t.stan:1:12: 'array' is a reserved word and cannot be used as a variable name");
  ERR("data { real auto; }", "t.stan:1:13: 'auto' is a reserved word and cannot be used as a variable name");
  ERR("data { real typedef; }", "t.stan:1:13: 'typedef' is a reserved word and cannot be used as a variable name");
  ERR("data { real column_stochastic_matrix; }",
      "t.stan:1:13: 'column_stochastic_matrix' is a reserved word and cannot be used as a variable name");
  ERR("functions { real struct(real x) { return x; } }",
      "t.stan:1:18: 'struct' is a reserved word and cannot be used as a function name");
  ERR("functions { real f(real static) { return 1; } }",
      "t.stan:1:25: 'static' is a reserved word and cannot be used as an argument name");
  ERR("model { for (in in 1:3) { } }", "t.stan:1:14: 'in' is a reserved word and cannot be used as the loop variable");
  ERR("model { real x = upper; }", "t.stan:1:18: expected an expression, found reserved word 'upper'");
  ERR("parameters { real y_lupdf; }",
      "t.stan:1:19: the suffixes _lupdf and _lupmf are only allowed in function names, not in a variable name");
  ERR("functions { real f(real b_lupmf) { return 1; } }",
      "t.stan:1:25: the suffixes _lupdf and _lupmf are only allowed in function names, not in an argument name");
  /* numeric literals (Stan 2.37: digits grouped by single underscores) */
  ERR("model { int n = 10_000_; }", "t.stan:1:23: malformed number: '_' must stand between two digits");
  ERR("model { int n = 10__000; }", "t.stan:1:19: malformed number: '_' must stand between two digits");
  ERR("model { int n = 2_147_483_648; }",
      "t.stan:1:17: integer literal 2_147_483_648 is too large (the largest int is 2147483647)");
  ERR("model { int n = -2147483648; }",
      "t.stan:1:18: integer literal 2147483648 is too large (the largest int is 2147483647)");
  ERR("model { real x = .e+44; }", "t.stan:1:18: unexpected character '.'");
  ERR("model { real x = 12_.345; }", "t.stan:1:20: malformed number: '_' must stand between two digits");
  ERR("model { real x = 12._345; }", "t.stan:1:21: malformed number: '_' must stand between two digits");
  ERR("model { real x = 12.345_; }", "t.stan:1:24: malformed number: '_' must stand between two digits");
  ERR("model { real x = 12.3_e+10; }", "t.stan:1:22: malformed number: '_' must stand between two digits");
  ERR("model { real x = 12.3e+10_; }", "t.stan:1:26: malformed number: '_' must stand between two digits");
  ERR("model { real x = 1.5.2; }", "t.stan:1:21: malformed number: '.' cannot follow the digits");
  ERR("model { real _x; }", "t.stan:1:14: identifiers must start with a letter, not '_'");
  ERR("model { real x__; }", "t.stan:1:14: names ending in '__' are reserved for internal use");
  ERR("functions { real f(array[] real[] x) { return 1; } }",
      "t.stan:1:32: dimensions both in 'array[...]' and after the type; write array[...] only");
  ERR("functions { real f(vector[3] x) { return 1; } }",
      "t.stan:1:26: function argument and return types are unsized (no [size])");
  ERR("functions { simplex f(vector x) { return x; } }",
      "t.stan:1:13: constrained type 'simplex' cannot be a function argument or return type; use vector");
  ERR("model { else x = 1; }", "t.stan:1:9: 'else' without a matching 'if'");
  ERR("model { x = y[]; }", "t.stan:1:14: empty index '[]'");
  ERR("model { x = {}; }", "t.stan:1:13: an array literal '{...}' needs at least one element");
  ERR("model { x = f(a, b | c); }", "t.stan:1:20: '|' may only follow the first argument");
  ERR("model { x = f(a |, b); }", "t.stan:1:18: expected an expression, found ','");
  ERR("model { target = 1; }",
      "t.stan:1:9: 'target' can only be incremented: write 'target += ...;'");
  ERR("model { x = (1 + 2; }", "t.stan:1:19: expected ')', found ';'");
  ERR("model { x = 1 +; }", "t.stan:1:16: expected an expression, found ';'");
  ERR("model { y ~ normal(0, 1) T[0]; }",
      "t.stan:1:29: expected ',' in the truncation T[lower, upper], found ']'");
  ERR("data { vector v; }", "t.stan:1:15: expected '[' with the size of the vector, found 'v'");
  ERR("data { int[3] v; }",
      "t.stan:1:11: int takes no size; for an array write array[N] int");
  ERR("data { array[] real v; }", "t.stan:1:13: array dimensions must be given in a declaration");
  ERR("parameters { real<lower=0>=1> s; }",
      "t.stan:1:26: '>=' here: write a space between '>' and '=' or parenthesize the bound");
}

static void test_robustness(void) {
  urn_error err;
  /* deep nesting: parentheses, blocks, unary minus, indexing; refused past the limit */
  size_t n = 10000;
  char *src = urn_xmalloc(4 * n + 100);
  char *s = src;
  s += sprintf(s, "model { x = ");
  for (size_t i = 0; i < n; i++) *s++ = '(';
  *s++ = '1';
  for (size_t i = 0; i < n; i++) *s++ = ')';
  s += sprintf(s, "; }");
  urn_program *p = urn_parse("t.stan", src, (size_t)(s - src), &err);
  CHECK(!p && strstr(err.msg, "nested too deeply"), "10000 parentheses refused: %.80s", err.msg);
  s = src;
  s += sprintf(s, "model ");
  for (size_t i = 0; i < n; i++) *s++ = '{';
  for (size_t i = 0; i < n; i++) *s++ = '}';
  p = urn_parse("t.stan", src, (size_t)(s - src), &err);
  CHECK(!p && strstr(err.msg, "nested too deeply"), "10000 blocks refused");
  s = src;
  s += sprintf(s, "model { x = ");
  for (size_t i = 0; i < n; i++) *s++ = '-';
  s += sprintf(s, "1; }");
  p = urn_parse("t.stan", src, (size_t)(s - src), &err);
  CHECK(!p && strstr(err.msg, "nested too deeply"), "10000 unary minus refused");
  /* a flat chain is not nesting (issue #16): URN_PARSE_MAX_CHAIN operators in a statement are read; one more is
     refused, as the tree they make is that deep (and the checker walks it recursively) */
  size_t chain = URN_PARSE_MAX_CHAIN;
  s = src;
  s += sprintf(s, "model { x = 1");
  for (size_t i = 0; i < chain; i++) s += sprintf(s, "+1");
  s += sprintf(s, "; }");
  p = urn_parse("t.stan", src, (size_t)(s - src), &err);
  CHECK(p != NULL, "a chain of %zu additions is read: %.80s", chain, err.msg);
  urn_program_free(p);
  s = src;
  s += sprintf(s, "model { x = 1");
  for (size_t i = 0; i <= chain; i++) s += sprintf(s, "+1");
  s += sprintf(s, "; }");
  p = urn_parse("t.stan", src, (size_t)(s - src), &err);
  CHECK(!p && strstr(err.msg, "statement too long (more than 4000 binary operators)"),
        "a chain of %zu additions refused: %.80s", chain + 1, err.msg);
  s = src;
  s += sprintf(s, "model { if (a) ");
  for (size_t i = 0; i < n / 4; i++) s += sprintf(s, "if (a) ");
  s += sprintf(s, "x = 1; }");
  p = urn_parse("t.stan", src, (size_t)(s - src), &err);
  CHECK(!p && strstr(err.msg, "nested too deeply"), "2500 nested ifs refused");
  /* nesting within the limit works */
  s = src;
  s += sprintf(s, "model { x = ");
  for (size_t i = 0; i < 100; i++) *s++ = '(';
  *s++ = '1';
  for (size_t i = 0; i < 100; i++) *s++ = ')';
  s += sprintf(s, "; }");
  p = urn_parse("t.stan", src, (size_t)(s - src), &err);
  CHECK(p != NULL, "100 parentheses accepted");
  urn_program_free(p);
  free(src);

  /* a 1 MB identifier */
  size_t big = 1 << 20;
  src = urn_xmalloc(big + 64);
  s = src;
  s += sprintf(s, "data { real ");
  memset(s, 'a', big);
  s += big;
  s += sprintf(s, "; }");
  p = urn_parse("t.stan", src, (size_t)(s - src), &err);
  CHECK(p && strlen(p->blocks[URN_BLK_DATA].stmts[0]->decl->name) == big, "1 MB identifier");
  urn_program_free(p);
  /* a 1 MB number */
  s = src;
  s += sprintf(s, "model { x = ");
  memset(s, '9', big);
  s += big;
  s += sprintf(s, "; }");
  p = urn_parse("t.stan", src, (size_t)(s - src), &err);
  CHECK(!p && strstr(err.msg, "integer literal 9999999999") && strlen(err.msg) < 600,
        "1 MB integer literal refused briefly");
  /* an error on a 1 MB line shows only a window of it */
  s = src;
  s += sprintf(s, "model { x = 1 ");
  memset(s, ' ', big);
  s += big;
  s += sprintf(s, "$ }");
  p = urn_parse("t.stan", src, (size_t)(s - src), &err);
  CHECK(!p && strstr(err.msg, "unexpected character '$'") && strlen(err.msg) < 600,
        "error on a 1 MB line is short");
  free(src);

  /* NUL bytes, invalid UTF-8, control characters */
  check_error("model { x = 1;\0 }", 17, "t.stan:1:15: NUL byte in program text", __LINE__);
  check_error("// a\0b\nmodel { }", 15, "t.stan:1:5: NUL byte in comment", __LINE__);
  ERR("// bad \xff byte\nmodel { }", "t.stan:1:8: invalid UTF-8 byte 0xFF in comment");
  ERR("/* \xc3\x28 */ model { }", "t.stan:1:4: invalid UTF-8 byte 0xC3 in comment");
  ERR("model { x\xe2\x82\xac = 1; }", "t.stan:1:10: non-ASCII character outside a comment or string");
  ERR("model { x = \x80; }", "t.stan:1:13: invalid UTF-8 byte 0x80");
  ERR("model {\x01}", "t.stan:1:8: control character 0x01 in program text");
  /* UTF-8 in comments is fine, and columns count characters */
  ERR("// µσ\nmodel { /* ≥ */ x = ; }", "t.stan:2:21: expected an expression, found ';'");
  p = parse("// σ ≥ 0 😀\nmodel { }", &err);
  CHECK(p != NULL, "UTF-8 comment accepted");
  urn_program_free(p);
  /* CRLF line endings: same positions as LF */
  ERR("data {\r\n  int N;\r\n}\r\nmodel {\r\n  x = ;\r\n}\r\n",
      "t.stan:5:7: expected an expression, found ';'");
  p = parse("data {\r\n  int N;\r\n}\r\nmodel {\r\n}\r\n", &err);
  CHECK(p != NULL, "CRLF program parses");
  urn_program_free(p);
  /* empty input and empty blocks */
  p = parse("", &err);
  CHECK(p != NULL, "empty program parses");
  urn_program_free(p);
  p = parse("functions {} data {} transformed data {} parameters {} transformed parameters {} "
            "model {} generated quantities {}",
            &err);
  CHECK(p != NULL && p->blocks[URN_BLK_GQ].present && p->blocks[URN_BLK_FUNCTIONS].present,
        "empty blocks");
  urn_program_free(p);
}

/* The diagnostic layout: message line, source line, caret under the column. */
static void test_caret(void) {
  urn_error err;
  urn_program *p = parse("data {\n\tint N\n}\n", &err);
  CHECK(!p && !strcmp(err.msg, "t.stan:3:1: expected ';' after the declaration, found '}'\n}\n^"),
        "caret at column 1: [%s]", err.msg);
  p = parse("model {\n\tx = 1 +;\n}\n", &err);
  CHECK(!p && !strcmp(err.msg, "t.stan:2:9: expected an expression, found ';'\n\tx = 1 +;\n\t       ^"),
        "caret after a tab: [%s]", err.msg);
  p = parse("// é\nmodel { x = é; }", &err);
  CHECK(!p && !strcmp(err.msg,
                      "t.stan:2:13: non-ASCII character outside a comment or string\n"
                      "model { x = é; }\n            ^"),
        "caret after UTF-8: [%s]", err.msg);
}

/* Complex and tuple declarations: types (sizes inside tuple components), function signatures, unpacking. */
static void test_complex_tuple_decls(void) {
  const char *src =
      "functions { tuple(real, array[] int) f(tuple(complex, vector) x) { return (1.0, {1}); } }\n"
      "data { complex z; complex_matrix[2, 3] M; array[2] tuple(real, tuple(int, complex_vector[3])) t; }\n"
      "parameters { tuple(real<lower=0>, simplex[3]) p; }\n"
      "model { real a; array[1] int b; (a, b) = f((z, [1, 2]')); }\n";
  urn_error err;
  urn_program *p = urn_parse("t.stan", src, strlen(src), &err);
  CHECK(p != NULL, "complex/tuple program parses: %s", p ? "" : err.msg);
  if (!p) return;
  char buf[200];
  const char *want[3] = {"complex", "complex_matrix", "array[] tuple(real, tuple(int, complex_vector))"};
  for (int i = 0; i < 3; i++) {
    urn_type_format(p->blocks[URN_BLK_DATA].stmts[i]->decl->ty, buf, sizeof buf);
    CHECK(strcmp(buf, want[i]) == 0, "data declaration %d has type %s (want %s)", i, buf, want[i]);
  }
  const urn_vardecl *t = p->blocks[URN_BLK_DATA].stmts[2]->decl, *pp = p->blocks[URN_BLK_PARAMS].stmts[0]->decl;
  CHECK(t->dtype == URN_DT_TUPLE && t->ncomps == 2 && t->comps[1]->ncomps == 2 && t->comps[1]->comps[1]->size1 != NULL,
        "tuple components carry their own declarations and sizes");
  CHECK(pp->comps[0]->lower != NULL && pp->comps[1]->dtype == URN_DT_SIMPLEX, "tuple components carry constraints");
  urn_type_format(p->funs[0]->ret, buf, sizeof buf);
  CHECK(strcmp(buf, "tuple(real, array[] int)") == 0, "function return type %s", buf);
  urn_type_format(p->funs[0]->params[0]->ty, buf, sizeof buf);
  CHECK(strcmp(buf, "tuple(complex, vector)") == 0, "function argument type %s", buf);
  const urn_stmt *as = p->blocks[URN_BLK_MODEL].stmts[2];
  CHECK(as->kind == URN_ST_ASSIGN && as->lhs->kind == URN_EX_TUPLE && as->lhs->nargs == 2, "unpacking assignment (a, b) = ...");
  urn_program_free(p);
}

/* Writes text to dir/name. */
static void write_text(const char *dir, const char *name, const char *text) {
  char path[600];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (f) fputs(text, f), fclose(f);
}

/* #include (lang/include.c): the expanded program, its line map, the included files; the C API's
 * urn_model_options.include_paths; an error inside an included file names that file and line. */
static void test_include(void) {
  char dir[] = "/tmp/urn-test-include-XXXXXX";
  if (!mkdtemp(dir)) { CHECK(0, "mkdtemp"); return; }
  char sub[700], prog[700];
  snprintf(sub, sizeof sub, "%s/lib", dir);
  mkdir(sub, 0700);
  write_text(dir, "f.stan", "real f(real x) {\n  return 2 * x;\n}\n");
  write_text(sub, "g.stan", "  real g(real x) { return x + 1; }");  /* no final newline */
  snprintf(prog, sizeof prog, "%s/m.stan", dir);
  const char *src = "functions {\n#include \"f.stan\"\n  #include <g.stan>\n}\nparameters { real mu; }\n"
                    "model { mu ~ normal(f(g(0)), 1); }\n";
  urn_error err;
  urn_program *p = urn_parse_ex(prog, src, strlen(src), sub, &err);
  CHECK(p != NULL, "program with #include parses");
  if (p) {
    CHECK(p->nincludes == 2, "two included files");
    int fl = 0;
    const char *file = urn_program_where(p, 1, &fl);
    CHECK(strcmp(file, prog) == 0 && fl == 1, "line 1: the program's line 1");
    file = urn_program_where(p, 4, &fl); /* the expanded text: 1 functions {, 2 (directive), 3-5 f.stan */
    CHECK(strstr(file, "/f.stan") && fl == 2, "line 4: f.stan line 2");
    file = urn_program_where(p, 8, &fl); /* 6 (directive), 7 g.stan, 8 '}' */
    CHECK(strcmp(file, prog) == 0 && fl == 4, "line 8: the program's line 4");
    CHECK(urn_check(p, &err) == URN_OK, "included functions check");
    urn_program_free(p);
  }
  /* the C API: include_paths of urn_model_options */
  urn_model_options opt;
  urn_model_options_default(&opt);
  opt.include_paths = sub;
  urn_model *m = urn_model_new_opt(prog, src, strlen(src), NULL, NULL, 0, &opt, &err);
  CHECK(m != NULL, "urn_model_new_opt with include_paths");
  if (!m) fprintf(stderr, "%s\n", err.msg);
  urn_model_free(m);
  m = urn_model_new_opt(prog, src, strlen(src), NULL, NULL, 0, NULL, &err);
  CHECK(!m && strstr(err.msg, "m.stan:3:3: #include: cannot find 'g.stan'"), "without include_paths g.stan is missing");
  urn_model_free(m);
  /* an error inside an included file */
  write_text(sub, "g.stan", "real g(real x) {\n  return x + y;\n}\n");
  p = urn_parse_ex(prog, src, strlen(src), sub, &err);
  CHECK(p && urn_check(p, &err) != URN_OK && strstr(err.msg, "lib/g.stan:2:14: unknown variable 'y'"),
        "error in an included file names it");
  urn_program_free(p);
  char cmd[800];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK(system(cmd) == 0, "cleanup");
}

int main(void) {
  test_include();
  test_complex_tuple_decls();
  test_committed_programs();
  test_shared_programs();
  test_precedence();
  test_ast_shape();
  test_syntax_errors();
  test_robustness();
  test_caret();
  return test_done();
}
