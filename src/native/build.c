/* native/build.c — an emitted program as a loaded shared object: the C text is hashed (FNV-1a 64 over the text,
 * the compiler command and urn's version), looked up as CACHE/urn-native-HASH.so, compiled there when absent
 * with the system compiler (no fast-math, no floating-point contraction: the same roundings as the evaluator),
 * written under a temporary name, flushed and renamed (concurrent processes never load a half-written object; a
 * cached object that does not load is removed), then loaded with dlopen.  The compiler runs under a watcher
 * process that ends it when urn ends first, however urn ends (SIGKILL included); the default mode's compile runs at
 * nice 19 (killed when the run ends first); the folder keeps at most URN_NAT_CACHE_MAX objects (least recently
 * used removed).  The site table (each distribution call site's function and argument memos) is built from the
 * program here. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "math/dist.h"
#include "native/native_impl.h"

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

static void on_child(int sig) { (void)sig; } /* SIGCHLD ends the watcher's ppoll */

/* The watcher of a compile (a forked copy of urn, single-threaded from here: only system calls until it exits).
 * In a process group of its own (at nice 19 when niced: the compiler and its cc1, as, ld inherit both before they
 * start), it runs the compiler and waits for it, and exits with its status.  It also watches ufd, the read end of
 * a pipe whose write end only urn holds: end of file there means urn has ended (a SIGKILL included) while the
 * compiler runs, and the whole group is ended (SIGTERM: gcc removes its temporary files; SIGKILL 50 ms later,
 * itself included), so no compiler outlives the run that started it. */
static void watcher(int ufd, int logfd, int niced, char *const argv[]) {
  setpgid(0, 0);
  /* the pipe's read end on 0, the log on 1 and 2, nothing else open (another compile's pipe, inherited by this
     fork, would hide its run's end from its own watcher) */
  int u = fcntl(ufd, F_DUPFD, 3), l = fcntl(logfd, F_DUPFD, 3);
  dup2(l, 1), dup2(l, 2), dup2(u, 0);
  if (close_range(3, ~0U, 0))
    for (int fd = 3; fd < 4096; fd++) close(fd);
  if (niced) setpriority(PRIO_PROCESS, 0, 19);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  for (int s = 1; s < 32; s++) /* the CLI's handlers (SIGINT, SIGTERM: stop the chains) are not for this copy */
    if (s != SIGKILL && s != SIGSTOP) sigaction(s, &sa, NULL);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGTERM, &sa, NULL); /* a SIGTERM to the group is for the compiler: this waits for it to end */
  sa.sa_handler = on_child;
  sigaction(SIGCHLD, &sa, NULL);
  sigset_t chld, none;
  sigemptyset(&chld), sigaddset(&chld, SIGCHLD), sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &chld, NULL); /* SIGCHLD only inside ppoll: no exit is missed */
  pid_t pid = fork();
  if (pid == 0) {
    sigprocmask(SIG_SETMASK, &none, NULL);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGTERM, &sa, NULL), sigaction(SIGCHLD, &sa, NULL);
    int nul = open("/dev/null", O_RDONLY);
    if (nul >= 0) dup2(nul, 0);
    execvp(argv[0], argv);
    _exit(127);
  }
  if (pid < 0) _exit(126);
  struct pollfd pf = {0, POLLIN, 0};
  for (;;) {
    int st;
    if (waitpid(pid, &st, WNOHANG) == pid) {
      if (WIFEXITED(st)) _exit(WEXITSTATUS(st));
      sa.sa_handler = SIG_DFL; /* the compiler's signal, passed on */
      sigaction(WTERMSIG(st), &sa, NULL);
      sigprocmask(SIG_SETMASK, &none, NULL);
      kill(getpid(), WTERMSIG(st));
      _exit(125);
    }
    pf.revents = 0;
    if (ppoll(&pf, 1, NULL, &none) > 0 && pf.revents) { /* urn has ended: so does its compile */
      kill(0, SIGTERM);
      struct timespec ts = {0, 50000000};
      nanosleep(&ts, NULL);
      kill(0, SIGKILL);
      _exit(124);
    }
  }
}

/* Runs cc on src into out; 0 on success, else a reason in why.  The compiler runs under a watcher (a fork of this
 * process, in a process group of its own) that ends the group if this process ends first, even by SIGKILL.  With
 * child: at the lowest priority (nice 19: the chains keep their cores), the group's id in *child while it runs
 * (urn_nat_tier_free kills the group: a run never waits for its compiler). */
static int compile(const char *cc, const char *src, const char *out, const char *log, int *child, char *why,
                   size_t whycap) {
  char *argv[] = {(char *)cc, "-O2", "-fPIC", "-shared", "-ffp-contract=off", "-fno-fast-math", "-o", (char *)out,
                  (char *)src, "-lm", NULL};
  int pfd[2], logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (logfd < 0) { snprintf(why, whycap, "cannot write %s: %s", log, strerror(errno)); return -1; }
  if (pipe2(pfd, O_CLOEXEC)) {
    snprintf(why, whycap, "no pipe for the compiler: %s", strerror(errno));
    close(logfd);
    return -1;
  }
  pid_t pid = fork();
  if (pid == 0) watcher(pfd[0], logfd, child != NULL, argv); /* never returns */
  int ferr = errno;
  close(pfd[0]), close(logfd);
  if (pid < 0) {
    close(pfd[1]);
    snprintf(why, whycap, "cannot start the compiler: %s", strerror(ferr));
    return -1;
  }
  setpgid(pid, pid); /* also done by the watcher: the group exists before either goes on */
  if (child) __atomic_store_n(child, (int)pid, __ATOMIC_RELEASE);
  int st, werr = 0;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) { werr = errno; break; }
  if (child) __atomic_store_n(child, 0, __ATOMIC_RELEASE);
  close(pfd[1]); /* the watcher has ended: nobody reads it */
  if (werr) { snprintf(why, whycap, "waiting for %s: %s", cc, strerror(werr)); return -1; }
  if (WIFSIGNALED(st)) { snprintf(why, whycap, "%s stopped (signal %d)", cc, WTERMSIG(st)); return -1; }
  if (WIFEXITED(st) && WEXITSTATUS(st) == 127) { snprintf(why, whycap, "no C compiler (%s not found)", cc); return -1; }
  if (WIFEXITED(st) && WEXITSTATUS(st) == 126) { snprintf(why, whycap, "cannot start %s (fork failed)", cc); return -1; }
  if (!WIFEXITED(st) || WEXITSTATUS(st)) { snprintf(why, whycap, "%s failed (see %s)", cc, log); return -1; }
  return 0;
}

/* Flushes the object at path to the disk before it is renamed into place: after a crash, the name never points at
 * a file whose contents did not reach the disk. */
static void sync_file(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) fsync(fd), close(fd);
}

static int write_file(const char *path, const char *s, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  size_t w = fwrite(s, 1, n, f);
  return (fclose(f) || w != n) ? -1 : 0;
}

/* A cache entry of ours: urn-native-<16 hex>.so, or the .c / .tmp / .log files of a compile (any pid). */
static int is_entry(const char *name, int so_only) {
  if (strncmp(name, "urn-native-", 11) || strlen(name) < 11 + 16 + 3) return 0;
  const char *r = name + 11 + 16;
  return so_only ? !strcmp(r, ".so") : !strncmp(r, ".so", 3);
}

typedef struct { char name[64]; time_t mtime; } cache_file;
static int by_mtime(const void *a, const void *b) {
  time_t x = ((const cache_file *)a)->mtime, y = ((const cache_file *)b)->mtime;
  return (x > y) - (x < y);
}

/* A compile's leftover (urn-native-HASH.so.PID.c, .tmp or .log) whose process has ended: a run killed (SIGKILL)
 * while its compiler ran (the compiler then finished on its own, but nothing renamed or removed its files), or the
 * log of a failed compile, already reported. */
static int is_stale(const char *name) {
  const char *r = name + 11 + 16 + 3;
  if (*r != '.') return 0;
  char *end;
  long pid = strtol(r + 1, &end, 10);
  if (pid <= 0 || (strcmp(end, ".c") && strcmp(end, ".tmp") && strcmp(end, ".log"))) return 0;
  return kill((pid_t)pid, 0) && errno == ESRCH;
}

/* Keeps the cache folder bounded: at most URN_NAT_CACHE_MAX objects, the least recently used (mtime: set at each
 * load) removed first, and the leftovers of killed runs' compiles.  Another process may remove an object this one
 * has loaded: dlopen holds it. */
static void prune(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  cache_file *f = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  char path[4200];
  while ((e = readdir(d)))
    if (is_entry(e->d_name, 0) && !is_entry(e->d_name, 1) && is_stale(e->d_name)) {
      snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
      unlink(path);
    } else if (is_entry(e->d_name, 1) && strlen(e->d_name) < sizeof f->name) {
      struct stat sb;
      snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
      if (stat(path, &sb)) continue;
      if (n == cap) cap = cap ? 2 * cap : 64, f = urn_xrealloc(f, cap * sizeof *f);
      snprintf(f[n].name, sizeof f[n].name, "%s", e->d_name), f[n].mtime = sb.st_mtime, n++;
    }
  closedir(d);
  if (n > URN_NAT_CACHE_MAX) {
    qsort(f, n, sizeof *f, by_mtime);
    for (size_t i = 0; i < n - URN_NAT_CACHE_MAX; i++) snprintf(path, sizeof path, "%s/%s", dir, f[i].name), unlink(path);
  }
  free(f);
}

int urn_nat_cache_scan(const char *dir, int clear, size_t *count, size_t *bytes) {
  *count = *bytes = 0;
  DIR *d = opendir(dir);
  if (!d) return errno == ENOENT ? 0 : -1;
  struct dirent *e;
  char path[4200];
  int rc = 0;
  while ((e = readdir(d))) {
    if (!is_entry(e->d_name, 0)) continue;
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (stat(path, &sb)) continue;
    if (clear && unlink(path)) { rc = -1; continue; }
    *count += 1, *bytes += (size_t)sb.st_size;
  }
  closedir(d);
  return rc;
}

void urn_nat_object_path(const nat_prog *np, const char *cache_dir, const char *cc, char *so, size_t cap) {
  if (!cc || !*cc) cc = "cc";
  uint64_t h = 1469598103934665603ULL;
  h = fnv(h, np->c.data, np->c.len);
  h = fnv(h, cc, strlen(cc) + 1);
  h = fnv(h, urn_version(), strlen(urn_version()) + 1);
  snprintf(so, cap, "%s/urn-native-%016llx.so", cache_dir ? cache_dir : "", (unsigned long long)h);
}

/* Compiles np into the object so (a temporary name, then renamed: concurrent processes never load a half-written
 * object; two compiling the same program both rename a complete one).  0, or -1 and a reason. */
static int compile_object(const nat_prog *np, const char *cache_dir, const char *cc, const char *so, int *child,
                          char *why, size_t whycap) {
  char tmp_c[4200], tmp_so[4200], log[4200];
  if (make_dirs(cache_dir)) { snprintf(why, whycap, "cannot make %s: %s", cache_dir, strerror(errno)); return -1; }
  prune(cache_dir);
  snprintf(tmp_c, sizeof tmp_c, "%s.%ld.c", so, (long)getpid());
  snprintf(tmp_so, sizeof tmp_so, "%s.%ld.tmp", so, (long)getpid());
  snprintf(log, sizeof log, "%s.%ld.log", so, (long)getpid());
  if (write_file(tmp_c, np->c.data, np->c.len)) {
    snprintf(why, whycap, "cannot write %s: %s", tmp_c, strerror(errno));
    unlink(tmp_c);
    return -1;
  }
  int rc = compile(cc, tmp_c, tmp_so, log, child, why, whycap);
  unlink(tmp_c);
  if (!rc) sync_file(tmp_so);
  if (rc || rename(tmp_so, so)) {
    if (!rc) snprintf(why, whycap, "cannot rename %s: %s", tmp_so, strerror(errno));
    unlink(tmp_so);
    if (strstr(why, "stopped") || strstr(why, "no C compiler")) unlink(log); /* nothing to read in it */
    return -1;
  }
  unlink(log);
  prune(cache_dir); /* now one more object */
  return 0;
}

urn_native *urn_nat_build(nat_prog *np, const char *cache_dir, const char *cc, int *child, char *why, size_t whycap) {
  why[0] = 0;
  if (!cc || !*cc) cc = "cc";
  if (!cache_dir || !*cache_dir) { snprintf(why, whycap, "no cache folder"); urn_nat_prog_free(np); return NULL; }
  char so[4096];
  urn_nat_object_path(np, cache_dir, cc, so, sizeof so);
  int cached = access(so, R_OK) == 0;
  if (!cached && compile_object(np, cache_dir, cc, so, child, why, whycap)) { urn_nat_prog_free(np); return NULL; }
  if (cached) utimensat(AT_FDCWD, so, NULL, 0); /* recently used: pruned last (fails silently when read-only) */
  void *dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
  nat_lp_fn lp = dl ? (nat_lp_fn)dlsym(dl, "urn_native_lp") : NULL;
  if (!lp) {
    snprintf(why, whycap, "cannot load %s: %s", so, dlerror());
    if (dl) dlclose(dl);
    if (cached) unlink(so); /* not an object (a disk that filled, a file put there): the next run compiles it */
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
