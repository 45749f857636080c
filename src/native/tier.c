/* native/tier.c — the native tier of one model: emits its model block, builds the object in the background (or
 * while the caller waits, or — the CLI's default, URN_NAT_AUTO — only once the job's projected interpreted cost
 * clearly exceeds the compile's, the projection using the gradients per iteration the run measures, a cached
 * object being used at once), and decides per evaluation whether the
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
  char status[640];      /* what happened, for --verbose (written before the state that publishes it) */
  char plan[320];        /* URN_NAT_AUTO while deferred: its last projection (under lock) */
  char decided[240];     /* URN_NAT_AUTO: what its compile was decided on (appended to the final status) */
  int timed;             /* the native code must also be faster than the interpreter to switch on (background
                            builds; a build waited for switches on whenever it agrees) */
  /* URN_NAT_AUTO's accounting while deferred (under lock) */
  pthread_mutex_t lock;  /* guards the sums below and the start of the build */
  double done;           /* interpreted gradients counted */
  double cpu;            /* CPU seconds of the timed ones */
  long timed_n;          /* their number */
  double cpu_steady;     /* of which the one-in-256 ones' (the first ones fill memos and caches) */
  long steady_n;         /* their number */
  double iterations;     /* the job's iterations, all chains (0: unknown) */
  double iters_done;     /* iterations the run reported finished */
  double measured;       /* of which measured (after each chain's first adaptation window) */
  double grads;          /* the gradients those took */
  double grads_cpu;      /* the CPU seconds of those the run timed */
  double grads_timed;    /* their gradients */
  double compile_est;    /* the compile's estimated CPU seconds */
};

static void *build_main(void *arg) {
  urn_nat_tier *t = arg;
  char why[256];
  t->nt = urn_nat_build(&t->prog, t->cache, t->cc, t->autom ? &t->child : NULL, why, sizeof why);
  if (t->nt) snprintf(t->status, sizeof t->status, "native: loaded %s", urn_nat_cached(t->nt) ? "from the cache" : "(compiled)");
  else snprintf(t->status, sizeof t->status, "native: interpreter only (%s%s)", why, t->decided);
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

double urn_nat_projection(const nat_plan *p, double *gpi) {
  double g = p->measured > 0 ? p->grads / p->measured : 1; /* NUTS: at least one gradient an iteration */
  double rest = p->iterations > p->iters_done ? (p->iterations - p->iters_done) * g : 0;
  if (rest < p->done / 2) rest = p->done / 2; /* no plan, or one already overrun: ski rental */
  if (gpi) *gpi = g;
  return rest * p->per;
}

/* The decision (t->lock held): once three gradients are timed, the rest of the job's projected interpreted cost
 * against URN_NAT_PAYOFF times the compile's; the status says what it was based on. */
static void decide(urn_nat_tier *t) {
  if (t->timed_n < 3 || __atomic_load_n(&t->state, __ATOMIC_ACQUIRE) != T_DEFERRED ||
      __atomic_load_n(&t->ending, __ATOMIC_ACQUIRE))
    return;
  double per = t->steady_n >= 2 ? t->cpu_steady / (double)t->steady_n : t->cpu / (double)t->timed_n;
  if (t->grads_timed > 0 && t->grads_cpu > 0 && t->grads_cpu / t->grads_timed < per) per = t->grads_cpu / t->grads_timed;
  nat_plan p = {t->done, per, t->iterations, t->iters_done, t->measured, t->grads};
  double g, proj = urn_nat_projection(&p, &g);
  char basis[120];
  if (t->measured > 0)
    snprintf(basis, sizeof basis, "%.4g gradients per iteration over %.0f iterations, %.3g us each", g, t->measured,
             1e6 * per);
  else snprintf(basis, sizeof basis, "at least 1 gradient per iteration, none measured yet, %.3g us each", 1e6 * per);
  int go = proj >= URN_NAT_PAYOFF * t->compile_est;
  snprintf(t->plan, sizeof t->plan, "projected %.3g s of interpreted gradients: %s; %s %.0fx the compile's %.2g s",
           proj, basis, go ? "at least" : "below", URN_NAT_PAYOFF, t->compile_est);
  if (!go) return;
  snprintf(t->status, sizeof t->status, "native: compiling (%s)", t->plan);
  snprintf(t->decided, sizeof t->decided, "; compiled at a projection of %.3g s: %s", proj, basis);
  __atomic_store_n(&t->state, T_BUILDING, __ATOMIC_RELEASE);
  build_background(t);
}

void urn_nat_tier_plan(urn_nat_tier *t, double iterations) {
  if (!t) return;
  pthread_mutex_lock(&t->lock);
  t->iterations = iterations;
  decide(t);
  pthread_mutex_unlock(&t->lock);
}

void urn_nat_tier_progress(urn_nat_tier *t, double iterations, double measured, double gradients, double cpu) {
  if (!t) return;
  pthread_mutex_lock(&t->lock);
  t->iters_done += iterations, t->measured += measured, t->grads += gradients;
  if (cpu > 0) t->grads_cpu += cpu, t->grads_timed += gradients;
  decide(t);
  pthread_mutex_unlock(&t->lock);
}

void urn_nat_tier_account(urn_nat_tier *t, double cpu, unsigned n, int steady) {
  pthread_mutex_lock(&t->lock);
  t->cpu += cpu, t->timed_n++, t->done += n;
  if (steady) t->cpu_steady += cpu, t->steady_n++;
  decide(t);
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
  if (ok) snprintf(t->status, sizeof t->status, "native: on (%s%s)", why, t->decided);
  else snprintf(t->status, sizeof t->status, "native: interpreter only (%s%s)", why, t->decided);
  __atomic_store_n(&t->state, ok ? T_ON : T_FAILED, __ATOMIC_RELEASE);
}

int urn_nat_tier_timed(const urn_nat_tier *t) { return t && t->timed; }

/* Once loaded but not yet checked, the check is still to come: give it back to the next evaluation. */
void urn_nat_tier_unverified(urn_nat_tier *t) { __atomic_store_n(&t->state, T_LOADED, __ATOMIC_RELEASE); }

const char *urn_nat_tier_status(urn_nat_tier *t) {
  int s = t ? __atomic_load_n(&t->state, __ATOMIC_ACQUIRE) : T_OFF;
  if (s == T_DEFERRED) { /* the last projection, if any */
    pthread_mutex_lock(&t->lock);
    if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) == T_DEFERRED && t->plan[0])
      snprintf(t->status, sizeof t->status, "native: not compiled (%s)", t->plan);
    pthread_mutex_unlock(&t->lock);
  }
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
