/* cli/cli.c — the option parser shared by all subcommands, and the stop flag
 * (SIGINT, SIGTERM, --timeout) they hand to the library. */
#include "cli/cli.h"
#include "urn/diag.h"
#include "urn/model.h"
#include "urn/run.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>

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

int cli_seed(cli_args *a, unsigned long long *out) {
  const char *s;
  if (!cli_value(a, "--seed", &s)) return 0;
  char *end;
  errno = 0;
  unsigned long long u = strtoull(s, &end, 10);
  if (!*s || *end || errno || s[0] == '-') cli_die(a, 2, "option --seed: '%s' is not a non-negative integer", s);
  *out = u;
  return 1;
}

/* ---- stopping ---- */

/* The process-wide state of the CLI (the library only ever gets the flag's address): set by the handlers. */
static volatile sig_atomic_t stop_flag;  /* polled by the library */
static volatile sig_atomic_t stop_cause; /* the signal that raised it (SIGALRM: the time limit) */
static double stop_timeout;              /* the --timeout given (for the message) */
static urn_run *volatile stop_run;       /* a run to stop as well (urn_run_stop is signal-safe) */

/* The flag is stored atomically: the library's threads read it with atomic loads (ThreadSanitizer counts a plain
 * store in a handler as a race with them); errno is kept for the code the signal interrupted. */
static void on_stop(int sig) {
  int saved = errno;
  if (__atomic_load_n(&stop_flag, __ATOMIC_RELAXED) && sig != SIGALRM) { /* asked twice: leave now, the default way */
    signal(sig, SIG_DFL);
    raise(sig);
    errno = saved;
    return;
  }
  if (!__atomic_load_n(&stop_flag, __ATOMIC_RELAXED)) stop_cause = sig;
  __atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
  if (stop_run) urn_run_stop(stop_run);
  errno = saved;
}

void cli_stop_attach(urn_run *r) {
  stop_run = r;
  if (r && stop_flag) urn_run_stop(r);
}

int cli_fail_code(void) { return stop_flag ? cli_stop_code() : 1; }

void cli_model_options(urn_model_options *opt) {
  urn_model_options_default(opt);
  const char *nb = getenv("URN_NOBATCH");
  opt->no_batch = nb && *nb && strcmp(nb, "0") != 0;
}

void cli_native_cache_dir(char *cache, size_t cap) {
  const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  if (x && *x) snprintf(cache, cap, "%s/urn", x);
  else if (home && *home) snprintf(cache, cap, "%s/.cache/urn", home);
  else snprintf(cache, cap, "/tmp/urn-cache-%ld", (long)getuid());
}

void cli_native_options(urn_model_options *opt, const char *mode, char *cache, size_t cap) {
  opt->native = !strcmp(mode, "on") ? 1 : !strcmp(mode, "wait") ? 2 : !strcmp(mode, "auto") ? 3 : 0;
  const char *cc = getenv("CC");
  cli_native_cache_dir(cache, cap);
  opt->native_cache = cache;
  opt->native_cc = cc && *cc ? cc : "cc";
}

urn_model *cli_load_model(const char *stan_path, const char *data_path, uint64_t seed, const char *incp,
                          double timeout) {
  urn_error err;
  urn_error_clear(&err);
  urn_model_options mopt;
  cli_model_options(&mopt);
  mopt.seed = seed, mopt.include_paths = incp, mopt.stop = cli_stop_install(timeout);
  urn_model *m = urn_model_load(stan_path, data_path, &mopt, &err);
  if (!m) {
    fprintf(stderr, "%s\n", err.msg);
    return NULL;
  }
  fputs(urn_model_warnings(m), stderr);
  return m;
}

void cli_output_path(char *path, size_t cap, const char *output, const urn_model *m, const char *suffix) {
  if (output) {
    snprintf(path, cap, "%s", output);
    return;
  }
  snprintf(path, cap, "%s-output", urn_model_name(m));
  mkdir(path, 0777);
  snprintf(path, cap, "%s-output/%s-%s.csv", urn_model_name(m), urn_model_name(m), suffix);
}

volatile sig_atomic_t *cli_stop_install(double timeout) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0; /* no SA_RESTART: a read blocked on a FIFO that never ends returns EINTR */
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  if (timeout > 0) {
    stop_timeout = timeout;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it;
    memset(&it, 0, sizeof it);
    it.it_value.tv_sec = (time_t)timeout;
    it.it_value.tv_usec = (suseconds_t)((timeout - (double)(time_t)timeout) * 1e6);
    if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0) it.it_value.tv_usec = 1;
    setitimer(ITIMER_REAL, &it, NULL);
  }
  return &stop_flag;
}

int cli_stop_code(void) {
  if (!stop_flag) return 0;
  return stop_cause == SIGTERM ? 143 : stop_cause == SIGALRM ? 124 : 130;
}

const char *cli_stop_reason(void) {
  static char buf[96]; /* the CLI is single-threaded where it reports */
  if (!stop_flag) return "";
  if (stop_cause == SIGTERM) return "stopped by SIGTERM";
  if (stop_cause == SIGALRM) {
    snprintf(buf, sizeof buf, "stopped at the time limit (--timeout %g s)", stop_timeout);
    return buf;
  }
  return "interrupted (SIGINT)";
}

int cli_timeout(cli_args *a, double *out) {
  return cli_double(a, "--timeout", 0, 1e9, 1, out);
}

void cli_trim_chains(const char *cmd, urn_stancsv *files, size_t n_files) {
  size_t lo = SIZE_MAX, hi = 0;
  for (size_t i = 0; i < n_files; i++) {
    if (files[i].partial)
      fprintf(stderr, "urn %s: %s: the last line was incomplete (a run stopped while writing it) and is left out\n",
              cmd, files[i].path);
    if (files[i].n_draws < lo) lo = files[i].n_draws;
    if (files[i].n_draws > hi) hi = files[i].n_draws;
  }
  if (n_files < 2 || lo == hi || lo == 0) return; /* no draws at all: as_draws says which file */
  fprintf(stderr, "urn %s: the chains have different numbers of draws (%zu to %zu: an interrupted run?); using the "
          "first %zu draws of each\n", cmd, lo, hi, lo);
  urn_stancsv_trim(files, n_files);
}
