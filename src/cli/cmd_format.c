/* cli/cmd_format.c — `urn format model.stan [--canonical | --stan2.21] [-o OUT | --in-place]`:
 * prints the program with urn's consistent layout (lang/format.h), comments
 * kept; --canonical also rewrites pre-2.33 syntax in current Stan, as
 * `stanc --print-canonical` does; --stan2.21 prints the syntax Stan 2.21 (rstan
 * from Debian) reads, for running a program beside it (bench/pdb).  Only parses the program (no type check), so
 * it also formats programs that use functions urn lacks.  Warnings about old
 * syntax go to stderr.  Exit 0, 1 for a program that does not parse or a file
 * that cannot be read or written, 2 for usage errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lang/format.h"
#include "lang/parser.h"
#include "util/util.h"

static void usage(void) {
  printf("usage: urn format model.stan [--canonical | --stan2.21] [-o out.stan | --in-place]\n"
         "  prints the program with a consistent layout (comments kept) on stdout\n"
         "  --canonical   also rewrite pre-2.33 syntax in current Stan (array[N] real y, =, //, target +=,\n"
         "                foo_lpdf(y | ...), ?:, ...) and brace every loop and branch body\n"
         "  --stan2.21    print the syntax of Stan 2.21 (rstan from Debian): real y[N], no _lupdf, no %%/%%,\n"
         "                declarations before statements (nested blocks / hoisted), no profile()\n"
         "  -o FILE       write to FILE instead of stdout\n"
         "  --in-place    rewrite model.stan itself (refused for a program with #include: the output inlines\n"
         "                the included files)\n"
         "  --include-paths DIR[,DIR]  folders searched by #include after the program's own\n");
}

int cmd_format(int argc, char **argv) {
  cli_args a;
  cli_init(&a, "format", argc, argv);
  const char *model = NULL, *outpath = NULL, *incp = NULL;
  int canonical = 0, in_place = 0, stan221 = 0;
  while (!cli_done(&a)) {
    const char *arg = cli_peek(&a);
    if (cli_is_help(arg)) { usage(); return 0; }
    if (cli_flag(&a, "--canonical")) { canonical = 1; continue; }
    if (cli_flag(&a, "--stan2.21")) { stan221 = 1; continue; }
    if (cli_flag(&a, "--in-place")) { in_place = 1; continue; }
    if (cli_value(&a, "-o", &outpath) || cli_value(&a, "--output", &outpath)) continue;
    if (cli_value(&a, "--include-paths", &incp)) continue;
    if (arg[0] == '-' && arg[1]) cli_unknown(&a);
    if (model) cli_die(&a, 2, "more than one model file given ('%s' and '%s')", model, arg);
    model = cli_next(&a);
  }
  if (!model) cli_die(&a, 2, "missing the model file (usage: urn format model.stan [--canonical])");
  if (in_place && outpath) cli_die(&a, 2, "give either -o FILE or --in-place, not both");
  urn_error err;
  urn_error_clear(&err);
  urn_program *p = urn_parse_file_ex(model, incp, &err);
  if (!p) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  if (in_place && p->nincludes) { /* the output inlines the included files: it would replace the directives */
    fprintf(stderr, "urn format: %s includes other files (#include \"%s\"); the formatted program inlines them, so "
            "--in-place would replace the #include lines: write it with -o FILE instead\n", model, p->includes[0]);
    urn_program_free(p);
    return 1;
  }
  if (p->warnings) fputs(p->warnings, stderr);
  urn_buf b;
  urn_buf_init(&b);
  urn_format_program(p, stan221 ? URN_FMT_STAN221 : canonical ? URN_FMT_CANONICAL : 0, &b);
  urn_program_free(p);
  /* --in-place on a link rewrites the file it points to (the link stays); urn_write_file writes DEST.part
   * (never following or reusing an existing name), checks every write and the fsync, then renames; a device
   * or FIFO (-o /dev/stdout) is written in place, never replaced (rename() over /dev/stdout replaced the link) */
  char *real = in_place ? realpath(model, NULL) : NULL;
  const char *dest = in_place ? (real ? real : model) : outpath;
  int rc = 0;
  if (dest) {
    if (urn_write_file(dest, b.data ? b.data : "", b.len, &err) != URN_OK) {
      fprintf(stderr, "urn format: cannot write %s (%s)\n", dest, err.msg);
      rc = 1;
    }
  } else if (b.len) {
    fwrite(b.data, 1, b.len, stdout);
  }
  urn_buf_free(&b);
  free(real);
  return rc;
}
