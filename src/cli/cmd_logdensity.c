/* cli/cmd_logdensity.c — `urn logdensity model.stan --data d.json --params p.json
 * [--propto] [--no-jacobian]`: the log density on the unconstrained scale at
 * the constrained parameter values of p.json, and its gradient, as one JSON
 * object {"lp": <number>, "gradient": [<numbers>]}. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "urn/model.h"
#include "util/util.h"

static void usage(void) {
  printf("usage: urn logdensity model.stan --data d.json --params p.json [--propto] [--no-jacobian] [--timeout S]\n"
         "       [--include-paths DIR[,DIR]]\n"
         "  prints {\"lp\": ..., \"gradient\": [...]}: the log density at the unconstrained point of the\n"
         "  constrained values in p.json (Jacobian included unless --no-jacobian, constants included\n"
         "  unless --propto) and its gradient with respect to the unconstrained parameters\n");
}

int cmd_logdensity(int argc, char **argv) {
  cli_args a;
  cli_init(&a, "logdensity", argc, argv);
  const char *model = NULL, *data = NULL, *params = NULL, *incp = NULL;
  int propto = 0, jacobian = 1;
  double timeout = 0;
  while (!cli_done(&a)) {
    const char *arg = cli_peek(&a);
    if (cli_is_help(arg)) { usage(); return 0; }
    if (cli_value(&a, "--data", &data) || cli_value(&a, "--params", &params)) continue;
    if (cli_value(&a, "--include-paths", &incp)) continue;
    if (cli_flag(&a, "--propto")) { propto = 1; continue; }
    if (cli_flag(&a, "--no-jacobian")) { jacobian = 0; continue; }
    if (cli_timeout(&a, &timeout)) continue;
    if (arg[0] == '-' && arg[1]) cli_unknown(&a);
    if (model) cli_die(&a, 2, "more than one model file given ('%s' and '%s')", model, arg);
    model = cli_next(&a);
  }
  if (!model) cli_die(&a, 2, "missing the model file (usage: urn logdensity model.stan --data d.json --params p.json)");
  if (!params) cli_die(&a, 2, "missing --params p.json");
  urn_error err;
  urn_error_clear(&err);
  urn_model_options mopt;
  cli_model_options(&mopt);
  mopt.stop = cli_stop_install(timeout), mopt.include_paths = incp; /* SIGINT, SIGTERM, --timeout stop any evaluation */
  urn_model *m = urn_model_load(model, data, &mopt, &err);
  if (!m) {
    fprintf(stderr, "%s\n", err.msg);
    return cli_stop_code() ? cli_stop_code() : 1;
  }
  fputs(urn_model_warnings(m), stderr);

  size_t plen;
  char *ptext = urn_read_file(params, &plen, &err);
  if (!ptext) {
    fprintf(stderr, "%s\n", err.msg);
    urn_model_free(m);
    return 1;
  }
  size_t n = urn_model_num_unconstrained(m);
  double *theta = urn_xcalloc(n ? n : 1, sizeof *theta), *grad = urn_xcalloc(n ? n : 1, sizeof *grad);
  int rc = urn_model_param_unconstrain_json(m, ptext, plen, params, theta, &err);
  free(ptext);
  double lp = 0;
  if (rc == URN_OK) rc = urn_model_log_density_gradient(m, propto, jacobian, theta, &lp, grad, &err);
  if (rc != URN_OK) {
    fprintf(stderr, "%s\n", err.msg);
    free(theta), free(grad), urn_model_free(m);
    return cli_stop_code() ? cli_stop_code() : 1;
  }
  char num[64];
  urn_format_double(num, sizeof num, lp);
  printf("{\"lp\": %s, \"gradient\": [", num);
  for (size_t i = 0; i < n; i++) {
    urn_format_double(num, sizeof num, grad[i]);
    printf("%s%s", i ? ", " : "", num);
  }
  printf("]}\n");
  free(theta), free(grad), urn_model_free(m);
  return 0;
}
