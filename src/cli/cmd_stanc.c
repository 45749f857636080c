/* cli/cmd_stanc.c — `urn stanc`: the parts of stanc3's command line that
 * cmdstanpy uses from a CmdStan folder made by `urn cmdstan-home`:
 * `--version`, `--info FILE` (the program's variables as stanc3's JSON:
 * inputs, parameters, transformed parameters, generated quantities with
 * their base type and number of dimensions; functions; distributions;
 * included files), and `--auto-format` / `--print-canonical`, which print the
 * program unchanged (urn has no Stan formatter).  Other flags
 * (--filename-in-msg, --name, --O1, ...) are accepted and ignored;
 * --include-paths DIR[,DIR] is where --info's #include looks.  urn generates no C++: models become executables with `urn compile`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lang/ast.h"
#include "lang/check.h"
#include "lang/parser.h"
#include "urn/common.h"
#include "util/util.h"

/* stanc3's type name and dimension count of a declaration. */
static void info_type(const urn_vardecl *d, const char **type, int *dims) {
  int base = d->ty.base;
  *type = base == URN_TY_INT ? "int" : base == URN_TY_REAL ? "real" : base == URN_TY_VECTOR ? "vector"
        : base == URN_TY_ROW_VECTOR ? "row_vector" : base == URN_TY_MATRIX ? "matrix" : "unknown";
  *dims = d->ndims + (base == URN_TY_VECTOR || base == URN_TY_ROW_VECTOR ? 1 : base == URN_TY_MATRIX ? 2 : 0);
}

/* One block's declarations as a JSON object. */
static void info_block(urn_buf *b, const urn_program *p, int blk, const char *key) {
  urn_buf_printf(b, "  \"%s\": {", key);
  const urn_block *bl = &p->blocks[blk];
  int first = 1;
  for (int i = 0; i < bl->nstmts; i++) {
    const urn_stmt *s = bl->stmts[i];
    if (s->kind != URN_ST_DECL || !s->decl) continue;
    const char *type;
    int dims;
    info_type(s->decl, &type, &dims);
    urn_buf_printf(b, "%s\n    \"%s\": { \"type\": \"%s\", \"dimensions\": %d}", first ? "" : ",", s->decl->name, type,
                   dims);
    first = 0;
  }
  urn_buf_puts(b, first ? " },\n" : "\n  },\n");
}

/* The distributions used with ~ anywhere in the model block (top level and nested blocks). */
static void info_dists(urn_buf *b, const urn_stmt *s, int *first) {
  if (!s) return;
  if (s->kind == URN_ST_TILDE && s->dist) {
    char name[256];
    snprintf(name, sizeof name, "%s_%s", s->dist, s->discrete ? "lpmf" : "lpdf");
    if (!strstr(b->data, name)) urn_buf_printf(b, "%s\"%s\"", *first ? " " : ", ", name), *first = 0;
  }
  for (int i = 0; i < s->nstmts; i++) info_dists(b, s->stmts[i], first);
  info_dists(b, s->body, first);
  info_dists(b, s->else_body, first);
}

static int print_info(const char *path, const char *include_paths) {
  urn_error err;
  urn_program *p = urn_parse_file_ex(path, include_paths, &err);
  if (!p || urn_check(p, &err) != URN_OK) {
    fprintf(stderr, "%s\n", err.msg);
    urn_program_free(p);
    return 1;
  }
  urn_buf b;
  urn_buf_init(&b);
  urn_buf_puts(&b, "{\n");
  info_block(&b, p, URN_BLK_DATA, "inputs");
  info_block(&b, p, URN_BLK_PARAMS, "parameters");
  info_block(&b, p, URN_BLK_TPARAMS, "transformed parameters");
  info_block(&b, p, URN_BLK_GQ, "generated quantities");
  urn_buf_puts(&b, "  \"functions\": [");
  for (int i = 0, first = 1; i < p->nfuns; i++)
    if (p->funs[i]->body) urn_buf_printf(&b, "%s\"%s\"", first ? " " : ", ", p->funs[i]->name), first = 0;
  urn_buf_puts(&b, " ],\n  \"distributions\": [");
  int first = 1;
  const urn_block *model = &p->blocks[URN_BLK_MODEL];
  for (int i = 0; i < model->nstmts; i++) info_dists(&b, model->stmts[i], &first);
  urn_buf_puts(&b, " ],\n  \"included_files\": [");
  for (int i = 0; i < p->nincludes; i++) urn_buf_printf(&b, "%s\"%s\"", i ? ", " : " ", p->includes[i]);
  urn_buf_puts(&b, " ]\n}\n");
  fputs(b.data, stdout);
  urn_buf_free(&b);
  urn_program_free(p);
  return 0;
}

int cmd_stanc(int argc, char **argv) {
  const char *file = NULL, *incp = NULL;
  int info = 0, format = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--version")) {
      printf("stanc3 v2.36.0 (urn %s: programs are run by urn, no C++ is generated)\n", urn_version());
      return 0;
    }
    if (cli_is_help(a)) {
      printf("usage: urn stanc [--info | --auto-format | --print-canonical | --version] FILE.stan\n"
             "stanc3's interface for cmdstanpy (urn cmdstan-home); models become executables with urn compile.\n");
      return 0;
    }
    if (!strcmp(a, "--include-paths") && i + 1 < argc) incp = argv[++i];
    else if (!strncmp(a, "--include-paths=", 16)) incp = a + 16;
    else if (!strcmp(a, "--info")) info = 1;
    else if (!strcmp(a, "--auto-format") || !strcmp(a, "--print-canonical")) format = 1;
    else if (a[0] != '-') file = a;
  }
  if (!file) {
    fprintf(stderr, "urn stanc: missing the Stan program (usage: urn stanc --info FILE.stan)\n");
    return 2;
  }
  if (info) return print_info(file, incp);
  urn_error err;
  size_t len;
  char *src = urn_read_file(file, &len, &err);
  if (!src) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  if (format) {
    fwrite(src, 1, len, stdout);
  } else {
    fprintf(stderr, "urn stanc: urn does not translate Stan to C++; make a model executable with `urn compile %s`\n",
            file);
  }
  free(src);
  return format ? 0 : 1;
}
