/* fuzz/fuzz_json.c — libFuzzer target for the JSON reader (data, inits, HMM
 * cases): both trees (urn_json_parse, and urn_json_parse_data with its packed
 * numeric arrays), and the data reader's fill of every member into slots of
 * several shapes (scalars, vectors, matrices, arrays of vectors, int arrays,
 * zero sizes), dry runs and real ones, as model construction does. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/json.h"
#include "model/data.h"

/* Shapes to fill: type and sizes. */
typedef struct shape {
  urn_type ty;  /* base type and array dimensions */
  int nd;       /* entries of dim */
  int32_t dim[4];
} shape;

static const shape shapes[] = {
    {{URN_TY_REAL, 0}, 0, {0}},           {{URN_TY_INT, 1}, 1, {3}},          {{URN_TY_VECTOR, 0}, 1, {3}},
    {{URN_TY_MATRIX, 0}, 2, {2, 3}},      {{URN_TY_VECTOR, 1}, 2, {2, 2}},    {{URN_TY_INT, 2}, 2, {2, 2}},
    {{URN_TY_VECTOR, 1}, 2, {3, 0}},      {{URN_TY_MATRIX, 1}, 3, {2, 0, 2}}, {{URN_TY_REAL, 1}, 1, {0}},
    {{URN_TY_ROW_VECTOR, 2}, 3, {1, 2, 2}},
};

static void fill_all(const urn_json *v) {
  double store[16];
  for (size_t k = 0; k < sizeof shapes / sizeof *shapes; k++) {
    urn_val slot;
    memset(&slot, 0, sizeof slot);
    slot.ty = shapes[k].ty;
    slot.n = 1;
    for (int i = 0; i < shapes[k].nd; i++) slot.dim[i] = shapes[k].dim[i], slot.n *= (size_t)shapes[k].dim[i];
    urn_error err;
    int is_int = shapes[k].ty.base == URN_TY_INT;
    slot.v = NULL; /* dry run first, as the data reader does */
    if (urn__model_data_fill(&slot, v, is_int, "fuzz", &err) != URN_OK) continue;
    slot.v = store;
    urn__model_data_fill(&slot, v, is_int, "fuzz", &err);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  urn_error err;
  urn_json *v = urn_json_parse((const char *)data, size, "fuzz.json", &err);
  if (v) {
    double d;
    if (v->type == URN_JSON_OBJECT && v->len) (void)urn_json_get(v, v->keys[0]);
    (void)urn_json_number(v, &d);
  }
  urn_json_free(v);
  v = urn_json_parse_data((const char *)data, size, "fuzz.json", &err);
  if (v && v->type == URN_JSON_OBJECT)
    for (size_t i = 0; i < v->len && i < 8; i++) fill_all(v->items[i]);
  else if (v)
    fill_all(v);
  urn_json_free(v);
  return 0;
}
