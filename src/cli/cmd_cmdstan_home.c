/* cli/cmd_cmdstan_home.c — `urn cmdstan-home DIR [--urn PATH]`: writes a
 * CmdStan folder that cmdstanpy accepts ($CMDSTAN=DIR, or DIR =
 * ~/.cmdstan/cmdstan-2.36.0) and that needs no C++ toolchain: DIR/makefile
 * declares CMDSTAN_VERSION := 2.36.0 and builds /abs/X from /abs/X.stan with
 * `urn compile` (what CmdStanModel(stan_file=...) runs), and DIR/bin/stanc,
 * bin/stansummary, bin/diagnose run `urn stanc`, `urn stansummary`,
 * `urn diagnose` (what cmdstanpy's compile checks, fit.summary() and
 * fit.diagnose() run).  The scripts call urn by its absolute path: the
 * running urn (/proc/self/exe), or --urn PATH (`make install` uses it). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "urn/common.h"

static int mkdir_p(const char *dir) {
  char buf[PATH_MAX];
  snprintf(buf, sizeof buf, "%s", dir);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
  struct stat st;
  return stat(buf, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

/* Writes DIR/name with text and mode; prints the error and returns -1 on failure. */
static int write_file(const char *dir, const char *name, const char *text, mode_t mode) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  int ok = f && fputs(text, f) >= 0;
  if (f) ok &= fclose(f) == 0;
  if (ok) ok = chmod(path, mode) == 0;
  if (!ok) fprintf(stderr, "urn cmdstan-home: cannot write %s: %s\n", path, strerror(errno));
  return ok ? 0 : -1;
}

/* A shell word quoted for sh. */
static void sh_quote(char *out, size_t cap, const char *s) {
  size_t k = 0;
  if (k < cap) out[k++] = '\'';
  for (; *s && k + 5 < cap; s++) {
    if (*s == '\'') memcpy(out + k, "'\\''", 4), k += 4;
    else out[k++] = *s;
  }
  if (k + 2 <= cap) out[k++] = '\'';
  out[k < cap ? k : cap - 1] = 0;
}

int cmd_cmdstan_home(int argc, char **argv) {
  cli_args a;
  cli_init(&a, "cmdstan-home", argc, argv);
  const char *dir = NULL, *urn = NULL;
  while (!cli_done(&a)) {
    if (cli_is_help(cli_peek(&a))) {
      printf("usage: urn cmdstan-home DIR [--urn PATH]\n\n"
             "Writes a CmdStan 2.36 folder for cmdstanpy that runs on urn, with no C++ toolchain:\n"
             "  export CMDSTAN=DIR   (or use DIR = ~/.cmdstan/cmdstan-2.36.0)\n"
             "then CmdStanModel(stan_file='m.stan') compiles with urn in milliseconds, and fit.summary(),\n"
             "fit.diagnose() run urn's stansummary and diagnose.\n"
             "  --urn PATH   the urn program the folder calls (default: this urn)\n");
      return 0;
    } else if (cli_value(&a, "--urn", &urn)) {
    } else if (cli_peek(&a)[0] != '-' && !dir) {
      dir = cli_next(&a);
    } else {
      cli_unknown(&a);
    }
  }
  if (!dir) cli_die(&a, 2, "missing the folder (usage: urn cmdstan-home DIR)");
  char self[PATH_MAX], quoted[3 * PATH_MAX], text[4 * PATH_MAX + 2048], bin[PATH_MAX];
  if (!urn) {
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
      fprintf(stderr, "urn cmdstan-home: cannot find urn's own path (/proc/self/exe): give --urn PATH\n");
      return 1;
    }
    self[n] = 0;
    urn = self;
  }
  snprintf(bin, sizeof bin, "%s/bin", dir);
  if (mkdir_p(bin) != 0) {
    fprintf(stderr, "urn cmdstan-home: cannot create %s: %s\n", bin, strerror(errno));
    return 1;
  }
  sh_quote(quoted, sizeof quoted, urn);
  snprintf(text, sizeof text,
           "# A CmdStan folder for cmdstanpy, written by `urn cmdstan-home` (urn %s).  Models are compiled by urn in\n"
           "# milliseconds, without a C++ toolchain: cmdstanpy reads CMDSTAN_VERSION and runs\n"
           "#   make [STANCFLAGS+=...] [NAME=VALUE...] /abs/path/model    (from /abs/path/model.stan)\n"
           "# (stanc's --include-paths=DIR[,DIR] is passed to urn compile; other stanc flags and C++ options are\n"
           "# accepted and ignored).\n"
           "CMDSTAN_VERSION := 2.36.0\n"
           "URN := %s\n\n"
           ".PHONY: help\n"
           "help:\n"
           "\t@echo 'CmdStan v$(CMDSTAN_VERSION) on urn: make /abs/path/model builds the model executable from "
           "/abs/path/model.stan'\n\n"
           "%%:: %%.stan\n"
           "\t$(URN) compile $< -o $@ $(filter --include-paths=%%,$(STANCFLAGS))\n",
           urn_version(), quoted);
  int rc = write_file(dir, "makefile", text, 0644);
  static const char *const tools[3][2] = {{"stanc", "stanc"}, {"stansummary", "stansummary"}, {"diagnose", "diagnose"}};
  for (int i = 0; i < 3 && rc == 0; i++) {
    snprintf(text, sizeof text, "#!/bin/sh\n# CmdStan's bin/%s, as urn provides it (urn cmdstan-home)\nexec %s %s \"$@\"\n",
             tools[i][0], quoted, tools[i][1]);
    char name[64];
    snprintf(name, sizeof name, "bin/%s", tools[i][0]);
    rc = write_file(dir, name, text, 0755);
  }
  if (rc) return 1;
  printf("CmdStan 2.36.0 folder for cmdstanpy written to %s (calls %s); use it with\n  export CMDSTAN=%s\n", dir, urn,
         dir);
  return 0;
}
