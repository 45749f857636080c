/* cli/compile_exe.c — writing and finding the Stan program appended to a copy
 * of urn (cli/compile_exe.h). */
#include "cli/compile_exe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lang/ast.h"
#include "lang/check.h"
#include "lang/eval.h"
#include "lang/parser.h"
#include "util/util.h"

static void encode(unsigned char out[EXE_TRAILER_SIZE], uint64_t prog_len, uint64_t path_len) {
  memcpy(out, EXE_TRAILER_MAGIC, EXE_TRAILER_MAGIC_LEN);
  uint64_t v[3] = {prog_len, path_len, 0};
  for (int k = 0; k < 3; k++)
    for (int i = 0; i < 8; i++) out[EXE_TRAILER_MAGIC_LEN + 8 * k + i] = (unsigned char)(v[k] >> (8 * i));
}

static int decode(const unsigned char in[EXE_TRAILER_SIZE], uint64_t *prog_len, uint64_t *path_len) {
  if (memcmp(in, EXE_TRAILER_MAGIC, EXE_TRAILER_MAGIC_LEN)) return -1;
  uint64_t v[2] = {0, 0};
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < 8; i++) v[k] |= (uint64_t)in[EXE_TRAILER_MAGIC_LEN + 8 * k + i] << (8 * i);
  *prog_len = v[0], *path_len = v[1];
  return 0;
}

/* The running program's file and the length of its ELF image (without any trailer). */
static int open_self(off_t *image_len, uint64_t *prog_len, uint64_t *path_len) {
  int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat st;
  unsigned char foot[EXE_TRAILER_SIZE];
  *prog_len = *path_len = 0;
  *image_len = 0;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return -1;
  }
  *image_len = st.st_size;
  if (st.st_size > EXE_TRAILER_SIZE && pread(fd, foot, sizeof foot, st.st_size - EXE_TRAILER_SIZE) == sizeof foot &&
      decode(foot, prog_len, path_len) == 0 && *prog_len + *path_len + EXE_TRAILER_SIZE <= (uint64_t)st.st_size)
    *image_len = st.st_size - (off_t)(*prog_len + *path_len + EXE_TRAILER_SIZE);
  else
    *prog_len = *path_len = 0;
  return fd;
}

int exe_trailer_load(char **program, size_t *len, char **path) {
  off_t image;
  uint64_t plen, qlen;
  int fd = open_self(&image, &plen, &qlen);
  if (fd < 0) return 0;
  int found = plen + qlen > 0;
  if (found) {
    char *p = urn_xmalloc(plen + 1), *q = urn_xmalloc(qlen + 1);
    if (pread(fd, p, plen, image) != (ssize_t)plen || pread(fd, q, qlen, image + (off_t)plen) != (ssize_t)qlen) {
      free(p), free(q);
      found = 0;
    } else {
      p[plen] = q[qlen] = 0;
      *program = p, *len = plen, *path = q;
    }
  }
  close(fd);
  return found;
}

/* Parses (expanding #include), checks and lowers the program (errors name file:line:col); the text to embed,
 * with its included files, goes to *text (malloc'd, length *len). */
int compile_program_text(const char *stan_path, const char *include_paths, char **text, size_t *len,
                         urn_error *err) {
  *text = NULL, *len = 0;
  urn_program *ast = urn_parse_file_ex(stan_path, include_paths, err);
  if (!ast) return err->code ? err->code : URN_EINPUT;
  int rc = urn_check(ast, err);
  if (rc == URN_OK) {
    urn_prog *p = urn_lower(ast, err);
    if (p) urn_prog_free(p);
    else rc = URN_EINPUT;
  }
  if (rc == URN_OK) *text = urn_xstrndup(ast->src, ast->len), *len = ast->len;
  urn_program_free(ast);
  return rc == URN_OK ? URN_OK : URN_EINPUT;
}

/* Copies the first n bytes of fd into f. */
static int copy_image(int fd, off_t n, FILE *f) {
  char buf[1 << 16];
  off_t done = 0;
  while (done < n) {
    size_t want = (size_t)(n - done < (off_t)sizeof buf ? n - done : (off_t)sizeof buf);
    ssize_t got = pread(fd, buf, want, done);
    if (got <= 0 || fwrite(buf, 1, (size_t)got, f) != (size_t)got) return -1;
    done += got;
  }
  return 0;
}

FILE *compile_open_tmp(const char *out, char **tmp, urn_error *err) {
  size_t cap = strlen(out) + 32;
  *tmp = urn_xmalloc(cap);
  snprintf(*tmp, cap, "%s.tmp%ld", out, (long)getpid());
  struct stat st;
  if ((stat(out, &st) == 0 && !S_ISREG(st.st_mode)) || urn_path_in_place(out)) {
    urn_error_set(err, URN_EIO, "cannot write %s: %s", out,
                  stat(out, &st) == 0 && S_ISDIR(st.st_mode) ? "it is a folder"
                                                            : "not a regular file (an executable goes into a file)");
    return NULL;
  }
  int fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0755);
  FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
  if (!f) {
    urn_error_set(err, URN_EIO, "cannot write %s: %s", *tmp, strerror(errno));
    if (fd >= 0) close(fd), unlink(*tmp);
  }
  return f;
}

int compile_cmdstan_exe(const char *stan_path, const char *out_path, const char *include_paths, urn_error *err) {
  size_t n = strlen(stan_path);
  if (!out_path && (n <= 5 || strcmp(stan_path + n - 5, ".stan")))
    return urn_error_set(err, URN_EINPUT, "%s: the program's name must end in .stan (or give -o PATH)", stan_path);
  char *def = out_path ? NULL : urn_xstrndup(stan_path, n - 5);
  const char *out = out_path ? out_path : def;
  int rc = URN_OK;
  struct stat a, b;
  if (stat(stan_path, &a) == 0 && stat(out, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
    rc = urn_error_set(err, URN_EINPUT, "%s: the executable would overwrite the program", out);
  size_t prog_len = 0;
  char *prog = NULL;
  if (rc == URN_OK) rc = compile_program_text(stan_path, include_paths, &prog, &prog_len, err);
  off_t image;
  uint64_t plen, qlen;
  int fd = rc == URN_OK ? open_self(&image, &plen, &qlen) : -1;
  if (rc == URN_OK && fd < 0) rc = urn_error_set(err, URN_EIO, "cannot read /proc/self/exe: %s", strerror(errno));
  char *tmp = NULL;
  FILE *f = rc == URN_OK ? compile_open_tmp(out, &tmp, err) : NULL;
  if (rc == URN_OK && !f) rc = URN_EIO;
  if (rc == URN_OK) {
    unsigned char foot[EXE_TRAILER_SIZE];
    size_t path_len = strlen(stan_path);
    encode(foot, prog_len, path_len);
    int bad = copy_image(fd, image, f) || fwrite(prog, 1, prog_len, f) != prog_len ||
              fwrite(stan_path, 1, path_len, f) != path_len || fwrite(foot, 1, sizeof foot, f) != sizeof foot;
    bad |= fclose(f) != 0;
    if (bad || chmod(tmp, 0755) || rename(tmp, out)) {
      rc = urn_error_set(err, URN_EIO, "cannot write %s: %s", out, strerror(errno));
      unlink(tmp);
    }
  }
  if (fd >= 0) close(fd);
  free(tmp), free(def), free(prog);
  return rc;
}
