/* native/tier.c — the native tier of one model: emits its model block, builds the object in the background (or
 * while the caller waits), and decides per evaluation whether the native code runs: after loading, the first
 * gradient is computed both ways and the native code is used from then on only if lp and every partial are the
 * same bits (so draws do not depend on which tier evaluated them); otherwise the interpreter keeps running. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "native/native.h"

enum { T_OFF, T_BUILDING, T_LOADED, T_VERIFYING, T_ON, T_FAILED };

struct urn_nat_tier {
  int state;             /* T_*, read and written atomically */
  pthread_t thread;      /* the background build */
  int joinable;          /* thread must be joined */
  nat_prog prog;         /* the emitted program until the build takes it */
  urn_native *nt;        /* the loaded object, or NULL */
  char *cache, *cc;      /* cache folder, compiler */
  char status[320];      /* what happened, for --verbose (written before the state that publishes it) */
  int timed;             /* the native code must also be faster than the interpreter to switch on (background
                            builds; a build waited for switches on whenever it agrees) */
};

static void *build_main(void *arg) {
  urn_nat_tier *t = arg;
  char why[256];
  t->nt = urn_nat_build(&t->prog, t->cache, t->cc, why, sizeof why);
  if (t->nt) snprintf(t->status, sizeof t->status, "native: loaded %s", urn_nat_cached(t->nt) ? "from the cache" : "(compiled)");
  else snprintf(t->status, sizeof t->status, "native: interpreter only (%s)", why);
  __atomic_store_n(&t->state, t->nt ? T_LOADED : T_FAILED, __ATOMIC_RELEASE);
  return NULL;
}

urn_nat_tier *urn_nat_tier_start(const urn_prog *p, int wait, const char *cache, const char *cc) {
  urn_nat_tier *t = urn_xcalloc(1, sizeof *t);
  if (urn_nat_emit(p, &t->prog)) {
    snprintf(t->status, sizeof t->status, "native: interpreter only (%s: %s)", p->path ? p->path : "model", t->prog.why);
    urn_nat_prog_free(&t->prog);
    t->state = T_FAILED;
    return t;
  }
  t->cache = urn_xstrdup(cache ? cache : ""), t->cc = urn_xstrdup(cc && *cc ? cc : "cc");
  t->timed = !wait;
  t->state = T_BUILDING;
  snprintf(t->status, sizeof t->status, "native: compiling");
  if (wait || pthread_create(&t->thread, NULL, build_main, t)) build_main(t);
  else t->joinable = 1;
  return t;
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
  if (t->joinable) pthread_join(t->thread, NULL);
  urn_nat_free(t->nt);
  urn_nat_prog_free(&t->prog);
  free(t->cache), free(t->cc);
  free(t);
}
