/* io/stancsv_write.c — the Stan CSV writer (see stancsv_write.h). */
#include "io/stancsv_write.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io/numfmt.h"
#include "util/util.h"

/* Remembers the first failure of a write (the file then keeps its .part name). */
static void note(urn_stancsv_writer *w, int ok) {
  if (!ok && !w->failed) w->failed = errno ? errno : EIO;
}

static double monotonic(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Writes the rows waiting in w->line (after anything stdio holds of the comments before them): one write(2) of
 * the whole batch, repeated only for a partial write or a signal. */
static void drain(urn_stancsv_writer *w) {
  if (!w->pending || !w->f) return;
  note(w, fflush(w->f) == 0);
  int fd = fileno(w->f);
  for (size_t off = 0; off < w->pending && !w->failed;) {
    ssize_t k = write(fd, w->line + off, w->pending - off);
    if (k > 0) off += (size_t)k;
    else if (k < 0 && errno == EINTR) continue;
    else note(w, 0);
  }
  w->pending = 0;
  w->last_write = monotonic();
}

/* ---- the deadline flush ----
 * A row that waits (made < 2 ms after the last write) would otherwise wait for the next row, however long the
 * next iteration takes.  The flusher thread sleeps until a row waits, then until 2 ms after the last write, and
 * writes what still waits.  It and the owner's operations hold mu; the owner starts it (stw_start) and stops it
 * (stw_stop, before closing), so w->fl changes only in the owner's thread. */
struct stw_flusher {
  pthread_mutex_t mu;  /* held by every operation on the writer while the thread runs */
  pthread_cond_t cv;   /* a row began to wait, or stop (CLOCK_MONOTONIC timed waits) */
  pthread_t thread;    /* the flusher */
  int stop;            /* the writer is closing: the thread returns */
  urn_stancsv_writer *w; /* its writer */
};

static void stw_lock(urn_stancsv_writer *w) {
  if (w->fl) pthread_mutex_lock(&w->fl->mu);
}

static void stw_unlock(urn_stancsv_writer *w) {
  if (w->fl) pthread_mutex_unlock(&w->fl->mu);
}

static void *stw_main(void *arg) {
  struct stw_flusher *fl = arg;
  urn_stancsv_writer *w = fl->w;
  pthread_mutex_lock(&fl->mu);
  while (!fl->stop) {
    if (!w->pending) {
      pthread_cond_wait(&fl->cv, &fl->mu);
      continue;
    }
    double due = w->last_write + URN_STANCSV_FLUSH_SECONDS;
    if (monotonic() >= due) {
      drain(w);
      continue;
    }
    struct timespec ts;
    ts.tv_sec = (time_t)due;
    ts.tv_nsec = (long)((due - (double)ts.tv_sec) * 1e9);
    if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
    pthread_cond_timedwait(&fl->cv, &fl->mu, &ts);
  }
  pthread_mutex_unlock(&fl->mu);
  return NULL;
}

/* Starts w's flusher (the owner's thread, no lock held yet); without one (no thread to be had) rows wait for the
 * next row as before. */
static void stw_start(urn_stancsv_writer *w) {
  struct stw_flusher *fl = urn_xcalloc(1, sizeof *fl);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&fl->cv, &ca);
  pthread_condattr_destroy(&ca);
  pthread_mutex_init(&fl->mu, NULL);
  fl->w = w;
  if (pthread_create(&fl->thread, NULL, stw_main, fl) != 0) {
    pthread_cond_destroy(&fl->cv), pthread_mutex_destroy(&fl->mu), free(fl);
    return;
  }
  w->fl = fl;
}

/* Stops and frees w's flusher (before close or discard; the owner's thread, lock not held). */
static void stw_stop(urn_stancsv_writer *w) {
  struct stw_flusher *fl = w->fl;
  if (!fl) return;
  pthread_mutex_lock(&fl->mu);
  fl->stop = 1;
  pthread_cond_signal(&fl->cv);
  pthread_mutex_unlock(&fl->mu);
  pthread_join(fl->thread, NULL);
  w->fl = NULL;
  pthread_cond_destroy(&fl->cv), pthread_mutex_destroy(&fl->mu), free(fl);
}

/* An existing PATH.part: in use when another process (a running run) holds its lock. */
static int part_in_use(const char *tmp) {
  int fd = open(tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return 0; /* a link or something unreadable: not a live run's file */
  int busy = flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  close(fd);
  return busy;
}

int urn_stancsv_is_device(const char *path) { return urn_path_in_place(path); }

/* Opens a device or FIFO PATH for writing as it is (see urn_stancsv_is_device). */
static int open_direct(urn_stancsv_writer *w, const char *path, urn_error *err) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  w->f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (!w->f) {
    int e = errno;
    if (fd >= 0) close(fd);
    return urn_error_set(err, URN_EIO, "%s: cannot open for writing: %s", path, strerror(e));
  }
  w->direct = 1;
  return URN_OK;
}

int urn_stancsv_open(urn_stancsv_writer *w, const char *path, int sig_figs, int overwrite, urn_error *err) {
  memset(w, 0, sizeof *w);
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
    return urn_error_set(err, URN_EIO, "%s is a folder; give a file name to write the CSV to", path);
  if (urn_stancsv_is_device(path)) {
    int rc = open_direct(w, path, err);
    if (rc != URN_OK) return rc;
    w->path = urn_xstrdup(path);
    w->sig_figs = sig_figs > 0 ? sig_figs : 6;
    w->line_cap = 4096;
    w->line = urn_xmalloc(w->line_cap);
    return URN_OK;
  }
  size_t n = strlen(path) + 6;
  char *tmp = urn_xmalloc(n);
  snprintf(tmp, n, "%s.part", path);
  /* O_EXCL|O_NOFOLLOW: an existing file or link is never followed or reused */
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  int busy = 0;
  if (fd < 0 && errno == EEXIST) {
    busy = part_in_use(tmp);
    if (!busy && overwrite && unlink(tmp) == 0) /* a stale .part (or a link: unlink removes the link) */
      fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    else
      errno = EEXIST;
  }
  /* the lock says "being written" to any other run that meets this file (it goes when the file is closed, or
     when the process ends, however it ends) */
  if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0) {
    close(fd);
    fd = -1, busy = 1, errno = EEXIST;
  }
  if (fd < 0) {
    int e = errno;
    int rc = busy ? urn_error_set(err, URN_EIO, "%s is being written by another run, now; wait for it to finish, or "
                                                "write elsewhere (--output-dir)", tmp)
             : e == EEXIST
                 ? urn_error_set(err, URN_EIO, "%s exists (the incomplete draws of an earlier run that was stopped or "
                                               "killed); move it away, or use --overwrite to replace it", tmp)
                 : urn_error_set(err, URN_EIO, "%s: cannot create: %s", path, strerror(e));
    free(tmp);
    return rc;
  }
  w->f = fdopen(fd, "w");
  if (!w->f) {
    int e = errno;
    close(fd), unlink(tmp), free(tmp);
    return urn_error_set(err, URN_EIO, "%s: cannot create: %s", path, strerror(e));
  }
  w->path = urn_xstrdup(path);
  w->tmp_path = tmp;
  w->overwrite = overwrite;
  w->sig_figs = sig_figs > 0 ? sig_figs : 6;
  w->line_cap = 4096;
  w->line = urn_xmalloc(w->line_cap);
  return URN_OK;
}

int urn_stancsv_part_in_use(const char *part_path) { return part_in_use(part_path); }

void urn_stancsv_comment(urn_stancsv_writer *w, const char *fmt, ...) {
  stw_lock(w);
  drain(w);
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  const char *s = buf;
  for (;;) {
    const char *nl = strchr(s, '\n');
    size_t len = nl ? (size_t)(nl - s) : strlen(s);
    note(w, fprintf(w->f, "#%s%.*s\n", len ? " " : "", (int)len, s) >= 0);
    if (!nl) break;
    s = nl + 1;
  }
  stw_unlock(w);
}

int urn_stancsv_header(urn_stancsv_writer *w, const char *const *names, size_t n, urn_error *err) {
  stw_lock(w);
  drain(w);
  for (size_t i = 0; i < n; i++) {
    if (i) note(w, fputc(',', w->f) != EOF);
    note(w, fputs(names[i], w->f) != EOF);
  }
  note(w, fputc('\n', w->f) != EOF);
  w->ncols = n;
  note(w, fflush(w->f) == 0);
  int failed = w->failed;
  stw_unlock(w);
  if (failed)
    return urn_error_set(err, URN_EIO, "%s: write failed: %s", w->direct ? w->path : w->tmp_path, strerror(failed));
  return URN_OK;
}

size_t urn_stancsv_format(char *out, size_t cap, double x, int sig) {
  int n;
  if (isnan(x)) n = snprintf(out, cap, "nan");
  else if (isinf(x)) n = snprintf(out, cap, x > 0 ? "inf" : "-inf");
  else if (cap >= URN_FMT_G_MAX) return urn_fmt_g(out, x == 0 ? 0.0 : x, sig); /* no "-0" */
  else n = snprintf(out, cap, "%.*g", sig, x == 0 ? 0.0 : x);
  return n < 0 ? 0 : (size_t)n >= cap ? cap - 1 : (size_t)n;
}

int urn_stancsv_row(urn_stancsv_writer *w, const double *values, size_t n, urn_error *err) {
  stw_lock(w);
  size_t len = w->pending; /* the row goes after the rows still waiting */
  int waited = len > 0;
  for (size_t i = 0; i < n; i++) {
    if (len + URN_FMT_G_MAX + 8 > w->line_cap) w->line = urn_xrealloc(w->line, w->line_cap *= 2);
    if (i) w->line[len++] = ',';
    len += urn_stancsv_format(w->line + len, w->line_cap - len, values[i], w->sig_figs);
  }
  if (len + 1 > w->line_cap) w->line = urn_xrealloc(w->line, w->line_cap *= 2);
  w->line[len++] = '\n';
  w->pending = len;
  if (len >= URN_STANCSV_BATCH_BYTES || monotonic() - w->last_write >= URN_STANCSV_FLUSH_SECONDS) drain(w);
  if (w->pending && !waited && w->fl) pthread_cond_signal(&w->fl->cv); /* a row began to wait */
  int failed = w->failed, start = w->pending && !w->fl;
  stw_unlock(w);
  if (start) stw_start(w);
  if (failed)
    return urn_error_set(err, URN_EIO, "%s: write failed: %s", w->direct ? w->path : w->tmp_path, strerror(failed));
  return URN_OK;
}

void urn_stancsv_adaptation(urn_stancsv_writer *w, double stepsize, const double *inv_metric, size_t dim,
                            int kind) {
  stw_lock(w);
  drain(w);
  char num[64];
  fprintf(w->f, "# Adaptation terminated\n");
  urn_stancsv_format(num, sizeof num, stepsize, w->sig_figs);
  fprintf(w->f, "# Step size = %s\n", num);
  if (kind == URN_STANCSV_UNIT) {
    fprintf(w->f, "# No free parameters for unit metric\n");
  } else if (kind == URN_STANCSV_DENSE) {
    fprintf(w->f, "# Elements of inverse mass matrix:\n");
    for (size_t i = 0; i < dim; i++) {
      fputc('#', w->f);
      for (size_t j = 0; j < dim; j++) {
        urn_stancsv_format(num, sizeof num, inv_metric[i + j * dim], w->sig_figs);
        fprintf(w->f, "%s%s", j ? ", " : " ", num);
      }
      fputc('\n', w->f);
    }
  } else {
    fprintf(w->f, "# Diagonal elements of inverse mass matrix:\n#");
    for (size_t i = 0; i < dim; i++) {
      urn_stancsv_format(num, sizeof num, inv_metric[i], w->sig_figs);
      fprintf(w->f, "%s%s", i ? ", " : " ", num);
    }
    fputc('\n', w->f);
  }
  note(w, fflush(w->f) == 0 && !ferror(w->f));
  stw_unlock(w);
}

void urn_stancsv_timing(urn_stancsv_writer *w, double warmup_seconds, double sampling_seconds) {
  stw_lock(w);
  drain(w);
  /* as CmdStan: whole milliseconds, printed as seconds with up to 6 significant digits */
  double wu = floor(warmup_seconds * 1000) / 1000, sa = floor(sampling_seconds * 1000) / 1000;
  fprintf(w->f, "# \n#  Elapsed Time: %g seconds (Warm-up)\n", wu);
  fprintf(w->f, "#                %g seconds (Sampling)\n", sa);
  fprintf(w->f, "#                %g seconds (Total)\n# \n", wu + sa);
  note(w, fflush(w->f) == 0 && !ferror(w->f));
  stw_unlock(w);
}

static void writer_release(urn_stancsv_writer *w) {
  free(w->path), free(w->tmp_path), free(w->line);
  w->path = w->tmp_path = w->line = NULL;
  w->f = NULL;
}

/* Renames from to to; without replace, never over an existing to. */
static int rename_to(const char *from, const char *to, int replace) {
  if (replace) return rename(from, to);
#ifdef RENAME_NOREPLACE
  if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return -1; /* a filesystem without the flag: link + unlink */
#endif
  if (link(from, to) != 0) return -1;
  return unlink(from);
}

int urn_stancsv_close(urn_stancsv_writer *w, urn_error *err) {
  if (!w->f) return URN_OK;
  stw_stop(w);
  drain(w);
  note(w, fflush(w->f) == 0 && !ferror(w->f));
  if (!w->failed && fsync(fileno(w->f)) != 0 && errno != EINVAL && errno != EROFS) note(w, 0);
  note(w, fclose(w->f) == 0);
  w->f = NULL;
  int rc = URN_OK;
  if (w->failed && w->direct)
    rc = urn_error_set(err, URN_EIO, "%s: write failed: %s", w->path, strerror(w->failed));
  else if (w->failed)
    rc = urn_error_set(err, URN_EIO, "%s: write failed: %s; what was written is kept in %s", w->path,
                       strerror(w->failed), w->tmp_path);
  else if (!w->direct && rename_to(w->tmp_path, w->path, w->overwrite) != 0)
    rc = urn_error_set(err, URN_EIO, "%s: cannot rename to %s: %s (the draws are kept in %s)", w->tmp_path, w->path,
                       strerror(errno), w->tmp_path);
  writer_release(w);
  return rc;
}

void urn_stancsv_discard(urn_stancsv_writer *w) {
  if (!w->f) return;
  stw_stop(w);
  fclose(w->f);
  if (!w->direct) unlink(w->tmp_path);
  writer_release(w);
}
