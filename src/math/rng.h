/* math/rng.h — the random number generator: xoshiro256++ (Blackman & Vigna)
 * seeded through splitmix64, with independent streams by the generator's jump
 * function (each stream starts 2^128 outputs after the previous one), so chain
 * c of a run seeded s never overlaps chain c+1, and results do not depend on
 * how many threads run the chains. */
#ifndef URN_MATH_RNG_H
#define URN_MATH_RNG_H

#include <stdint.h>

typedef struct urn_rng {
  uint64_t s[4];      /* xoshiro256++ state; never all zero */
  double spare;       /* second normal deviate of the polar method */
  int has_spare;      /* spare is valid */
} urn_rng;

/* Seeds stream `stream` (0, 1, 2, ...) of seed `seed`: splitmix64(seed)
 * fills the state, then the jump function is applied `stream` times. */
void urn_rng_seed(urn_rng *r, uint64_t seed, uint64_t stream);
/* Sets the raw state (tests against the published reference outputs). */
void urn_rng_set_state(urn_rng *r, const uint64_t s[4]);
/* Advances the state by 2^128 outputs. */
void urn_rng_jump(urn_rng *r);
uint64_t urn_rng_next(urn_rng *r);
/* Uniform on (0, 1): never exactly 0 or 1 (52 random bits, offset by half a step). */
double urn_rng_uniform(urn_rng *r);
/* Standard normal deviate (Marsaglia's polar method). */
double urn_rng_normal(urn_rng *r);
/* Uniform integer in [0, n) without modulo bias (Lemire's method); n > 0. */
uint64_t urn_rng_below(urn_rng *r, uint64_t n);

#endif
