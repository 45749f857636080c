/* bridgestan/bridgestan.c — BridgeStan's C ABI (version 2.7.0, the 22 bs_*
 * symbols of BridgeStan's src/bridgestan.h) on top of urn's model API, so
 * that BridgeStan's own clients (`bridgestan.StanModel(lib, data)` in Python,
 * Julia, R, Rust) load a urn model library unchanged.
 *
 * One generic library, build/urn_bridgestan.so, is linked from these files and
 * liburn's objects; a version script exports only the bs_* symbols, so the
 * copy of urn inside it never clashes with a liburn.so (or another model
 * library) loaded in the same process.  `urn compile model.stan --bridgestan`
 * copies it to model_model.so and appends the Stan program
 * (bridgestan/bs_trailer.h); bs_model_construct finds its own file with
 * dladdr, reads the program back from the end and builds the model: no C
 * compiler runs, ever.
 *
 * Semantics (those BridgeStan's clients rely on): every function returns 0 on
 * success and -1 on failure with *error_msg set to a heap string that
 * bs_free_error_msg frees; every error_msg may be NULL; a bs_model is
 * immutable and serves many threads at once; a bs_rng belongs to one thread.
 * Names are Stan CSV style ("theta.1", "Sigma.2.3"), 1-based, column-major.
 * Hessians and Hessian-vector products are sixth-order finite differences of
 * the reverse-mode gradient (model/hessian.c).
 *
 * The print callback is process-wide, as the ABI defines it
 * (bs_set_print_callback takes no model): the one piece of mutable global
 * state here, an atomic pointer, read by the stream every model prints to. */
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bridgestan/bs_trailer.h"
#include "math/rng.h"
#include "urn/model.h"
#include "util/util.h"

#define BS_PUBLIC __attribute__((visibility("default")))

typedef struct bs_model bs_model;
typedef struct bs_rng bs_rng;
typedef void (*bs_print_fn)(const char *data, size_t size);

/* A constructed model. */
struct bs_model {
  urn_model *model;  /* the model itself (thread-safe) */
  char *name;        /* "<stem>_model", as stanc names the C++ class */
  char *info;        /* bs_model_info's text */
  char *names[4];    /* comma-joined output names; index include_tp + 2 * include_gq */
  char *unc_names;   /* comma-joined unconstrained names */
  int n_unc;         /* unconstrained dimension */
  int n_params[4];   /* output sizes, indexed as names */
};

/* A generator for generated quantities. */
struct bs_rng {
  urn_rng rng; /* urn's xoshiro256++ stream 0 of the seed */
};

BS_PUBLIC extern const int bs_major_version;
BS_PUBLIC extern const int bs_minor_version;
BS_PUBLIC extern const int bs_patch_version;
const int bs_major_version = 2;
const int bs_minor_version = 7;
const int bs_patch_version = 0;

/* ------------------------------------------------------------------ errors */

/* Sets *error_msg (when error_msg is not NULL) to a heap copy of the message. */
static int fail(char **error_msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(char **error_msg, const char *fmt, ...) {
  if (!error_msg) return -1;
  va_list ap;
  va_start(ap, fmt);
  char *s = NULL;
  if (vasprintf(&s, fmt, ap) < 0) s = NULL;
  va_end(ap);
  *error_msg = s;
  return -1;
}

BS_PUBLIC void bs_free_error_msg(char *error_msg) { free(error_msg); }

/* ------------------------------------------------------------------ prints */

static _Atomic(bs_print_fn) print_callback;               /* NULL: print to stdout */
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER; /* serializes the callback */
static pthread_once_t print_once = PTHREAD_ONCE_INIT;     /* creates print_stream */
static FILE *print_stream;                                /* what every model prints to */

static ssize_t print_write(void *cookie, const char *buf, size_t size) {
  (void)cookie;
  bs_print_fn fn = atomic_load(&print_callback);
  if (fn) {
    pthread_mutex_lock(&print_lock);
    fn(buf, size);
    pthread_mutex_unlock(&print_lock);
  } else {
    fwrite(buf, 1, size, stdout);
    fflush(stdout);
  }
  return (ssize_t)size;
}

static void print_stream_open(void) {
  cookie_io_functions_t io = {NULL, print_write, NULL, NULL};
  print_stream = fopencookie(NULL, "w", io);
  if (print_stream) setvbuf(print_stream, NULL, _IOLBF, 4096); /* one callback per printed line */
}

BS_PUBLIC int bs_set_print_callback(bs_print_fn callback, char **error_msg) {
  (void)error_msg;
  atomic_store(&print_callback, callback);
  return 0;
}

/* -------------------------------------------------------- the own program */

static void bs_anchor(void) {}

/* Reads the Stan program and its path from the end of this library's file. */
static int read_program(char **prog, size_t *prog_len, char **path, char **error_msg) {
  Dl_info info;
  if (!dladdr((void *)&bs_anchor, &info) || !info.dli_fname)
    return fail(error_msg, "urn BridgeStan library: cannot find the library's own file (dladdr failed)");
  const char *file = info.dli_fname;
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(error_msg, "urn BridgeStan library: cannot open its own file %s", file);
  struct stat st;
  unsigned char foot[BS_TRAILER_SIZE];
  uint64_t plen = 0, nlen = 0;
  int ok = fstat(fd, &st) == 0 && st.st_size >= BS_TRAILER_SIZE &&
           pread(fd, foot, BS_TRAILER_SIZE, st.st_size - BS_TRAILER_SIZE) == BS_TRAILER_SIZE &&
           bs_trailer_decode(foot, &plen, &nlen) == 0 && plen + nlen + BS_TRAILER_SIZE <= (uint64_t)st.st_size &&
           nlen < 65536;
  if (!ok) {
    close(fd);
    return fail(error_msg,
                "%s is urn's generic BridgeStan library and holds no Stan program: make a model library with "
                "`urn compile MODEL.stan --bridgestan` and load that",
                file);
  }
  off_t at = st.st_size - BS_TRAILER_SIZE - (off_t)(plen + nlen);
  *prog = malloc(plen + 1), *path = malloc(nlen + 1);
  if (!*prog || !*path || pread(fd, *prog, plen, at) != (ssize_t)plen || pread(fd, *path, nlen, at + (off_t)plen) != (ssize_t)nlen) {
    close(fd);
    free(*prog), free(*path);
    *prog = *path = NULL;
    return fail(error_msg, "urn BridgeStan library: cannot read the Stan program stored in %s", file);
  }
  close(fd);
  (*prog)[plen] = 0, (*path)[nlen] = 0;
  *prog_len = plen;
  return 0;
}

/* ------------------------------------------------------------ construction */

/* "a,b,c" of the names get(m, first..first+n). */
static char *join_names(const urn_model *m, const char *(*get)(const urn_model *, size_t), size_t first, size_t n) {
  urn_buf b;
  urn_buf_init(&b);
  urn_buf_puts(&b, "");
  for (size_t i = 0; i < n; i++) {
    if (i) urn_buf_putc(&b, ',');
    urn_buf_puts(&b, get(m, first + i));
  }
  return b.data;
}

/* Output names for include_tp/include_gq: parameters, [tp], [gq]. */
static char *output_names(const urn_model *m, int tp, int gq) {
  size_t np = urn_model_num_params(m, 0, 0), ntp = urn_model_num_params(m, 1, 0) - np;
  size_t ngq = urn_model_num_params(m, 0, 1) - np;
  urn_buf b;
  urn_buf_init(&b);
  urn_buf_puts(&b, "");
  size_t k = 0;
  for (size_t i = 0; i < np + ntp + ngq; i++) {
    if ((i >= np && i < np + ntp && !tp) || (i >= np + ntp && !gq)) continue;
    if (k++) urn_buf_putc(&b, ',');
    urn_buf_puts(&b, urn_model_param_name(m, i));
  }
  return b.data;
}

static void model_free(bs_model *bm) {
  if (!bm) return;
  urn_model_free(bm->model);
  free(bm->name), free(bm->info), free(bm->unc_names);
  for (int i = 0; i < 4; i++) free(bm->names[i]);
  free(bm);
}

/* The model name "<stem>_model" and the info text. */
static void describe(bs_model *bm, const char *path) {
  const char *stem = urn_model_name(bm->model);
  size_t n = strlen(stem);
  bm->name = urn_xmalloc(n + 7);
  memcpy(bm->name, stem, n), memcpy(bm->name + n, "_model", 7);
  urn_buf b;
  urn_buf_init(&b);
  urn_buf_printf(&b,
                 "BridgeStan version: %d.%d.%d (ABI), implemented by urn %s\n"
                 "Stan program: %s (Stan language 2.37, interpreted by urn: no C++ compilation)\n"
                 "Gradients: reverse-mode automatic differentiation\n"
                 "Hessians: sixth-order central finite differences of the gradient\n"
                 "Threads: thread-safe (STAN_THREADS=true)\n",
                 bs_major_version, bs_minor_version, bs_patch_version, urn_version(), path);
  bm->info = b.data;
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && !strcmp(s + n - k, suffix);
}

BS_PUBLIC bs_model *bs_model_construct(const char *data, unsigned int seed, char **error_msg) {
  char *prog = NULL, *path = NULL, *text = NULL;
  size_t prog_len = 0, text_len = 0;
  if (read_program(&prog, &prog_len, &path, error_msg)) return NULL;
  urn_error err;
  urn_error_clear(&err);
  const char *data_path = NULL;
  if (data && data[strspn(data, " \t\r\n")]) {
    if (ends_with(data, ".json")) {
      data_path = data;
      text = urn_read_file(data, &text_len, &err);
      if (!text) {
        fail(error_msg, "%s", err.msg);
        free(prog), free(path);
        return NULL;
      }
    } else {
      data_path = "data";
      text = urn_xstrdup(data), text_len = strlen(data);
    }
  }
  bs_model *bm = urn_xcalloc(1, sizeof *bm);
  bm->model = urn_model_new(path, prog, prog_len, data_path, text, text_len, seed, &err);
  free(text), free(prog);
  if (!bm->model) {
    fail(error_msg, "%s", err.msg);
    free(path), free(bm);
    return NULL;
  }
  pthread_once(&print_once, print_stream_open);
  urn_model_set_print(bm->model, print_stream ? print_stream : stdout);
  describe(bm, path);
  free(path);
  size_t n_unc = urn_model_num_unconstrained(bm->model);
  if (n_unc > INT_MAX || urn_model_num_params(bm->model, 1, 1) > INT_MAX) {
    fail(error_msg, "%s: the model has more values than BridgeStan's int sizes can count", bm->name);
    model_free(bm);
    return NULL;
  }
  bm->n_unc = (int)n_unc;
  bm->unc_names = join_names(bm->model, urn_model_param_unc_name, 0, n_unc);
  for (int k = 0; k < 4; k++) {
    bm->names[k] = output_names(bm->model, k & 1, k >> 1);
    bm->n_params[k] = (int)urn_model_num_params(bm->model, k & 1, k >> 1);
  }
  return bm;
}

BS_PUBLIC void bs_model_destruct(bs_model *m) { model_free(m); }

/* ------------------------------------------------------------- metadata */

BS_PUBLIC const char *bs_name(const bs_model *m) { return m ? m->name : ""; }
BS_PUBLIC const char *bs_model_info(const bs_model *m) { return m ? m->info : ""; }
BS_PUBLIC const char *bs_param_names(const bs_model *m, bool include_tp, bool include_gq) {
  return m ? m->names[(include_tp ? 1 : 0) + (include_gq ? 2 : 0)] : "";
}
BS_PUBLIC const char *bs_param_unc_names(const bs_model *m) { return m ? m->unc_names : ""; }
BS_PUBLIC int bs_param_num(const bs_model *m, bool include_tp, bool include_gq) {
  return m ? m->n_params[(include_tp ? 1 : 0) + (include_gq ? 2 : 0)] : 0;
}
BS_PUBLIC int bs_param_unc_num(const bs_model *m) { return m ? m->n_unc : 0; }

/* ------------------------------------------------------------ transforms */

/* Checks the model and the array arguments of method fn (NULL arrays are fine only when empty). */
#define CHECK_ARGS(fn, cond)                                                                         \
  do {                                                                                             \
    if (!m) return fail(error_msg, "%s: the model is NULL", fn);                                   \
    if (!(cond)) return fail(error_msg, "%s: a NULL array was passed for a model with parameters", fn); \
  } while (0)

/* Returns 0, or -1 with *error_msg set to err's message. */
static int status(int rc, const urn_error *err, char **error_msg) {
  return rc == URN_OK ? 0 : fail(error_msg, "%s", err->msg[0] ? err->msg : "unknown error");
}

BS_PUBLIC int bs_param_constrain(const bs_model *m, bool include_tp, bool include_gq, const double *theta_unc,
                                 double *theta, bs_rng *rng, char **error_msg) {
  CHECK_ARGS("bs_param_constrain", (theta_unc || !m->n_unc) && (theta || !bs_param_num(m, include_tp, include_gq)));
  if (include_gq && !rng)
    return fail(error_msg, "bs_param_constrain: generated quantities need a random number generator (bs_rng_construct)");
  urn_error err;
  urn_error_clear(&err);
  return status(urn_model_param_constrain(m->model, include_tp, include_gq, theta_unc, theta, rng ? &rng->rng : NULL, &err),
                &err, error_msg);
}

BS_PUBLIC int bs_param_unconstrain(const bs_model *m, const double *theta, double *theta_unc, char **error_msg) {
  CHECK_ARGS("bs_param_unconstrain", (theta && theta_unc) || !m->n_unc);
  urn_error err;
  urn_error_clear(&err);
  return status(urn_model_param_unconstrain(m->model, theta, theta_unc, &err), &err, error_msg);
}

BS_PUBLIC int bs_param_unconstrain_json(const bs_model *m, const char *json, double *theta_unc, char **error_msg) {
  CHECK_ARGS("bs_param_unconstrain_json", theta_unc || !m->n_unc);
  if (!json) return fail(error_msg, "bs_param_unconstrain_json: the JSON text is NULL");
  urn_error err;
  urn_error_clear(&err);
  return status(urn_model_param_unconstrain_json(m->model, json, strlen(json), "JSON", theta_unc, &err), &err, error_msg);
}

/* -------------------------------------------------------------- densities */

BS_PUBLIC int bs_log_density(const bs_model *m, bool propto, bool jacobian, const double *theta_unc, double *lp,
                             char **error_msg) {
  CHECK_ARGS("bs_log_density", (theta_unc || !m->n_unc) && lp);
  urn_error err;
  urn_error_clear(&err);
  return status(urn_model_log_density(m->model, propto, jacobian, theta_unc, lp, &err), &err, error_msg);
}

BS_PUBLIC int bs_log_density_gradient(const bs_model *m, bool propto, bool jacobian, const double *theta_unc,
                                      double *val, double *grad, char **error_msg) {
  CHECK_ARGS("bs_log_density_gradient", ((theta_unc && grad) || !m->n_unc) && val);
  urn_error err;
  urn_error_clear(&err);
  return status(urn_model_log_density_gradient(m->model, propto, jacobian, theta_unc, val, grad, &err), &err, error_msg);
}

BS_PUBLIC int bs_log_density_hessian(const bs_model *m, bool propto, bool jacobian, const double *theta_unc,
                                     double *val, double *grad, double *hessian, char **error_msg) {
  CHECK_ARGS("bs_log_density_hessian", ((theta_unc && grad && hessian) || !m->n_unc) && val);
  urn_error err;
  urn_error_clear(&err);
  return status(urn_model_log_density_hessian(m->model, propto, jacobian, theta_unc, val, grad, hessian, &err), &err,
                error_msg);
}

BS_PUBLIC int bs_log_density_hessian_vector_product(const bs_model *m, bool propto, bool jacobian,
                                                    const double *theta_unc, const double *vector, double *val,
                                                    double *hvp, char **error_msg) {
  CHECK_ARGS("bs_log_density_hessian_vector_product", ((theta_unc && vector && hvp) || !m->n_unc) && val);
  urn_error err;
  urn_error_clear(&err);
  return status(urn_model_log_density_hvp(m->model, propto, jacobian, theta_unc, vector, val, hvp, &err), &err,
                error_msg);
}

/* -------------------------------------------------------------------- RNG */

BS_PUBLIC bs_rng *bs_rng_construct(unsigned int seed, char **error_msg) {
  bs_rng *r = malloc(sizeof *r);
  if (!r) {
    fail(error_msg, "bs_rng_construct: out of memory");
    return NULL;
  }
  urn_rng_seed(&r->rng, seed, 0);
  return r;
}

BS_PUBLIC void bs_rng_destruct(bs_rng *rng) { free(rng); }
