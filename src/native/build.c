/* native/build.c — an emitted program as a loaded shared object: the C text is hashed (FNV-1a 64 over the text,
 * the compiler command and urn's version), looked up as CACHE/urn-native-HASH.so, compiled there when absent
 * with the system compiler (no fast-math, no floating-point contraction: the same roundings as the evaluator),
 * written under a temporary name and renamed (concurrent processes never load a half-written object), then
 * loaded with dlopen.  The site table (each distribution call site's function and argument memos) is built from
 * the program here. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "math/dist.h"
#include "native/native_impl.h"

extern char **environ;

static uint64_t fnv(uint64_t h, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) h ^= (unsigned char)s[i], h *= 1099511628211ULL;
  return h;
}

/* mkdir -p of dir (0: exists or made). */
static int make_dirs(const char *dir) {
  char path[4096];
  size_t n = strlen(dir);
  if (!n || n >= sizeof path) return -1;
  memcpy(path, dir, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (path[i] != '/' && path[i] != 0) continue;
    char c = path[i];
    path[i] = 0;
    if (mkdir(path, 0755) && errno != EEXIST) return -1;
    path[i] = c;
  }
  return 0;
}

/* Runs cc on src into out; 0 on success, else a reason in why. */
static int compile(const char *cc, const char *src, const char *out, const char *log, char *why, size_t whycap) {
  char *argv[] = {(char *)cc, "-O2", "-fPIC", "-shared", "-ffp-contract=off", "-fno-fast-math", "-o", (char *)out,
                  (char *)src, "-lm", NULL};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid;
  int rc = posix_spawnp(&pid, cc, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc) { snprintf(why, whycap, "no C compiler (%s: %s)", cc, strerror(rc)); return -1; }
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) { snprintf(why, whycap, "waiting for %s: %s", cc, strerror(errno)); return -1; }
  if (WIFEXITED(st) && WEXITSTATUS(st) == 127) { snprintf(why, whycap, "no C compiler (%s not found)", cc); return -1; }
  if (!WIFEXITED(st) || WEXITSTATUS(st)) { snprintf(why, whycap, "%s failed (see %s)", cc, log); return -1; }
  return 0;
}

static int write_file(const char *path, const char *s, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  size_t w = fwrite(s, 1, n, f);
  return (fclose(f) || w != n) ? -1 : 0;
}

urn_native *urn_nat_build(nat_prog *np, const char *cache_dir, const char *cc, char *why, size_t whycap) {
  why[0] = 0;
  if (!cc || !*cc) cc = "cc";
  if (!cache_dir || !*cache_dir) { snprintf(why, whycap, "no cache folder"); urn_nat_prog_free(np); return NULL; }
  uint64_t h = 1469598103934665603ULL;
  h = fnv(h, np->c.data, np->c.len);
  h = fnv(h, cc, strlen(cc) + 1);
  h = fnv(h, urn_version(), strlen(urn_version()) + 1);
  char so[4096], tmp_c[4200], tmp_so[4200], log[4200];
  snprintf(so, sizeof so, "%s/urn-native-%016llx.so", cache_dir, (unsigned long long)h);
  int cached = access(so, R_OK) == 0;
  if (!cached) {
    if (make_dirs(cache_dir)) { snprintf(why, whycap, "cannot make %s: %s", cache_dir, strerror(errno)); urn_nat_prog_free(np); return NULL; }
    snprintf(tmp_c, sizeof tmp_c, "%s.%ld.c", so, (long)getpid());
    snprintf(tmp_so, sizeof tmp_so, "%s.%ld.tmp", so, (long)getpid());
    snprintf(log, sizeof log, "%s.log", so);
    if (write_file(tmp_c, np->c.data, np->c.len)) {
      snprintf(why, whycap, "cannot write %s: %s", tmp_c, strerror(errno));
      urn_nat_prog_free(np);
      return NULL;
    }
    int rc = compile(cc, tmp_c, tmp_so, log, why, whycap);
    unlink(tmp_c);
    if (rc || rename(tmp_so, so)) {
      if (!rc) snprintf(why, whycap, "cannot rename %s: %s", tmp_so, strerror(errno));
      unlink(tmp_so);
      urn_nat_prog_free(np);
      return NULL;
    }
    unlink(log);
  }
  void *dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
  nat_lp_fn lp = dl ? (nat_lp_fn)dlsym(dl, "urn_native_lp") : NULL;
  if (!lp) {
    snprintf(why, whycap, "cannot load %s: %s", so, dlerror());
    if (dl) dlclose(dl);
    urn_nat_prog_free(np);
    return NULL;
  }
  urn_native *nt = urn_xcalloc(1, sizeof *nt);
  nt->dl = dl, nt->lp = lp, nt->np = *np, nt->cached = cached;
  memset(np, 0, sizeof *np);
  int ns = nt->np.nsites;
  nt->fn = urn_xcalloc((size_t)(ns ? ns : 1), sizeof *nt->fn);
  nt->memo = urn_xcalloc((size_t)(ns ? ns : 1) * NAT_MAX_ARGS, sizeof *nt->memo);
  for (int i = 0; i < ns; i++) {
    const nat_site *s = &nt->np.sites[i];
    const urn_dist *d = s->bi->aux;
    nt->fn[i] = (void *)urn_dist_function(d, URN_DF_LPDF);
    for (int j = 0; j < s->na; j++) nt->memo[i * NAT_MAX_ARGS + j] = s->args[j]->pure ? &s->args[j]->memo : NULL;
  }
  return nt;
}

int urn_nat_cached(const urn_native *nt) { return nt->cached; }

void urn_nat_free(urn_native *nt) {
  if (!nt) return;
  if (nt->dl) dlclose(nt->dl);
  free(nt->fn), free(nt->memo);
  urn_nat_prog_free(&nt->np);
  free(nt);
}
