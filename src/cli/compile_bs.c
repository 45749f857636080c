/* cli/compile_bs.c — `urn compile MODEL.stan --bridgestan` (cli/compile_bs.h).
 * The generic library (build/urn_bridgestan.so, linked into this program as the
 * bytes urn_bs_lib_start .. urn_bs_lib_end by the Makefile) is written out with
 * the program text, its path and the footer of bridgestan/bs_trailer.h after it.
 * No compiler runs: a model library takes a few milliseconds. */
#include "cli/compile_bs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bridgestan/bs_trailer.h"
#include "cli/compile_exe.h"
#include "util/util.h"

extern const unsigned char urn_bs_lib_start[]; /* the generic library's first byte (bs_blob.o) */
extern const unsigned char urn_bs_lib_end[];   /* one past its last byte */

char *compile_bridgestan_default_name(const char *stan_path) {
  size_t n = strlen(stan_path);
  const char *slash = strrchr(stan_path, '/');
  const char *dot = strrchr(stan_path, '.');
  if (dot && (!slash || dot > slash + 1)) n = (size_t)(dot - stan_path);
  char *out = urn_xmalloc(n + sizeof "_model.so");
  memcpy(out, stan_path, n);
  memcpy(out + n, "_model.so", sizeof "_model.so");
  return out;
}

static int write_all(FILE *f, const void *p, size_t n) { return fwrite(p, 1, n, f) == n ? 0 : -1; }

int compile_bridgestan(const char *stan_path, const char *out_path, const char *include_paths, urn_error *err) {
  size_t prog_len = 0;
  char *prog = NULL;
  int rc = compile_program_text(stan_path, include_paths, &prog, &prog_len, err);
  if (rc) return rc;
  char *def = out_path ? NULL : compile_bridgestan_default_name(stan_path);
  const char *out = out_path ? out_path : def;
  char *tmp = NULL;
  FILE *f = compile_open_tmp(out, &tmp, err);
  if (!f) {
    rc = URN_EIO;
    goto done;
  }
  unsigned char foot[BS_TRAILER_SIZE];
  size_t path_len = strlen(stan_path);
  bs_trailer_encode(foot, prog_len, path_len);
  int bad = write_all(f, urn_bs_lib_start, (size_t)(urn_bs_lib_end - urn_bs_lib_start)) || write_all(f, prog, prog_len) ||
            write_all(f, stan_path, path_len) || write_all(f, foot, sizeof foot);
  bad |= fclose(f) != 0;
  if (bad || chmod(tmp, 0755) || rename(tmp, out)) {
    rc = urn_error_set(err, URN_EIO, "cannot write %s: %s", out, strerror(errno));
    unlink(tmp);
  }
done:
  free(tmp), free(def), free(prog);
  return rc;
}
