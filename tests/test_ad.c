/* tests/test_ad.c — the tape of partials: nodes with constant operands
 * dropped, the reverse sweep against hand-derived gradients, callbacks run
 * in order with the sweep, reset keeps storage and gives the same results. */
#include <math.h>

#include "ad/tape.h"
#include "harness.h"

/* a callback node: y = x0 * x1 with the partials supplied in reverse */
typedef struct prod_cb { int32_t x0, x1, y; double v0, v1; } prod_cb;
static void prod_reverse(urn_tape *t, void *data) {
  prod_cb *c = data;
  t->adj[c->x0] += t->adj[c->y] * c->v1;
  t->adj[c->x1] += t->adj[c->y] * c->v0;
}

int main(void) {
  urn_tape t;
  urn_tape_init(&t);
  for (int round = 0; round < 2; round++) {
    urn_tape_reset(&t);
    /* f(a, b) = a * b + sin(a), at a = 1.5, b = -2 */
    double a = 1.5, b = -2;
    int32_t ia = urn_tape_var(&t, a), ib = urn_tape_var(&t, b);
    int32_t ab = urn_tape_push2(&t, a * b, ia, b, ib, a);
    int32_t sa = urn_tape_push1(&t, sin(a), ia, cos(a));
    int32_t f = urn_tape_push2(&t, a * b + sin(a), ab, 1, sa, 1);
    CHECK(urn_tape_push1(&t, 3, -1, 2) == -1, "constant operand gives a constant");
    CHECK(urn_tape_push2(&t, 3, -1, 2, -1, 1) == -1, "all-constant node is a constant");
    urn_tape_reverse(&t, f);
    CHECK_REL(t.adj[ia], b + cos(a), 1e-15, "df/da");
    CHECK_REL(t.adj[ib], a, 1e-15, "df/db");
    /* a long chain: x_{k+1} = 1.001 * x_k, 100000 nodes (storage growth) */
    int32_t x = ia;
    double v = a;
    for (int k = 0; k < 100000; k++) v *= 1.001, x = urn_tape_push1(&t, v, x, 1.001);
    urn_tape_reverse(&t, x);
    CHECK_REL(t.adj[ia], pow(1.001, 100000), 1e-9, "chain derivative");
    /* a callback between ordinary nodes: g = (a * b via callback) ^ 2 */
    prod_cb c = {ia, ib, 0, a, b};
    c.y = urn_tape_var(&t, a * b);
    urn_tape_callback_add(&t, c.y, prod_reverse, &c);
    int32_t g = urn_tape_push1(&t, a * a * b * b, c.y, 2 * a * b);
    urn_tape_reverse(&t, g);
    CHECK_REL(t.adj[ia], 2 * a * b * b, 1e-15, "callback dg/da");
    CHECK_REL(t.adj[ib], 2 * a * a * b, 1e-15, "callback dg/db");
    /* a many-operand node (a reduction) */
    int32_t *o;
    double *p;
    urn_tape_begin(&t, 3, &o, &p);
    o[0] = ia, p[0] = 2, o[1] = ib, p[1] = 3, o[2] = ia, p[2] = 4;
    int32_t r = urn_tape_end(&t, 0, 3);
    urn_tape_reverse(&t, r);
    CHECK_REL(t.adj[ia], 6, 1e-15, "repeated operand accumulates");
    CHECK_REL(t.adj[ib], 3, 1e-15, "reduction partial");
  }
  urn_tape_free(&t);
  return test_done();
}
