/* tests/test_json.c — the JSON reader: values, positions, CmdStan's
 * non-finite tokens, and error messages with line:col. */
#include "harness.h"
#include "io/json.h"

static urn_json *parse(const char *s, urn_error *err) { return urn_json_parse(s, strlen(s), "t.json", err); }

int main(void) {
  urn_error err;
  urn_json *v = parse("{\"N\": 3, \"y\": [1.5, -2e3, 0], \"s\": \"a\\u00e9\\n\", \"b\": true, \"n\": null}", &err);
  CHECK(v && v->type == URN_JSON_OBJECT && v->len == 5, "object parsed");
  const urn_json *n = urn_json_get(v, "N");
  CHECK(n && n->type == URN_JSON_NUMBER && n->is_int && n->num == 3, "int member");
  const urn_json *y = urn_json_get(v, "y");
  CHECK(y && y->len == 3 && !y->items[0]->is_int && y->items[0]->num == 1.5 && y->items[1]->num == -2000 &&
            y->items[2]->is_int,
        "array members");
  const urn_json *s = urn_json_get(v, "s");
  CHECK(s && !strcmp(s->str, "a\xc3\xa9\n"), "string escapes");
  CHECK(urn_json_get(v, "b")->num == 1 && urn_json_get(v, "n")->type == URN_JSON_NULL, "bool/null");
  CHECK(urn_json_get(v, "zz") == NULL, "missing key");
  urn_json_free(v);

  v = parse("[NaN, Infinity, -Infinity, Inf, -Inf, \"-Inf\"]", &err);
  double d;
  CHECK(v && isnan(v->items[0]->num) && v->items[1]->num == INFINITY && v->items[2]->num == -INFINITY &&
            v->items[3]->num == INFINITY && v->items[4]->num == -INFINITY,
        "non-finite tokens");
  CHECK(urn_json_number(v->items[5], &d) && d == -INFINITY, "non-finite string");
  urn_json_free(v);

  struct { const char *text, *msg; } bad[] = {
      {"{\"a\": 1,\n  \"b\" 2}", "t.json:2:7: expected ':' after key"},
      {"[1, 2", "t.json:1:6: expected ',' or ']'"},
      {"[01]", "t.json:1:2: leading zeros are not allowed in JSON numbers"},
      {"[1e999999]", "t.json:1:2: number out of range (overflows a double)"},
      {"{\"a\": 1} x", "t.json:1:10: unexpected text after the JSON value"},
      {"", "t.json:1:1: unexpected end of input"},
      {"[\"abc", "t.json:1:6: unterminated string"},
      {"[tru]", "t.json:1:2: unexpected character"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    urn_error_clear(&err);
    v = parse(bad[i].text, &err);
    CHECK(!v && err.code == URN_EINPUT && !strcmp(err.msg, bad[i].msg), "error for %s: got '%s'", bad[i].text,
          err.msg);
  }
  /* Deep nesting is refused, not a stack overflow. */
  char *deep = malloc(20002);
  memset(deep, '[', 10000);
  memset(deep + 10000, ']', 10000);
  deep[20000] = 0;
  v = parse(deep, &err);
  CHECK(!v && strstr(err.msg, "nesting too deep"), "deep nesting refused: %s", err.msg);
  free(deep);
  return test_done();
}
