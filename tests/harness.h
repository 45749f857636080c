/* tests/harness.h — the tiny test harness every C test program uses.
 *
 * A test program calls CHECK / CHECK_NEAR / CHECK_REL any number of times and
 * ends main() with `return test_done();`, which prints "N passed, N failed"
 * (the runner sums these lines) and returns non-zero when anything failed.
 * Failures print file:line and the values involved; passes are silent unless
 * URN_TEST_VERBOSE is set.  Tests that need ../shared/ call test_shared_dir(),
 * which returns NULL (and the test prints one "skipped:" line) when absent. */
#ifndef URN_TEST_HARNESS_H
#define URN_TEST_HARNESS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int test_npass; /* checks that held */
static int test_nfail; /* checks that did not */

static void test_report(int ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#include <stdarg.h>
static void test_report(int ok, const char *file, int line, const char *fmt, ...) {
  if (ok) {
    test_npass++;
    if (!getenv("URN_TEST_VERBOSE")) return;
  } else {
    test_nfail++;
  }
  va_list ap;
  va_start(ap, fmt);
  fprintf(ok ? stdout : stderr, "%s %s:%d: ", ok ? "ok  " : "FAIL", file, line);
  vfprintf(ok ? stdout : stderr, fmt, ap);
  fputc('\n', ok ? stdout : stderr);
  va_end(ap);
}

/* A boolean check with a printf-style description. */
#define CHECK(cond, ...) test_report(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* |a - b| <= atol + rtol * |b|; NaN never passes unless both are NaN. */
__attribute__((unused)) static int test_near(double a, double b, double rtol, double atol) {
  if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
  if (isinf(a) || isinf(b)) return a == b;
  return fabs(a - b) <= atol + rtol * fabs(b);
}
#define CHECK_NEAR(a, b, rtol, atol, what)                                        \
  do {                                                                           \
    double test_a_ = (a), test_b_ = (b);                                         \
    test_report(test_near(test_a_, test_b_, (rtol), (atol)), __FILE__, __LINE__, \
                "%s: got %.17g, expected %.17g", (what), test_a_, test_b_);      \
  } while (0)
#define CHECK_REL(a, b, rtol, what) CHECK_NEAR(a, b, rtol, 0.0, what)

/* The shared reference folder (../shared relative to the project root, or
 * $URN_SHARED), or NULL when it is not there. */
__attribute__((unused)) static const char *test_shared_dir(void) {
  static char path[4096];
  const char *env = getenv("URN_SHARED");
  const char *p = env && *env ? env : "../shared";
  struct stat st;
  if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) return NULL;
  snprintf(path, sizeof path, "%s", p);
  return path;
}

/* Reads a whole file into a NUL-terminated malloc'd buffer (NULL on failure). */
__attribute__((unused)) static char *test_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  size_t got;
  while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
    n += got;
    if (cap - n - 1 == 0) buf = realloc(buf, cap *= 2);
  }
  fclose(f);
  buf[n] = 0;
  if (len) *len = n;
  return buf;
}

static int test_done(void) {
  printf("%d passed, %d failed\n", test_npass, test_nfail);
  return test_nfail ? 1 : 0;
}

#endif
