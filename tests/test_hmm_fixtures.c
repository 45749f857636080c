/* tests/test_hmm_fixtures.c — every case in ../shared/fixtures/hmm/ run through
 * `urn hmm run`'s engine (urn_hmm_run_case) and compared key by key with the
 * oracle's expected values, at the spec's tolerances (section 10): log
 * likelihoods, log priors and statistics to 1e-9 relative, probabilities to
 * 1e-9 absolute, EM parameters to 1e-7 relative, Viterbi paths, labels and
 * permutations exactly.  Skips when ../shared is absent. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "hmm/hmm_case.h"

static int nvalues;       /* numbers compared in the current file */
static int nbad_reported; /* failures printed for the current file */

static int is_exact_key(const char *path) {
  return strstr(path, "most_likely_states") || strstr(path, "labels") || strstr(path, "n_iter") ||
         strstr(path, "find_permutation");
}

static void compare(const urn_json *e, const urn_json *o, char *path, size_t plen, const char *file) {
  if (!o) {
    CHECK(0, "%s: %s missing from the output", file, path);
    return;
  }
  if (e->type == URN_JSON_OBJECT) {
    for (size_t i = 0; i < e->len; i++) {
      size_t n = strlen(path);
      snprintf(path + n, plen - n, ".%s", e->keys[i]);
      compare(e->items[i], o->type == URN_JSON_OBJECT ? urn_json_get(o, e->keys[i]) : NULL, path, plen, file);
      path[n] = 0;
    }
    return;
  }
  if (e->type == URN_JSON_ARRAY) {
    if (o->type != URN_JSON_ARRAY || o->len != e->len) {
      CHECK(0, "%s: %s has length %zu, expected %zu", file, path, o->type == URN_JSON_ARRAY ? o->len : 0, e->len);
      return;
    }
    for (size_t i = 0; i < e->len; i++) compare(e->items[i], o->items[i], path, plen, file);
    return;
  }
  double a, b;
  if (!urn_json_number(e, &b) || !urn_json_number(o, &a)) {
    CHECK(0, "%s: %s is not a number", file, path);
    return;
  }
  nvalues++;
  int ok;
  if (is_exact_key(path)) ok = a == b;
  else if (strstr(path, "params.")) ok = test_near(a, b, 1e-7, 1e-9);
  else if (strstr(path, "_probs") && !strstr(path, "log_prob") && !strstr(path, "trans_probs_sum"))
    ok = test_near(a, b, 0.0, 1e-9);
  else ok = test_near(a, b, 1e-9, 1e-9);
  if (!ok && nbad_reported++ < 5) fprintf(stderr, "  %s %s: got %.17g expected %.17g\n", file, path, a, b);
  if (!ok) CHECK(0, "%s: %s", file, path);
}

static void run_permutations(const char *path) {
  size_t len;
  char *text = test_read_file(path, &len);
  urn_error err;
  urn_json *j = text ? urn_json_parse(text, len, path, &err) : NULL;
  free(text);
  CHECK(j && j->type == URN_JSON_ARRAY, "find_permutation.json parses as a list");
  if (!j) return;
  for (size_t c = 0; c < j->len; c++) {
    const urn_json *z1 = urn_json_get(j->items[c], "z1"), *z2 = urn_json_get(j->items[c], "z2");
    const urn_json *pe = urn_json_get(j->items[c], "perm");
    int a[64], b[64], perm[64], Kp = 0;
    for (size_t t = 0; t < z1->len; t++) {
      a[t] = (int)z1->items[t]->num;
      b[t] = (int)z2->items[t]->num;
    }
    int rc = urn_hmm_find_permutation(a, b, z1->len, perm, &Kp, &err);
    int same = rc == 0 && (size_t)Kp == pe->len;
    for (int i = 0; same && i < Kp; i++) same = perm[i] == (int)pe->items[i]->num;
    CHECK(same, "find_permutation case %zu", c);
  }
  urn_json_free(j);
}

int main(void) {
  const char *shared = test_shared_dir();
  if (!shared) {
    printf("skipped: ../shared not present (HMM fixtures)\n");
    return test_done();
  }
  char dir[4200];
  snprintf(dir, sizeof dir, "%s/fixtures/hmm", shared);
  DIR *dh = opendir(dir);
  if (!dh) {
    printf("skipped: %s not present\n", dir);
    return test_done();
  }
  char *names[64];
  int nn = 0;
  struct dirent *de;
  while ((de = readdir(dh)) && nn < 64)
    if (strstr(de->d_name, ".json")) names[nn++] = strdup(de->d_name);
  closedir(dh);
  for (int i = 0; i < nn; i++) {
    char path[8400];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    if (!strcmp(names[i], "find_permutation.json")) {
      run_permutations(path);
      continue;
    }
    urn_error err;
    urn_json *c = urn_json_parse_file(path, &err);
    CHECK(c != NULL, "%s parses", names[i]);
    if (!c) continue;
    urn_buf out;
    urn_buf_init(&out);
    int rc = urn_hmm_run_case(c, &out, &err);
    CHECK(rc == 0, "%s runs: %s", names[i], rc ? err.msg : "");
    urn_json *o = rc ? NULL : urn_json_parse(out.data, out.len, "output", &err);
    CHECK(rc || o != NULL, "%s: output parses", names[i]);
    const urn_json *e = urn_json_get(c, "expected");
    if (o && e) {
      char kp[512] = "";
      nvalues = 0;
      nbad_reported = 0;
      compare(e, o, kp, sizeof kp, names[i]);
      CHECK(nvalues > 0, "%s: compared %d values", names[i], nvalues);
    }
    urn_json_free(o);
    urn_json_free(c);
    urn_buf_free(&out);
  }
  for (int i = 0; i < nn; i++) free(names[i]);
  CHECK(nn >= 12, "found %d fixture files", nn);
  return test_done();
}
