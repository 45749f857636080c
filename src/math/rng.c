/* math/rng.c — xoshiro256++ with splitmix64 seeding and jump-ahead streams. */
#include "math/rng.h"
#include "urn/model.h"

#include <math.h>
#include <stdlib.h>

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t urn_rng_next(urn_rng *r) {
  uint64_t *s = r->s;
  const uint64_t result = rotl(s[0] + s[3], 23) + s[0];
  const uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

void urn_rng_jump(urn_rng *r) {
  static const uint64_t JUMP[] = {0x180ec6d33cfd0aba, 0xd5a61266f0c9392c, 0xa9582618e03fc9aa, 0x39abdc4529b1661c};
  uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (int i = 0; i < 4; i++)
    for (int b = 0; b < 64; b++) {
      if (JUMP[i] & (UINT64_C(1) << b)) {
        s0 ^= r->s[0];
        s1 ^= r->s[1];
        s2 ^= r->s[2];
        s3 ^= r->s[3];
      }
      urn_rng_next(r);
    }
  r->s[0] = s0, r->s[1] = s1, r->s[2] = s2, r->s[3] = s3;
  r->has_spare = 0;
}

void urn_rng_set_state(urn_rng *r, const uint64_t s[4]) {
  for (int i = 0; i < 4; i++) r->s[i] = s[i];
  r->has_spare = 0;
  r->spare = 0;
}

/* The jump is linear on the 256-bit state over GF(2): a bit matrix kept as
 * its 256 columns (the images of the unit states), 4 words each. */
typedef uint64_t rng_mat[256][4];

/* out = M v (out may be v). */
static void mat_apply(rng_mat M, const uint64_t v[4], uint64_t out[4]) {
  uint64_t t[4] = {0, 0, 0, 0};
  for (int i = 0; i < 256; i++)
    if (v[i >> 6] >> (i & 63) & 1)
      for (int w = 0; w < 4; w++) t[w] ^= M[i][w];
  for (int w = 0; w < 4; w++) out[w] = t[w];
}

/* Applies the jump `stream` times in O(log stream) matrix squarings: J^(2^k)
 * for the set bits k of stream (powers of one map commute, so the state is
 * the same as `stream` jumps one after another; test_rng checks it). */
static void jump_many(urn_rng *r, uint64_t stream) {
  static const int n = 256;
  rng_mat *M = malloc(2 * sizeof *M), *A = M, *B = M + 1;
  if (!M) abort();
  for (int i = 0; i < n; i++) { /* J's columns */
    urn_rng e = {{0, 0, 0, 0}, 0, 0};
    e.s[i >> 6] = UINT64_C(1) << (i & 63);
    urn_rng_jump(&e);
    for (int w = 0; w < 4; w++) (*A)[i][w] = e.s[w];
  }
  for (;;) {
    if (stream & 1) mat_apply(*A, r->s, r->s);
    stream >>= 1;
    if (!stream) break;
    for (int i = 0; i < n; i++) mat_apply(*A, (*A)[i], (*B)[i]); /* B = A A */
    rng_mat *t = A;
    A = B, B = t;
  }
  free(M);
}

void urn_rng_seed(urn_rng *r, uint64_t seed, uint64_t stream) {
  uint64_t x = seed;
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
  if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3])) r->s[0] = 1;
  r->has_spare = 0;
  r->spare = 0;
  if (stream < 64)
    for (uint64_t c = 0; c < stream; c++) urn_rng_jump(r);
  else
    jump_many(r, stream); /* the Pathfinder start's streams from 2^20 on: a million jumps took ~0.3 s */
}

double urn_rng_uniform(urn_rng *r) {
  /* 52 random bits plus half a step: the largest value is 1 - 2^-53, exactly
   * representable (with 53 bits, (2^53 - 1/2) 2^-53 would round up to 1.0). */
  return ((double)(urn_rng_next(r) >> 12) + 0.5) * 0x1.0p-52;
}

double urn_rng_normal(urn_rng *r) {
  if (r->has_spare) {
    r->has_spare = 0;
    return r->spare;
  }
  double u, v, s;
  do {
    u = 2.0 * urn_rng_uniform(r) - 1.0;
    v = 2.0 * urn_rng_uniform(r) - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  double f = sqrt(-2.0 * log(s) / s);
  r->spare = v * f;
  r->has_spare = 1;
  return u * f;
}

uint64_t urn_rng_below(urn_rng *r, uint64_t n) {
  __uint128_t m = (__uint128_t)urn_rng_next(r) * n;
  uint64_t l = (uint64_t)m;
  if (l < n) {
    uint64_t t = -n % n;
    while (l < t) {
      m = (__uint128_t)urn_rng_next(r) * n;
      l = (uint64_t)m;
    }
  }
  return (uint64_t)(m >> 64);
}

/* The public constructor of include/urn/model.h (generated quantities from bindings). */
urn_rng *urn_rng_new(uint64_t seed, uint64_t stream) {
  urn_rng *r = malloc(sizeof *r);
  if (r) urn_rng_seed(r, seed, stream);
  return r;
}
void urn_rng_free(urn_rng *r) { free(r); }
