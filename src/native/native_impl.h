/* native/native_impl.h — the loaded native model shared by build.c (which makes it) and run.c (which runs it). */
#ifndef URN_NATIVE_IMPL_H
#define URN_NATIVE_IMPL_H

#include "native/native.h"

struct urn_native {
  void *dl;       /* the dlopen handle */
  nat_lp_fn lp;   /* its urn_native_lp */
  nat_prog np;    /* the emitted program (slots and call sites) */
  void **fn;      /* each call site's urn_dist_fn */
  void **memo;    /* each call site's argument memos, NAT_MAX_ARGS per site */
  int cached;     /* the object came from the cache */
  size_t hint[4]; /* the P, L, Q and T sizes the last run needed (relaxed atomics): the next run starts there */
};

#endif
