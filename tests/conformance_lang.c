/* tests/conformance_lang.c — `make conformance-lang`: Stan's own compiler tests
 * (stanc3's test/integration good/ and bad/ programs, unpacked from
 * ../shared/stanc3/integration-tests.tar.xz) as urn's language conformance
 * suite.  Every `.stan` program under DIR/good must pass `urn check` (parse,
 * check, lower: the library path of `urn check model.stan` without data) and
 * every program under DIR/bad must be refused.
 *
 * Usage: conformance_lang [--exceptions FILE] [--expect FILE] [--write-expect FILE]
 *                         [--list] [--quiet] [--format] DIR
 * Each program runs in its own forked child (a crash or a hang of one program
 * is reported as CRASH / TIMEOUT and counted against it, the run goes on).
 * Prints one line per directory (programs, accepted, rejected), the programs
 * whose verdict is wrong with --list (with the first line of urn's message),
 * and ends with the line
 *     good: A/B accepted; bad: C/D rejected
 * --exceptions FILE: `path reason...` lines (path relative to DIR, '#' starts a
 *   comment): bad/ programs urn accepts on purpose (legacy syntax, see
 *   docs/conformance.md); reported on their own line, never as failures.
 * --expect FILE: the committed list of programs whose verdict is still wrong
 *   (`path accepted|rejected|crash`); the run then prints one check per
 *   program and `N passed, N failed` (the test harness's format): a program
 *   not in the list must have the right verdict, and a listed program must
 *   still be wrong (fixed programs are removed from the list: run
 *   `make conformance-lang-update`).  Exceptions count as right.
 * --write-expect FILE: writes that list for the current verdicts.
 * --format: also checks `urn format` on every accepted good/ program: the
 *   formatted program and its canonical form (--canonical) parse and check,
 *   carry no old-syntax warnings (canonical), formatting either again gives
 *   the same text, and the formatted program has the same canonical form as
 *   the original (so formatting changed layout only).  A failure turns the
 *   verdict into FORMAT (counted as wrong).
 * Exit status: 0, or 1 when --expect found a difference. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lang/builtins.h"
#include "lang/check.h"
#include "lang/eval.h"
#include "lang/format.h"
#include "lang/parser.h"
#include "model/layout.h"
#include "util/util.h"

/* One program of the corpus and its verdict. */
typedef struct program {
  char *path;      /* relative to DIR: "good/lang/foo.stan" */
  int good;        /* 1 under good/, 0 under bad/ */
  char verdict;    /* 'A' accepted, 'R' rejected, 'C' crashed or timed out, 'F' accepted but
                      `urn format` failed its checks (--format) */
  char *msg;       /* first line of the error (rejected) or the crash description */
  int excepted;    /* listed in the exceptions file */
  int expected_wrong; /* listed in the --expect file */
} program;

/* The whole run. */
typedef struct corpus {
  program *p;      /* programs in path order */
  size_t n, cap;   /* count and capacity */
} corpus;

/* A line-oriented list file: `path rest...`, '#' comments and blank lines skipped. */
typedef struct listfile {
  char **path;     /* first word of each line */
  char **rest;     /* the remainder (reason or verdict), trimmed */
  int *used;       /* matched a program of the corpus */
  size_t n;        /* number of entries */
} listfile;

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collects every .stan file under dir/rel (recursively, sorted). */
static void collect(corpus *c, const char *dir, const char *rel, int good) {
  char full[4096];
  snprintf(full, sizeof full, "%s/%s", dir, rel);
  DIR *d = opendir(full);
  if (!d) return;
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 64;
      names = urn_xrealloc(names, cap * sizeof *names);
    }
    names[n++] = urn_xstrdup(e->d_name);
  }
  closedir(d);
  if (n) qsort(names, n, sizeof *names, cmp_str);
  for (size_t i = 0; i < n; i++) {
    char sub[2048], subfull[4096];
    snprintf(sub, sizeof sub, "%s/%s", rel, names[i]);
    snprintf(subfull, sizeof subfull, "%s/%s", dir, sub);
    struct stat st;
    if (stat(subfull, &st) == 0 && S_ISDIR(st.st_mode)) {
      collect(c, dir, sub, good);
    } else {
      size_t len = strlen(names[i]);
      if (len > 5 && strcmp(names[i] + len - 5, ".stan") == 0) {
        if (c->n == c->cap) {
          c->cap = c->cap ? 2 * c->cap : 1024;
          c->p = urn_xrealloc(c->p, c->cap * sizeof *c->p);
        }
        program *p = &c->p[c->n++];
        memset(p, 0, sizeof *p);
        p->path = urn_xstrdup(sub);
        p->good = good;
      }
    }
    free(names[i]);
  }
  free(names);
}

/* Parses, checks and lowers src; returns the program (NULL on error, message in err). */
static urn_program *check_text(const char *name, const char *src, size_t len, urn_error *err) {
  urn_program *p = urn_parse(name, src, len, err);
  if (!p) return NULL;
  if (urn_check(p, err) != URN_OK) {
    urn_program_free(p);
    return NULL;
  }
  urn_prog *low = urn_lower(p, err);
  if (!low) {
    urn_program_free(p);
    return NULL;
  }
  urn_prog_free(low);
  return p;
}

static char *formatted(const urn_program *p, int flags) {
  urn_buf b;
  urn_buf_init(&b);
  urn_format_program(p, flags, &b);
  if (!b.data) urn_buf_puts(&b, "");
  return b.data;
}

/* The --format checks of one accepted program (see the header); writes a message into out
 * and returns 1 when one fails. */
static int format_checks(const char *path, char *out, size_t cap) {
  size_t len = 0;
  urn_error err;
  urn_error_clear(&err);
  char *src = urn_read_file(path, &len, &err);
  urn_program *p = src ? urn_parse(path, src, len, &err) : NULL;
  free(src);
  if (!p) return snprintf(out, cap, "FORMAT: cannot re-read: %.300s", err.msg), 1;
  char *f1 = formatted(p, 0), *c1 = formatted(p, URN_FMT_CANONICAL);
  urn_program_free(p);
  const char *fail = NULL;
  char *f2 = NULL, *cf = NULL, *c3 = NULL;
  urn_program *q = check_text("formatted.stan", f1, strlen(f1), &err);
  if (!q) {
    fail = "the formatted program is refused";
  } else { /* formatted from a fresh parse: the checker annotates (and may rename in) the AST */
    urn_program_free(q);
    q = urn_parse("formatted.stan", f1, strlen(f1), &err);
    f2 = formatted(q, 0);
    cf = formatted(q, URN_FMT_CANONICAL);
    urn_program_free(q);
    if (strcmp(f1, f2) != 0) fail = "formatting the formatted program changes it";
    else if (strcmp(c1, cf) != 0) fail = "the formatted program has another canonical form";
  }
  if (!fail) {
    q = check_text("canonical.stan", c1, strlen(c1), &err);
    if (!q) {
      fail = "the canonical form is refused";
    } else {
      urn_program_free(q);
      q = urn_parse("canonical.stan", c1, strlen(c1), &err);
      c3 = formatted(q, URN_FMT_CANONICAL);
      if (q->warnings) fail = "the canonical form still has old syntax";
      else if (strcmp(c1, c3) != 0) fail = "formatting the canonical form changes it";
      urn_program_free(q);
    }
  }
  if (fail) snprintf(out, cap, "FORMAT: %s%s%.300s", fail, err.code ? ": " : "", err.code ? err.msg : "");
  free(f1), free(c1), free(f2), free(cf), free(c3);
  return fail != NULL;
}

/* Runs the check of one program in a child process; fills verdict and msg. */
static void run_one(const char *dir, program *p, int format) {
  char full[4096];
  snprintf(full, sizeof full, "%s/%s", dir, p->path);
  int fd[2];
  if (pipe(fd) != 0) {
    p->verdict = 'C';
    p->msg = urn_xstrdup("pipe failed");
    return;
  }
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    close(fd[0]);
    alarm(30);
    FILE *null = fopen("/dev/null", "w");
    urn_error err;
    urn_error_clear(&err);
    int rc = urn__model_layout_print(full, NULL, null ? null : stdout, NULL, &err);
    char out[600];
    if (rc == URN_OK && format && p->good && format_checks(full, out + 1, sizeof out - 1)) {
      out[0] = 'F';
    } else if (rc == URN_OK) {
      snprintf(out, sizeof out, "A");
    } else {
      size_t k = strcspn(err.msg, "\n");
      snprintf(out, sizeof out, "R%.*s", (int)(k > 500 ? 500 : k), err.msg);
    }
    ssize_t w = write(fd[1], out, strlen(out));
    (void)w;
    _exit(0);
  }
  close(fd[1]);
  char buf[700];
  size_t got = 0;
  for (;;) {
    ssize_t r = read(fd[0], buf + got, sizeof buf - 1 - got);
    if (r > 0) got += (size_t)r;
    else if (r < 0 && errno == EINTR) continue;
    else break;
    if (got == sizeof buf - 1) break;
  }
  buf[got] = 0;
  close(fd[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || got == 0) {
    p->verdict = 'C';
    char m[128];
    if (pid > 0 && WIFSIGNALED(status))
      snprintf(m, sizeof m, "%s (signal %d)", WTERMSIG(status) == SIGALRM ? "TIMEOUT after 30 s" : "CRASH",
               WTERMSIG(status));
    else
      snprintf(m, sizeof m, "CRASH (no verdict)");
    p->msg = urn_xstrdup(m);
    return;
  }
  p->verdict = buf[0] == 'A' ? 'A' : buf[0] == 'F' ? 'F' : 'R';
  if (buf[0] == 'F') p->msg = urn_xstrdup(buf + 1);
  if (buf[0] == 'R') {
    const char *m = buf + 1;
    /* drop the directory part of the path in the message */
    size_t dl = strlen(dir);
    if (strncmp(m, dir, dl) == 0 && m[dl] == '/') m += dl + 1;
    p->msg = urn_xstrdup(m);
  }
}

static int right(const program *p) { return p->good ? p->verdict == 'A' : p->verdict == 'R'; }

static const char *verdict_word(char v) {
  return v == 'A' ? "accepted" : v == 'R' ? "rejected" : v == 'F' ? "format-failed" : "crash";
}

static void trim(char *s) {
  size_t n = strlen(s);
  while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = 0;
}

static int read_list(const char *path, listfile *l) {
  memset(l, 0, sizeof *l);
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "conformance_lang: cannot read %s: %s\n", path, strerror(errno));
    return -1;
  }
  char line[4096];
  size_t cap = 0;
  while (fgets(line, sizeof line, f)) {
    trim(line);
    char *s = line;
    while (*s == ' ' || *s == '\t') s++;
    if (!*s || *s == '#') continue;
    char *sp = s + strcspn(s, " \t");
    char *rest = sp;
    if (*sp) {
      *sp = 0;
      rest = sp + 1;
      while (*rest == ' ' || *rest == '\t') rest++;
    }
    if (l->n == cap) {
      cap = cap ? 2 * cap : 64;
      l->path = urn_xrealloc(l->path, cap * sizeof *l->path);
      l->rest = urn_xrealloc(l->rest, cap * sizeof *l->rest);
      l->used = urn_xrealloc(l->used, cap * sizeof *l->used);
    }
    l->path[l->n] = urn_xstrdup(s);
    l->rest[l->n] = urn_xstrdup(rest);
    l->used[l->n] = 0;
    l->n++;
  }
  fclose(f);
  return 0;
}

static void free_list(listfile *l) {
  for (size_t i = 0; i < l->n; i++) free(l->path[i]), free(l->rest[i]);
  free(l->path);
  free(l->rest);
  free(l->used);
}

static long find_in_list(listfile *l, const char *path) {
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->path[i], path) == 0) return (long)i;
  return -1;
}

/* The directory part of a path ("good/lang/x.stan" -> "good/lang"). */
static void dir_of(const char *path, char *out, size_t cap) {
  const char *slash = strrchr(path, '/');
  size_t n = slash ? (size_t)(slash - path) : 0;
  if (n >= cap) n = cap - 1;
  memcpy(out, path, n);
  out[n] = 0;
}

static void print_dirs(const corpus *c) {
  size_t i = 0;
  while (i < c->n) {
    char d[1024], d2[1024];
    dir_of(c->p[i].path, d, sizeof d);
    size_t j = i, acc = 0, rej = 0, crash = 0, exc = 0;
    for (; j < c->n; j++) {
      dir_of(c->p[j].path, d2, sizeof d2);
      if (strcmp(d, d2) != 0) break;
      if (c->p[j].verdict == 'A' || c->p[j].verdict == 'F') acc++;
      else if (c->p[j].verdict == 'R') rej++;
      else crash++;
      exc += (size_t)c->p[j].excepted;
    }
    printf("%-62s %4zu programs: %4zu accepted, %4zu rejected", d, j - i, acc, rej);
    if (crash) printf(", %zu CRASHED", crash);
    if (exc) printf(" (%zu accepted on purpose)", exc);
    printf("\n");
    i = j;
  }
}

int main(int argc, char **argv) {
  const char *dir = NULL, *exceptions = NULL, *expect = NULL, *write_expect = NULL;
  int list = 0, quiet = 0, format = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--exceptions") && i + 1 < argc) exceptions = argv[++i];
    else if (!strcmp(argv[i], "--expect") && i + 1 < argc) expect = argv[++i];
    else if (!strcmp(argv[i], "--write-expect") && i + 1 < argc) write_expect = argv[++i];
    else if (!strcmp(argv[i], "--list")) list = 1;
    else if (!strcmp(argv[i], "--quiet")) quiet = 1;
    else if (!strcmp(argv[i], "--format")) format = 1;
    else if (argv[i][0] != '-' && !dir) dir = argv[i];
    else {
      fprintf(stderr, "usage: conformance_lang [--exceptions FILE] [--expect FILE] [--write-expect FILE] "
                      "[--list] [--quiet] [--format] DIR\n");
      return 2;
    }
  }
  if (!dir) {
    fprintf(stderr, "conformance_lang: missing DIR (the unpacked stanc3 integration tests)\n");
    return 2;
  }
  size_t nbuiltins;
  (void)urn_builtin_table(&nbuiltins); /* built once here, shared by every forked child */
  corpus c = {0};
  collect(&c, dir, "good", 1);
  collect(&c, dir, "bad", 0);
  if (c.n == 0) {
    fprintf(stderr, "conformance_lang: no .stan programs under %s/good or %s/bad\n", dir, dir);
    return 2;
  }
  listfile exc = {0}, exp = {0};
  if (exceptions && read_list(exceptions, &exc)) return 2;
  if (expect && read_list(expect, &exp)) return 2;
  for (size_t i = 0; i < c.n; i++) {
    run_one(dir, &c.p[i], format);
    long k = find_in_list(&exc, c.p[i].path);
    if (k >= 0 && !c.p[i].good && c.p[i].verdict == 'A') {
      c.p[i].excepted = 1;
      exc.used[k] = 1;
    } else if (k >= 0) {
      exc.used[k] = 2; /* listed, but the verdict is right (or a crash): stale */
    }
  }
  size_t good = 0, good_ok = 0, bad = 0, bad_ok = 0, nexc = 0, crashes = 0;
  for (size_t i = 0; i < c.n; i++) {
    program *p = &c.p[i];
    if (p->good) good++, good_ok += p->verdict == 'A';
    else bad++, bad_ok += p->verdict == 'R';
    nexc += (size_t)p->excepted;
    crashes += p->verdict == 'C';
  }
  if (!quiet) print_dirs(&c);
  if (list) {
    printf("\nprograms with the wrong verdict:\n");
    for (size_t i = 0; i < c.n; i++) {
      program *p = &c.p[i];
      if (right(p) || p->excepted) continue;
      printf("  %s %s%s%s\n", verdict_word(p->verdict), p->path, p->msg ? "  :: " : "", p->msg ? p->msg : "");
    }
  }
  int failed = 0;
  size_t checks_ok = 0, checks_bad = 0;
  if (expect) {
    for (size_t i = 0; i < c.n; i++) {
      program *p = &c.p[i];
      long k = find_in_list(&exp, p->path);
      if (k >= 0) exp.used[k] = 1;
      int wrong = !right(p) && !p->excepted;
      if (!wrong && k < 0) {
        checks_ok++;
      } else if (wrong && k >= 0 && strcmp(exp.rest[k], verdict_word(p->verdict)) == 0) {
        checks_ok++;
      } else if (wrong) {
        checks_bad++;
        printf("FAIL %s: %s (should be %s)%s%s\n", p->path, verdict_word(p->verdict),
               p->good ? "accepted" : "rejected", p->msg ? " :: " : "", p->msg ? p->msg : "");
      } else {
        checks_bad++;
        printf("FAIL %s: now %s as it should be: remove it from %s (make conformance-lang-update)\n", p->path,
               verdict_word(p->verdict), expect);
      }
    }
    for (size_t k = 0; k < exp.n; k++)
      if (!exp.used[k]) {
        checks_bad++;
        printf("FAIL %s is listed in %s but is not in the corpus\n", exp.path[k], expect);
      }
  }
  for (size_t k = 0; k < exc.n; k++) {
    if (exc.used[k] == 1) continue;
    if (expect) checks_bad++;
    printf("%s %s is listed in %s but is %s\n", expect ? "FAIL" : "note:", exc.path[k], exceptions,
           exc.used[k] == 2 ? "rejected now (remove it from the list)" : "not in the corpus");
  }
  if (write_expect) {
    FILE *f = fopen(write_expect, "w");
    if (!f) {
      fprintf(stderr, "conformance_lang: cannot write %s: %s\n", write_expect, strerror(errno));
      return 2;
    }
    fprintf(f, "# Programs of stanc3's integration tests whose urn verdict is still wrong (make test checks that\n"
               "# every other program has the right verdict and that these still have this one).  Regenerate with\n"
               "# `make conformance-lang-update` after fixing programs.  Format: path verdict.\n");
    for (size_t i = 0; i < c.n; i++) {
      program *p = &c.p[i];
      if (right(p) || p->excepted) continue;
      fprintf(f, "%s %s\n", p->path, verdict_word(p->verdict));
    }
    fclose(f);
  }
  if (nexc) printf("exceptions: %zu bad/ programs accepted on purpose (legacy syntax; docs/conformance.md)\n", nexc);
  if (crashes) printf("crashes or timeouts: %zu\n", crashes);
  printf("good: %zu/%zu accepted; bad: %zu/%zu rejected\n", good_ok, good, bad_ok, bad);
  if (expect) {
    printf("%zu passed, %zu failed\n", checks_ok, checks_bad);
    failed = checks_bad != 0;
  }
  for (size_t i = 0; i < c.n; i++) free(c.p[i].path), free(c.p[i].msg);
  free(c.p);
  free_list(&exc);
  free_list(&exp);
  return failed;
}
