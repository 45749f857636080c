/* cli/cli.c — the option parser shared by all subcommands. */
#include "cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_init(cli_args *a, const char *cmd, int argc, char **argv) {
  a->argc = argc, a->argv = argv, a->pos = 1, a->cmd = cmd;
}

int cli_done(const cli_args *a) { return a->pos >= a->argc; }

const char *cli_peek(const cli_args *a) { return a->pos < a->argc ? a->argv[a->pos] : NULL; }

const char *cli_next(cli_args *a) { return a->pos < a->argc ? a->argv[a->pos++] : NULL; }

int cli_is_help(const char *arg) { return arg && (!strcmp(arg, "-h") || !strcmp(arg, "--help")); }

_Noreturn void cli_die(const cli_args *a, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "urn %s: ", a->cmd);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(code);
}

_Noreturn void cli_unknown(const cli_args *a) {
  const char *arg = cli_peek(a);
  if (arg && arg[0] == '-' && arg[1])
    cli_die(a, 2, "unknown option '%s' (see 'urn %s --help')", arg, a->cmd);
  cli_die(a, 2, "unexpected argument '%s' (see 'urn %s --help')", arg ? arg : "", a->cmd);
}

int cli_flag(cli_args *a, const char *name) {
  const char *arg = cli_peek(a);
  if (arg && !strcmp(arg, name)) {
    a->pos++;
    return 1;
  }
  return 0;
}

int cli_value(cli_args *a, const char *name, const char **out) {
  const char *arg = cli_peek(a);
  if (!arg) return 0;
  size_t n = strlen(name);
  if (strncmp(arg, name, n) != 0) return 0;
  if (arg[n] == '=') {
    *out = arg + n + 1;
    a->pos++;
    return 1;
  }
  if (arg[n] != 0) return 0;
  if (a->pos + 1 >= a->argc) cli_die(a, 2, "option %s needs a value", name);
  *out = a->argv[a->pos + 1];
  a->pos += 2;
  return 1;
}

int cli_int(cli_args *a, const char *name, long lo, long hi, long *out) {
  const char *s;
  if (!cli_value(a, name, &s)) return 0;
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (!*s || *end || errno) cli_die(a, 2, "option %s: '%s' is not an integer", name, s);
  if (v < lo || v > hi) cli_die(a, 2, "option %s: %ld is out of range [%ld, %ld]", name, v, lo, hi);
  *out = v;
  return 1;
}

int cli_double(cli_args *a, const char *name, double lo, double hi, int open, double *out) {
  const char *s;
  if (!cli_value(a, name, &s)) return 0;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (!*s || *end || errno || !isfinite(v)) cli_die(a, 2, "option %s: '%s' is not a finite number", name, s);
  if (open ? !(v > lo && v < hi) : !(v >= lo && v <= hi))
    cli_die(a, 2, "option %s: %g is out of range %c%g, %g%c", name, v, open ? '(' : '[', lo, hi, open ? ')' : ']');
  *out = v;
  return 1;
}
