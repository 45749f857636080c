/* run/run_output.c — where a run's output goes: the chains' Stan CSV files
 * and diagnostic files (every file a run creates is created in
 * rn_open_outputs, through the Stan CSV writer of io/stancsv_write.c: written
 * as PATH.part (O_EXCL|O_NOFOLLOW), rows written as made (batched over at most 2 ms), every write checked,
 * locked while written, so that a second run never writes the same file),
 * renamed to PATH when complete), the rows kept in memory, and the row
 * callback. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run/run_internal.h"
#include "util/util.h"

/* Writes one configuration line as a CSV comment. */
static void put_comment(void *ctx, const char *line) { urn_stancsv_comment(ctx, "%s", line); }

static int open_one(urn_run *r, int c, const char *path, urn_stancsv_writer *w, int *is_open, urn_error *err) {
  struct stat st; /* a folder is refused as such by urn_stancsv_open */
  if (!r->cfg.overwrite && lstat(path, &st) == 0 && !S_ISDIR(st.st_mode) && !urn_stancsv_is_device(path))
    return urn_error_set(err, URN_EIO, "%s exists (from an earlier run); use --overwrite to replace it, or %s to "
                                       "write elsewhere", path,
                         r->cfg.method == URN_RUN_SAMPLE ? "--output-dir" : "--output");
  int rc = urn_stancsv_open(w, path, r->cfg.sig_figs, r->cfg.overwrite, err);
  if (rc != URN_OK) return rc;
  *is_open = 1;
  rn_write_config(r, c, put_comment, w);
  return URN_OK;
}

/* The diagnostic file's header: sampler columns, the unconstrained
 * parameters, their momenta p_ and gradients g_ (CmdStan's diagnostic_file). */
static int diag_header(urn_run *r, int c, urn_error *err) {
  size_t n = r->n_method + 3 * r->dim;
  const char **names = urn_xcalloc(n + 1, sizeof *names);
  char **owned = urn_xcalloc(2 * r->dim + 1, sizeof *owned);
  for (size_t j = 0; j < r->n_method; j++) names[j] = r->names[j];
  for (size_t i = 0; i < r->dim; i++) {
    const char *u = urn_model_param_unc_name(r->m, i);
    size_t len = strlen(u) + 3;
    names[r->n_method + i] = u;
    owned[i] = urn_xmalloc(len), snprintf(owned[i], len, "p_%s", u);
    owned[r->dim + i] = urn_xmalloc(len), snprintf(owned[r->dim + i], len, "g_%s", u);
    names[r->n_method + r->dim + i] = owned[i];
    names[r->n_method + 2 * r->dim + i] = owned[r->dim + i];
  }
  int rc = urn_stancsv_header(&r->ch[c].diag, names, n, err);
  for (size_t i = 0; i < 2 * r->dim; i++) free(owned[i]);
  free(owned), free(names);
  r->ch[c].diag_row = urn_xcalloc(n + 1, sizeof(double));
  return rc;
}

int rn_open_outputs(urn_run *r, urn_error *err) {
  int rc = URN_OK;
  for (int c = 0; c < r->n_chains && rc == URN_OK; c++) {
    rn_chain *ch = &r->ch[c];
    if (ch->csv_path) {
      rc = open_one(r, c, ch->csv_path, &ch->csv, &ch->csv_open, err);
      if (rc == URN_OK) rc = urn_stancsv_header(&ch->csv, (const char *const *)r->names, r->n_cols, err);
    }
    if (rc == URN_OK && ch->diag_path && r->cfg.method == URN_RUN_SAMPLE) {
      rc = open_one(r, c, ch->diag_path, &ch->diag, &ch->diag_open, err);
      if (rc == URN_OK) rc = diag_header(r, c, err);
    }
  }
  if (rc != URN_OK) rn_close_outputs(r, NULL, NULL);
  return rc;
}

int rn_emit_row(urn_run *r, int c, int warmup, const double *row, urn_error *err) {
  rn_chain *ch = &r->ch[c];
  if (ch->csv_open) {
    int rc = urn_stancsv_row(&ch->csv, row, r->n_cols, err);
    if (rc != URN_OK) return rc;
  }
  if (r->cfg.keep_draws) {
    if (ch->n_rows == ch->cap_rows) {
      size_t cap = ch->cap_rows ? 2 * ch->cap_rows : 64, bytes;
      if (urn_mul_overflow(cap, r->n_cols * sizeof(double), &bytes))
        return urn_error_set(err, URN_ENOMEM, "too many draws to hold in memory");
      ch->rows = urn_xrealloc(ch->rows, bytes ? bytes : 1);
      ch->cap_rows = cap;
    }
    memcpy(ch->rows + ch->n_rows * r->n_cols, row, r->n_cols * sizeof *row);
    ch->n_rows++;
    if (warmup) ch->n_warmup_rows++;
  }
  if (r->cb.row) {
    pthread_mutex_lock(&r->cb_lock);
    int rc = r->cb.row(r->cb.ctx, c, warmup, row, r->n_cols);
    pthread_mutex_unlock(&r->cb_lock);
    if (rc != 0) return urn_error_set(err, URN_EFATAL, "chain %d: stopped by the row callback (status %d)", c + 1, rc);
  }
  return URN_OK;
}

int rn_emit_diagnostic(urn_run *r, int c, const double *row, size_t n, urn_error *err) {
  rn_chain *ch = &r->ch[c];
  return ch->diag_open ? urn_stancsv_row(&ch->diag, row, n, err) : URN_OK;
}

void rn_emit_adaptation(urn_run *r, int c, double stepsize, const double *inv_metric, size_t n, urn_metric_kind metric) {
  int dense = metric == URN_METRIC_DENSE;
  int kind = dense ? URN_STANCSV_DENSE : metric == URN_METRIC_UNIT ? URN_STANCSV_UNIT : URN_STANCSV_DIAG;
  rn_chain *ch = &r->ch[c];
  ch->stepsize = stepsize;
  free(ch->adapted);
  ch->adapted = urn_xmalloc((n ? n : 1) * sizeof(double));
  if (n) memcpy(ch->adapted, inv_metric, n * sizeof(double));
  ch->n_adapted = n;
  size_t dim = dense ? r->dim : n;
  if (ch->csv_open) urn_stancsv_adaptation(&ch->csv, stepsize, inv_metric, dim, kind);
  if (ch->diag_open) urn_stancsv_adaptation(&ch->diag, stepsize, inv_metric, dim, kind);
}

void rn_emit_comment(urn_run *r, int c, const char *text) {
  if (r->ch[c].csv_open) urn_stancsv_comment(&r->ch[c].csv, "%s", text);
}

void rn_emit_timing(urn_run *r, int c, double warmup_seconds, double sampling_seconds) {
  rn_chain *ch = &r->ch[c];
  if (ch->csv_open) urn_stancsv_timing(&ch->csv, warmup_seconds, sampling_seconds);
  if (ch->diag_open) urn_stancsv_timing(&ch->diag, warmup_seconds, sampling_seconds);
}

int rn_close_outputs(urn_run *r, const int *keep, urn_error *err) {
  int status = URN_OK;
  for (int c = 0; c < r->n_chains; c++) {
    rn_chain *ch = &r->ch[c];
    urn_stancsv_writer *w[2] = {&ch->csv, &ch->diag};
    int *open[2] = {&ch->csv_open, &ch->diag_open};
    for (int k = 0; k < 2; k++) {
      if (!*open[k]) continue;
      *open[k] = 0;
      if (keep && keep[c]) {
        urn_error e;
        if (urn_stancsv_close(w[k], &e) != URN_OK && status == URN_OK) {
          status = e.code;
          if (err) *err = e;
        }
      } else {
        urn_stancsv_discard(w[k]);
      }
    }
  }
  return status;
}

/* ---- Pathfinder's save_single_paths files ---- */

char *rn_single_path_name(const urn_run *r, int p, const char *ext) {
  const char *csv = r->ch[0].csv_path;
  int one = r->cfg.num_paths == 1;
  if (!csv || (one && !strcmp(ext, "csv"))) return NULL;
  const char *slash = strrchr(csv, '/'), *dot = strrchr(csv, '.');
  size_t stem = dot && (!slash || dot > slash) ? (size_t)(dot - csv) : strlen(csv);
  size_t len = stem + strlen(ext) + 32;
  char *name = urn_xmalloc(len);
  if (one) snprintf(name, len, "%.*s.%s", (int)stem, csv, ext);
  else snprintf(name, len, "%.*s_path_%d.%s", (int)stem, csv, r->cfg.id + p, ext);
  return name;
}

static int refuse_existing(const urn_run *r, const char *path, urn_error *err) {
  struct stat st;
  if (r->cfg.overwrite || lstat(path, &st) != 0 || S_ISDIR(st.st_mode)) return URN_OK;
  return urn_error_set(err, URN_EIO, "%s exists (from an earlier run); use --overwrite to replace it, or --output "
                       "to write elsewhere", path);
}

int rn_open_path_files(urn_run *r, int p, rn_path_files *f, urn_error *err) {
  memset(f, 0, sizeof *f);
  char *csv = rn_single_path_name(r, p, "csv");
  int rc = csv ? refuse_existing(r, csv, err) : URN_OK;
  if (rc == URN_OK && csv) rc = open_one(r, 0, csv, &f->csv, &f->csv_open, err);
  if (rc == URN_OK && csv) rc = urn_stancsv_header(&f->csv, (const char *const *)r->names, r->n_cols, err);
  free(csv);
  f->json_path = rc == URN_OK ? rn_single_path_name(r, p, "json") : NULL;
  if (f->json_path) {
    rc = refuse_existing(r, f->json_path, err);
    size_t len = strlen(f->json_path) + 6;
    f->json_tmp = urn_xmalloc(len);
    snprintf(f->json_tmp, len, "%s.part", f->json_path);
    if (rc == URN_OK && !(f->json = fopen(f->json_tmp, "w")))
      rc = urn_error_set(err, URN_EIO, "cannot write %s: %s", f->json_tmp, strerror(errno));
  }
  if (rc != URN_OK) rn_close_path_files(f, 0, NULL);
  return rc;
}

int rn_close_path_files(rn_path_files *f, int keep, urn_error *err) {
  int status = URN_OK;
  if (f->csv_open) {
    f->csv_open = 0;
    urn_error e;
    if (!keep) {
      urn_stancsv_discard(&f->csv);
    } else if (urn_stancsv_close(&f->csv, &e) != URN_OK) {
      status = e.code;
      if (err) *err = e;
    }
  }
  if (f->json) {
    int bad = ferror(f->json) || f->json_failed;
    if (fclose(f->json) != 0) bad = 1;
    f->json = NULL;
    if (keep && !bad && rename(f->json_tmp, f->json_path) != 0) bad = 1;
    if (keep && bad && status == URN_OK)
      status = urn_error_set(err, URN_EIO, "writing %s failed: %s", f->json_tmp, strerror(errno ? errno : EIO));
    if (!keep) remove(f->json_tmp);
  }
  free(f->json_path), free(f->json_tmp);
  f->json_path = f->json_tmp = NULL;
  return status;
}
