/* model/model.c — PLACEHOLDER implementing include/urn/model.h until the
 * language work lands: every constructor fails with "not implemented". */
#include <stdlib.h>

#include "urn/model.h"

urn_model *urn_model_new(const char *path, const char *source, size_t source_len, const char *data_path,
                         const char *data, size_t data_len, uint64_t seed, urn_error *err) {
  urn_error_set(err, URN_EFATAL, "%s: the Stan language is not implemented yet", path ? path : "model");
  return NULL;
}
urn_model *urn_model_from_files(const char *stan_path, const char *data_path, uint64_t seed, urn_error *err) {
  return urn_model_new(stan_path, NULL, 0, data_path, NULL, 0, seed, err);
}
void urn_model_free(urn_model *m) { (void)m; }
const char *urn_model_name(const urn_model *m) { return "model"; }
size_t urn_model_num_unconstrained(const urn_model *m) { return 0; }
size_t urn_model_num_params(const urn_model *m, int include_tp, int include_gq) { return 0; }
const char *urn_model_param_name(const urn_model *m, size_t i) { return NULL; }
int urn_model_log_density(const urn_model *m, int propto, int jacobian, const double *theta_unc, double *lp,
                          urn_error *err) {
  return urn_error_set(err, URN_EFATAL, "not implemented");
}
int urn_model_log_density_gradient(const urn_model *m, int propto, int jacobian, const double *theta_unc,
                                   double *lp, double *grad, urn_error *err) {
  return urn_error_set(err, URN_EFATAL, "not implemented");
}
int urn_model_param_constrain(const urn_model *m, int include_tp, int include_gq, const double *theta_unc,
                              double *out, urn_rng *rng, urn_error *err) {
  return urn_error_set(err, URN_EFATAL, "not implemented");
}
int urn_model_param_unconstrain_json(const urn_model *m, const char *json, size_t len, const char *json_path,
                                     double *theta_unc, urn_error *err) {
  return urn_error_set(err, URN_EFATAL, "not implemented");
}
void urn_model_set_print(urn_model *m, FILE *out) { (void)m, (void)out; }
