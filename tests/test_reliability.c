/* tests/test_reliability.c — issue #16 (hostile use) at the library level:
 * results that do not depend on thread timing (the data memo of normal filled
 * while other threads read it), the stop flag (an endless loop in the model
 * block or in transformed data ends with URN_EINTR), packed JSON data equal to
 * the element-by-element reading, repeated JSON keys, zero-size containers,
 * integer arithmetic errors, sizes memory cannot hold (URN_ENOMEM, never an
 * abort), and files that are not text (a folder, /dev/zero, a UTF-8 BOM). */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "io/json.h"
#include "urn/model.h"
#include "util/util.h"

static urn_model *model(const char *src, const char *data, urn_error *err) {
  return urn_model_new("t.stan", src, strlen(src), "t.json", data, data ? strlen(data) : 0, 1, err);
}

/* ---- results independent of thread timing ---- */

typedef struct race {
  const urn_model *m;        /* shared model */
  const double *theta;       /* the point */
  pthread_barrier_t *start;  /* all threads call at once */
  double lp, grad[2];        /* this thread's result */
  int rc;                    /* status */
} race;

static void *race_worker(void *arg) {
  race *r = arg;
  urn_error err;
  pthread_barrier_wait(r->start);
  r->rc = urn_model_log_density_gradient(r->m, 1, 1, r->theta, &r->lp, r->grad, &err);
  return NULL;
}

/* The first calls on a fresh model, from 8 threads at once, give the single-threaded answer bit for bit: normal's
 * data statistics are computed by whichever thread comes first, and a thread that finds them in the making
 * computes the same numbers itself (it used to fall back to a sum that differed in the last bit). */
static void test_memo_race(void) {
  const char *src = "data { int N; vector[N] y; } parameters { real mu; real<lower=0> s; }\n"
                    "model { y ~ normal(mu, s); }";
  urn_buf data;
  urn_buf_init(&data);
  urn_buf_puts(&data, "{\"N\": 200000, \"y\": [");
  uint64_t x = 12345;
  for (int i = 0; i < 200000; i++) { /* far from 0: the sums' rounding shows in the last bits */
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    urn_buf_printf(&data, "%s%.17g", i ? "," : "", 1e6 + (double)(x >> 11) / 9007199254740992.0);
  }
  urn_buf_puts(&data, "]}");
  const double theta[2] = {1e6 + 0.37, 0.2};
  urn_error err;
  urn_model *ref = model(src, data.data, &err);
  CHECK(ref != NULL, "memo model builds: %s", err.msg);
  if (!ref) { urn_buf_free(&data); return; }
  /* the reference: the memo filled by one thread alone (second call), and the first call */
  double lp1, g1[2], lp2, g2[2];
  urn_model_log_density_gradient(ref, 1, 1, theta, &lp1, g1, &err);
  urn_model_log_density_gradient(ref, 1, 1, theta, &lp2, g2, &err);
  CHECK(lp1 == lp2 && g1[0] == g2[0] && g1[1] == g2[1], "first and later calls agree bit for bit");
  urn_model_free(ref);
  int mismatches = 0, failures = 0;
  for (int trial = 0; trial < 20; trial++) {
    urn_model *m = model(src, data.data, &err);
    if (!m) { failures++; continue; }
    enum { NT = 8 };
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, NT);
    race r[NT];
    pthread_t th[NT];
    for (int t = 0; t < NT; t++) {
      r[t] = (race){m, theta, &bar, 0, {0, 0}, -1};
      pthread_create(&th[t], NULL, race_worker, &r[t]);
    }
    for (int t = 0; t < NT; t++) pthread_join(th[t], NULL);
    pthread_barrier_destroy(&bar);
    for (int t = 0; t < NT; t++) {
      failures += r[t].rc != URN_OK;
      mismatches += r[t].lp != lp2 || r[t].grad[0] != g2[0] || r[t].grad[1] != g2[1];
    }
    urn_model_free(m);
  }
  CHECK(failures == 0, "every threaded call succeeds (%d failed)", failures);
  CHECK(mismatches == 0, "20 fresh models x 8 threads at once: all equal the single-threaded result bit for bit (%d "
        "differ)", mismatches);
  urn_buf_free(&data);
}

/* ---- the stop flag ---- */

typedef struct raiser {
  volatile sig_atomic_t *flag; /* set after a moment */
} raiser;
static void *raise_later(void *arg) {
  raiser *r = arg;
  struct timespec ts = {0, 30 * 1000 * 1000};
  nanosleep(&ts, NULL);
  __atomic_store_n(r->flag, 1, __ATOMIC_RELAXED);
  return NULL;
}

static void test_stop_flag(void) {
  urn_error err;
  const char *loop = "parameters { real x; } model { real k = 0; while (1) { k += 1; } x ~ normal(0, 1); }";
  urn_model *m = model(loop, NULL, &err);
  CHECK(m != NULL, "endless-loop model builds: %s", err.msg);
  if (!m) return;
  volatile sig_atomic_t flag = 1;
  urn_model_set_stop(m, &flag);
  double x = 0.5, lp, g;
  int rc = urn_model_log_density_gradient(m, 1, 1, &x, &lp, &g, &err);
  CHECK(rc == URN_EINTR && strstr(err.msg, "interrupted"), "a raised flag stops at once (%d: %s)", rc, err.msg);
  /* raised while the endless loop runs (another thread, 30 ms later): the loop ends */
  flag = 0;
  raiser r = {&flag};
  pthread_t th;
  pthread_create(&th, NULL, raise_later, &r);
  rc = urn_model_log_density_gradient(m, 1, 1, &x, &lp, &g, &err);
  pthread_join(th, NULL);
  CHECK(rc == URN_EINTR, "the endless loop in the model block ends when the flag is raised (%d)", rc);
  /* with the flag cleared, evaluation works again (a model whose loop ends) */
  urn_model_set_stop(m, NULL);
  urn_model_free(m);
  m = model("parameters { real x; } model { for (i in 1:3) x ~ normal(0, 1); }", NULL, &err);
  flag = 0;
  urn_model_set_stop(m, &flag);
  rc = urn_model_log_density(m, 1, 1, &x, &lp, &err);
  CHECK(rc == URN_OK && fabs(lp - (-3 * 0.125)) < 1e-15, "a lowered flag changes nothing (lp %g)", lp);
  flag = 1;
  double out[1];
  urn_rng *no_rng = NULL;
  rc = urn_model_param_constrain(m, 1, 0, &x, out, no_rng, &err);
  CHECK(rc == URN_EINTR, "param_constrain stops too (%d)", rc);
  urn_model_free(m);
  /* transformed data that never ends: the construction stops (urn_model_load with the flag) */
  char path[] = "/tmp/urn_rel_XXXXXX";
  int fd = mkstemp(path);
  const char *tdloop = "transformed data { int k = 0; while (1) { k += 1; if (k > 1000000) k = 0; } }\n"
                       "parameters { real x; } model { x ~ normal(0, 1); }";
  CHECK(fd >= 0 && write(fd, tdloop, strlen(tdloop)) == (ssize_t)strlen(tdloop), "temp program written");
  if (fd >= 0) close(fd);
  urn_model_options opt;
  urn_model_options_default(&opt);
  flag = 0;
  opt.stop = &flag;
  pthread_create(&th, NULL, raise_later, &r);
  m = urn_model_load(path, NULL, &opt, &err);
  pthread_join(th, NULL);
  CHECK(!m && err.code == URN_EINTR && strstr(err.msg, "transformed data"), "endless transformed data stops: %d %s",
        err.code, err.msg);
  urn_model_free(m);
  unlink(path);
}

/* ---- JSON: packed data, repeated keys ---- */

static void test_packed_data(void) {
  urn_error err;
  /* a string among the numbers: the reader falls back to element nodes midway, and the data reader names it */
  urn_model *m = model("data { array[2] matrix[2, 3] A; } parameters { real x; } model { x ~ normal(0, 1); }",
                       "{\"A\": [[[1,2,3],[4,5,6]],[[7,8,9],[10,11,\"12\"]]]}", &err);
  CHECK(!m && strstr(err.msg, "variable 'A': expected a number") && strstr(err.msg, "found string"),
        "a string among numbers is refused after the fallback: %s", err.msg);
  /* the packed tree itself, against the element-by-element tree */
  const char *text = "{\"M\": [[1, 2.5, -3e2], [4, 5, 6]], \"mixed\": [[1, 2], [3, \"NaN\"]], \"ragged\": [[1], [2, 3]],"
                     " \"e\": [[], []], \"deep\": [[[1], [2]], [[3], [4]]], \"nums\": [NaN, Infinity, -Infinity]}";
  urn_json *p = urn_json_parse_data(text, strlen(text), "t.json", &err);
  urn_json *u = urn_json_parse(text, strlen(text), "t.json", &err);
  CHECK(p && u, "both readers parse");
  if (p && u) {
    const urn_json *M = urn_json_get(p, "M");
    CHECK(M && M->ndims == 2 && M->shape[0] == 2 && M->shape[1] == 3 && M->nums[2] == -300 && M->nums[5] == 6 &&
              !M->items,
          "a rectangular numeric array is packed, row-major");
    const urn_json *mixed = urn_json_get(p, "mixed"), *ragged = urn_json_get(p, "ragged");
    CHECK(mixed && !mixed->ndims && mixed->len == 2 && mixed->items[0]->ndims == 1 && mixed->items[0]->nums[1] == 2 &&
              mixed->items[1]->ndims == 0 && mixed->items[1]->items[1]->type == URN_JSON_STRING,
          "a string breaks the packing of its arrays only");
    CHECK(ragged && !ragged->ndims && ragged->items[0]->ndims == 1 && ragged->items[1]->shape[0] == 2,
          "a ragged array keeps its packed rows");
    const urn_json *e = urn_json_get(p, "e"), *deep = urn_json_get(p, "deep"), *nums = urn_json_get(p, "nums");
    CHECK(e && e->ndims == 2 && e->shape[0] == 2 && e->shape[1] == 0, "[[], []] packs as 2 x 0");
    CHECK(deep && deep->ndims == 3 && deep->nums[3] == 4, "three levels pack");
    CHECK(nums && nums->ndims == 1 && isnan(nums->nums[0]) && isinf(nums->nums[1]) && nums->nums[2] < 0,
          "NaN and infinities pack");
    CHECK(!urn_json_get(u, "M")->ndims, "urn_json_parse does not pack");
  }
  urn_json_free(p), urn_json_free(u);
  /* repeated keys: refused, naming the key and both places */
  const char *dup = "{\"N\": 2,\n \"y\": [1, 2],\n \"N\": 3}";
  p = urn_json_parse_data(dup, strlen(dup), "dup.json", &err);
  CHECK(!p && strstr(err.msg, "dup.json:3:2: 'N' appears twice in this object (first at line 1, column 2)"),
        "repeated key: %s", err.msg);
  const char *dup2 = "{\"a\": {\"b\": 1, \"b\": 2}}";
  p = urn_json_parse(dup2, strlen(dup2), "d2.json", &err);
  CHECK(!p && strstr(err.msg, "'b' appears twice"), "repeated key in a nested object: %s", err.msg);
  const char *bom = "\xEF\xBB\xBF{\"N\": 1}";
  p = urn_json_parse_data(bom, strlen(bom), "bom.json", &err);
  CHECK(p && urn_json_get(p, "N"), "a UTF-8 BOM before JSON is accepted");
  urn_json_free(p);
}

/* The values of packed data arrive where the element-by-element reading puts them: the generated quantities copy
 * them out (param_constrain order: column-major matrices, row-major arrays). */
static void test_packed_values(void) {
  urn_error err;
  const char *src = "data { array[2] matrix[2, 3] A; array[2, 2] int K; array[3] vector[0] e; vector[3] v; }\n"
                    "parameters { real x; }\n"
                    "transformed parameters { array[2] matrix[2, 3] B = A; array[2, 2] real L = K; vector[3] w = v; }\n"
                    "model { x ~ normal(0, 1); }";
  const char *data = "{\"A\": [[[1,2,3],[4,5,6]],[[7,8,9],[10,11,12]]], \"K\": [[1,2],[3,4]], \"e\": [[],[],[]],"
                     " \"v\": [0.5,-1,2.5]}";
  urn_model *m = model(src, data, &err);
  CHECK(m != NULL, "packed data model: %s", err.msg);
  if (!m) return;
  /* Stan CSV order: column-major over all dimensions (the first index fastest) */
  double want[] = {0.25, 1, 7, 4, 10, 2, 8, 5, 11, 3, 9, 6, 12, 1, 3, 2, 4, 0.5, -1, 2.5};
  double out[20], x = 0.25;
  CHECK(urn_model_num_params(m, 1, 0) == 20, "20 outputs (%zu)", urn_model_num_params(m, 1, 0));
  int rc = urn_model_param_constrain(m, 1, 0, &x, out, NULL, &err);
  int same = rc == URN_OK;
  for (int i = 0; i < 20 && same; i++) same = out[i] == want[i];
  CHECK(same, "packed values land column-major / row-major as Stan lays them out");
  CHECK(!strcmp(urn_model_param_name(m, 2), "B.2.1.1"), "names: %s", urn_model_param_name(m, 2));
  urn_model_free(m);
  /* sizes are checked against the data before anything is allocated: a declared size of 2e9 with three values
     given is refused at once */
  m = model("data { int N; vector[N] y; } parameters { real mu; } model { y ~ normal(mu, 1); }",
            "{\"N\": 2000000000, \"y\": [1, 2, 3]}", &err);
  CHECK(!m && strstr(err.msg, "t.json: variable 'y': dimension 1 has size 3, but the declaration needs 2000000000"),
        "a size far beyond the data: %s", err.msg);
  m = model("data { int N; vector[N] y; } parameters { real mu; } model { y ~ normal(mu, 1); }",
            "{\"N\": 200000000, \"y\": 5}", &err);
  CHECK(!m && strstr(err.msg, "expected an array with 1 dimension, found number"), "a scalar for a huge vector: %s",
        err.msg);
}

/* ---- zero sizes, integers ---- */

static void test_zero_and_int(void) {
  urn_error err;
  urn_model *m = model("data { int N; array[N] vector[0] e; array[2, 0] real r; array[3] matrix[0, 2] am; }\n"
                       "transformed data { array[3] vector[0] te = rep_array(rep_vector(0, 0), 3); }\n"
                       "parameters { real x; array[2] vector[0] pe; cholesky_factor_corr[0] L; simplex[1] s; }\n"
                       "transformed parameters { array[4] vector[0] tpe; }\n"
                       "model { x ~ normal(0, 1); }",
                       "{\"N\": 2, \"e\": [[], []], \"r\": [[], []], \"am\": [[], [], []]}", &err);
  CHECK(m != NULL, "zero-size containers everywhere: %s", err.msg);
  if (m) {
    CHECK(urn_model_num_unconstrained(m) == 1 && urn_model_num_params(m, 1, 0) == 2, "only x and s.1 are outputs");
    double x = 0.3, lp, g;
    CHECK(urn_model_log_density_gradient(m, 1, 1, &x, &lp, &g, &err) == URN_OK, "evaluates: %s", err.msg);
    urn_model_free(m);
  }
  /* a constraint check on an array of empty vectors names no element (it divided by 0) */
  m = model("data { int N; array[N] vector<lower=0>[0] e; } parameters { real x; } model { x ~ normal(0, 1); }",
            "{\"N\": 4, \"e\": [[], [], [], []]}", &err);
  CHECK(m != NULL, "bounded array of empty vectors: %s", err.msg);
  urn_model_free(m);
  static const struct { const char *expr, *msg; } bad[] = {
      {"2147483647 + 1", "integer overflow: add(2147483647, 1) = 2147483648"},
      {"-2147483647 - 2", "integer overflow: subtract(-2147483647, 2) = -2147483649"},
      {"65536 * 65536", "integer overflow: multiply(65536, 65536) = 4294967296"},
      {"-(-2147483647 - 1)", "integer overflow: minus(-2147483648) = 2147483648"},
      {"sum({2147483647, 1})", "integer overflow: sum gives 2147483648"},
      {"(-2147483647 - 1) %/% -1", "integer overflow: int_divide(-2147483648, -1) = 2147483648"},
      {"7 %/% 0", "integer division by zero"},
      {"7 % 0", "integer division by zero"},
      {"7 / 0", "integer division by zero"},
      {"abs(-2147483647 - 1)", "integer overflow: abs(-2147483648) = 2147483648"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char src[256];
    snprintf(src, sizeof src, "transformed data { int k = 1; k = %s; }\nparameters { real x; } model { x ~ normal(0, 1); }",
             bad[i].expr);
    m = model(src, NULL, &err);
    CHECK(!m && strstr(err.msg, bad[i].msg), "%s: %s", bad[i].expr, m ? "accepted" : err.msg);
    urn_model_free(m);
  }
  m = model("transformed data { int k = 2147483646 + 1; int j = -2147483647 - 1; int q = 7 %/% 2; int r = -7 % 3; }\n"
            "parameters { real x; } model { x ~ normal(0, 1); }", NULL, &err);
  CHECK(m != NULL, "ints at the edges of the range are fine: %s", err.msg);
  urn_model_free(m);
  /* in the model block an overflow rejects the point (as a domain error does) */
  m = model("data { int n; } parameters { real x; } model { int k = n * n; x ~ normal(0, 1); }", "{\"n\": 100000}", &err);
  double x = 0, lp;
  CHECK(m && urn_model_log_density(m, 1, 1, &x, &lp, &err) == URN_EREJECT && strstr(err.msg, "integer overflow"),
        "overflow in the model block rejects: %s", err.msg);
  urn_model_free(m);
}

/* ---- memory that cannot be had: URN_ENOMEM, never an abort (in a child with 512 MB of address space) ---- */

static void test_enomem(void) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  printf("(the sanitizers reserve terabytes of address space: the 512 MB limit test runs in the plain build only)\n");
  return;
#endif
  pid_t pid = fork();
  if (pid == 0) {
    struct rlimit rl = {(rlim_t)512 << 20, (rlim_t)512 << 20};
    setrlimit(RLIMIT_AS, &rl);
    urn_error err;
    int bad = 0;
    urn_model *m = model("parameters { real x; } model { array[400000000] real z; x ~ normal(0, 1); }", NULL, &err);
    double x = 0, lp, g;
    if (!m || urn_model_log_density_gradient(m, 1, 1, &x, &lp, &g, &err) != URN_ENOMEM ||
        !strstr(err.msg, "z: out of memory: its 400000000 values (3.2 GB) cannot be allocated"))
      bad |= 1;
    urn_model_free(m);
    m = model("transformed data { vector[300000000] v = rep_vector(0, 300000000); }\n"
              "parameters { real x; } model { x ~ normal(0, 1); }", NULL, &err);
    if (m || err.code != URN_ENOMEM) bad |= 2;
    urn_model_free(m);
    /* the tape: 20 million nodes (some 700 MB) cannot fit */
    m = model("parameters { real x; } model { real s = 0; for (i in 1:10000000) s += x * x; target += s; }", NULL, &err);
    if (!m || urn_model_log_density_gradient(m, 1, 1, &x, &lp, &g, &err) != URN_ENOMEM ||
        !strstr(err.msg, "out of memory: the gradient's tape"))
      bad |= 4;
    /* and the model still works after the failure */
    urn_model_free(m);
    _exit(bad);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "with 512 MB of address space: huge local, huge transformed data and a "
        "huge tape fail with URN_ENOMEM, no abort (status %d, exit %d)", st, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* ---- files that are not text ---- */

static void test_files(void) {
  urn_error err;
  size_t len;
  char *t = urn_read_file("/tmp", &len, &err);
  CHECK(!t && strstr(err.msg, "/tmp: is a folder, not a file"), "a folder: %s", err.msg);
  t = urn_read_file("/dev/zero", &len, &err);
  CHECK(!t && strstr(err.msg, "/dev/zero: not a text file (a NUL byte at offset 0)"), "/dev/zero: %s", err.msg);
  urn_model *m = urn_model_from_files("/tmp", NULL, 1, &err);
  CHECK(!m && strstr(err.msg, "is a folder"), "a folder as the program: %s", err.msg);
  const char *bom = "\xEF\xBB\xBFparameters { real x; }\nmodel { x ~ normal(0, 1)  }";
  m = model(bom, NULL, &err);
  CHECK(!m && strstr(err.msg, "t.stan:2:27: expected ';'"), "a BOM is skipped and columns still count from the line "
        "start: %s", err.msg);
  const char *bom_ok = "\xEF\xBB\xBFparameters { real x; }\nmodel { x ~ normal(0, 1); }";
  m = model(bom_ok, "\xEF\xBB\xBF{}", &err);
  CHECK(m != NULL, "a BOM before the program and the data: %s", err.msg);
  urn_model_free(m);
  /* outputs written in place, never renamed over: /dev/stdout is a link to /proc/self/fd/1, which here is the
     test log (a regular file) or a pipe; renaming over it replaced the /dev/stdout link */
  CHECK(urn_path_in_place("/dev/stdout") && urn_path_in_place("/proc/self/fd/1") && urn_path_in_place("/dev/null"),
        "/dev and /proc paths are written in place");
  char dir[] = "/tmp/urn-inplace-XXXXXX", path[64];
  CHECK(mkdtemp(dir) != NULL, "mkdtemp");
  snprintf(path, sizeof path, "%s/fifo", dir);
  CHECK(mkfifo(path, 0600) == 0 && urn_path_in_place(path), "a FIFO is written in place");
  unlink(path);
  snprintf(path, sizeof path, "%s/plain", dir);
  CHECK(urn_write_file(path, "x\n", 2, &err) == URN_OK && !urn_path_in_place(path) && !urn_path_in_place(dir),
        "a plain file or folder is not written in place");
  unlink(path), rmdir(dir);
}

int main(void) {
  test_memo_race();
  test_stop_flag();
  test_packed_data();
  test_packed_values();
  test_zero_and_int();
  test_enomem();
  test_files();
  return test_done();
}
