/* native/tier.c — the native tier of one model: emits its model block, builds the object in the background (or
 * while the caller waits, or — the CLI's default, URN_NAT_AUTO — only once the job's projected interpreted cost
 * clearly exceeds the compile's, a cached object being used at once), and decides per evaluation whether the
 * native code runs: after loading, the first gradient is computed both ways (and at six points around it:
 * model.c eval_verify) and the native code is used from then on only if lp and every partial are the same bits
 * everywhere (so draws do not depend on which tier evaluated them);
 * otherwise the interpreter keeps running.  A compile still running when the model is freed is killed. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "native/native.h"

enum { T_OFF, T_DEFERRED, T_BUILDING, T_LOADED, T_VERIFYING, T_ON, T_FAILED };

struct urn_nat_tier {
  int state;             /* T_*, read and written atomically */
  pthread_t thread;      /* the background build */
  int joinable;          /* thread must be joined */
  int child;             /* the compiler's process group while it runs (atomic), else 0 */
  int ending;            /* urn_nat_tier_free has begun (atomic): a build must not start */
  int autom;             /* URN_NAT_AUTO: its compile is niced and killed at the end, never waited for */
  nat_prog prog;         /* the emitted program until the build takes it */
  urn_native *nt;        /* the loaded object, or NULL */
  char *cache, *cc;      /* cache folder, compiler */
  char status[320];      /* what happened, for --verbose (written before the state that publishes it) */
  int timed;             /* the native code must also be faster than the interpreter to switch on (background
                            builds; a build waited for switches on whenever it agrees) */
  /* URN_NAT_AUTO's accounting while deferred (under lock) */
  pthread_mutex_t lock;  /* guards the sums below and the start of the build */
  double done;           /* interpreted gradients counted */
  double cpu;            /* CPU seconds of the timed ones */
  long timed_n;          /* their number */
  double expect;         /* the job's expected gradients (0: unknown) */
  double compile_est;    /* the compile's estimated CPU seconds */
};

static void *build_main(void *arg) {
  urn_nat_tier *t = arg;
  char why[256];
  t->nt = urn_nat_build(&t->prog, t->cache, t->cc, t->autom ? &t->child : NULL, why, sizeof why);
  if (t->nt) snprintf(t->status, sizeof t->status, "native: loaded %s", urn_nat_cached(t->nt) ? "from the cache" : "(compiled)");
  else snprintf(t->status, sizeof t->status, "native: interpreter only (%s)", why);
  __atomic_store_n(&t->state, t->nt ? T_LOADED : T_FAILED, __ATOMIC_RELEASE);
  return NULL;
}

/* Starts the background build (state T_BUILDING already set); in this thread if no thread can be made. */
static void build_background(urn_nat_tier *t) {
  if (pthread_create(&t->thread, NULL, build_main, t)) build_main(t);
  else t->joinable = 1;
}

urn_nat_tier *urn_nat_tier_start(const urn_prog *p, int mode, const char *cache, const char *cc) {
  urn_nat_tier *t = urn_xcalloc(1, sizeof *t);
  pthread_mutex_init(&t->lock, NULL);
  if (urn_nat_emit(p, &t->prog)) {
    snprintf(t->status, sizeof t->status, "native: interpreter only (%s: %s)", p->path ? p->path : "model", t->prog.why);
    urn_nat_prog_free(&t->prog);
    t->state = T_FAILED;
    return t;
  }
  t->cache = urn_xstrdup(cache ? cache : ""), t->cc = urn_xstrdup(cc && *cc ? cc : "cc");
  t->timed = mode != URN_NAT_WAIT, t->autom = mode == URN_NAT_AUTO;
  t->compile_est = 0.1 + 8e-6 * (double)t->prog.c.len; /* measured: 0.10-0.15 s for 6-18 KB of C (gcc -O2) */
  if (mode == URN_NAT_AUTO) {
    char so[4200];
    urn_nat_object_path(&t->prog, t->cache, t->cc, so, sizeof so);
    if (!*t->cache || access(so, R_OK)) { /* not cached: compile only when it pays off */
      snprintf(t->status, sizeof t->status, "native: not compiled (the run's projected cost is below %.0fx the compile's)",
               URN_NAT_PAYOFF);
      t->state = T_DEFERRED;
      return t;
    }
    t->state = T_BUILDING; /* cached: loaded now (no compiler runs) */
    build_main(t);
    return t;
  }
  t->state = T_BUILDING;
  snprintf(t->status, sizeof t->status, "native: compiling");
  if (mode == URN_NAT_WAIT) build_main(t);
  else build_background(t);
  return t;
}

int urn_nat_tier_deferred(const urn_nat_tier *t) {
  return t && __atomic_load_n(&t->state, __ATOMIC_RELAXED) == T_DEFERRED;
}

void urn_nat_tier_expect(urn_nat_tier *t, double gradients) {
  if (!t) return;
  pthread_mutex_lock(&t->lock);
  t->expect = gradients;
  pthread_mutex_unlock(&t->lock);
}

void urn_nat_tier_account(urn_nat_tier *t, double cpu, unsigned n) {
  pthread_mutex_lock(&t->lock);
  t->cpu += cpu, t->timed_n++, t->done += n;
  int go = 0;
  if (t->timed_n >= 3 && __atomic_load_n(&t->state, __ATOMIC_ACQUIRE) == T_DEFERRED && !__atomic_load_n(&t->ending, __ATOMIC_ACQUIRE)) {
    double done = t->done, per = t->cpu / (double)t->timed_n;
    double rest = t->expect > done ? t->expect - done : 0;
    if (rest < done / 2) rest = done / 2;
    if (rest * per >= URN_NAT_PAYOFF * t->compile_est) {
      go = 1;
      snprintf(t->status, sizeof t->status, "native: compiling (projected %.3g s of interpreted gradients)", rest * per);
      __atomic_store_n(&t->state, T_BUILDING, __ATOMIC_RELEASE);
    }
  }
  if (go) build_background(t);
  pthread_mutex_unlock(&t->lock);
}

const urn_native *urn_nat_tier_get(urn_nat_tier *t, int *verify) {
  *verify = 0;
  if (!t) return NULL;
  int s = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
  if (s == T_ON) return t->nt;
  if (s == T_LOADED && __atomic_compare_exchange_n(&t->state, &s, T_VERIFYING, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
    *verify = 1;
    return t->nt;
  }
  return NULL;
}

void urn_nat_tier_verified(urn_nat_tier *t, int ok, const char *why) {
  if (ok) snprintf(t->status, sizeof t->status, "native: on (%s)", why);
  else snprintf(t->status, sizeof t->status, "native: interpreter only (%s)", why);
  __atomic_store_n(&t->state, ok ? T_ON : T_FAILED, __ATOMIC_RELEASE);
}

int urn_nat_tier_timed(const urn_nat_tier *t) { return t && t->timed; }

/* Once loaded but not yet checked, the check is still to come: give it back to the next evaluation. */
void urn_nat_tier_unverified(urn_nat_tier *t) { __atomic_store_n(&t->state, T_LOADED, __ATOMIC_RELEASE); }

const char *urn_nat_tier_status(urn_nat_tier *t) {
  int s = t ? __atomic_load_n(&t->state, __ATOMIC_ACQUIRE) : T_OFF;
  return s == T_OFF ? "native: off" : t->status;
}

void urn_nat_tier_free(urn_nat_tier *t) {
  if (!t) return;
  pthread_mutex_lock(&t->lock); /* no build starts from here on */
  __atomic_store_n(&t->ending, 1, __ATOMIC_RELEASE);
  pthread_mutex_unlock(&t->lock);
  if (t->joinable && t->autom) {
    /* never wait for a compiler: end its process group (SIGTERM: gcc removes its temporary files; SIGKILL after
       50 ms), the build then fails and removes its own files */
    for (;;) {
      int pid = __atomic_load_n(&t->child, __ATOMIC_ACQUIRE), s = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
      if (s != T_BUILDING) break;
      if (pid > 0) {
        kill(-pid, SIGTERM);
        for (int i = 0; i < 250 && __atomic_load_n(&t->child, __ATOMIC_ACQUIRE) == pid; i++) usleep(200);
        if (__atomic_load_n(&t->child, __ATOMIC_ACQUIRE) == pid) kill(-pid, SIGKILL);
        break;
      }
      usleep(200); /* the compiler is being started (or the C text written): its id comes next */
    }
  }
  if (t->joinable) pthread_join(t->thread, NULL);
  urn_nat_free(t->nt);
  urn_nat_prog_free(&t->prog);
  pthread_mutex_destroy(&t->lock);
  free(t->cache), free(t->cc);
  free(t);
}
