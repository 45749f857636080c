/* run/run_args.h — CmdStan's command-line grammar over urn_run_config: the
 * argument tree of CmdStan 2.36 (names, ranges, defaults, help), parsed as
 * CmdStan parses it (`method=sample num_samples=100 adapt delta=0.9
 * num_chains=4`: sub-arguments follow their group; an argument its group does
 * not know closes the group and is tried one level up), printed as CmdStan
 * prints it (`help-all`, and the configuration block of every output file).
 * The tree is the one home of CmdStan's argument names: urn_run_config_set
 * looks names up here too. */
#ifndef URN_RUN_ARGS_H
#define URN_RUN_ARGS_H

#include "urn/run.h"
#include "util/util.h"

/* What a command line asks for. */
typedef enum rn_args_action {
  RN_ARGS_RUN = 0, /* run cfg.method */
  RN_ARGS_HELP,    /* help was printed into out: exit 0 */
  RN_ARGS_INFO,    /* `info`: print the build information, exit 0 */
  RN_ARGS_ERROR    /* the command line is invalid: err holds the messages, exit non-zero */
} rn_args_action;

typedef struct rn_args {
  urn_run_config cfg;      /* defaults, then the command line's settings */
  const char *method;      /* the chosen method's name ("sample", "variational", ...) */
  const char *unsupported; /* a setting urn cannot run, e.g. "method=variational", or NULL */
  int seed_given;          /* random seed= was given (else the caller picks one from the clock) */
  int num_threads_given;   /* num_threads= was given */
  int log_prob_unconstrained; /* log_prob: the points are unconstrained_params= (else constrained_params=) */
  int jacobian_given;      /* jacobian= was given (else the method's default: 1 for laplace and log_prob) */
  char unsupported_buf[160]; /* the text unsupported points to */
  urn_buf out;             /* help text to print on stdout */
  urn_buf err;             /* error lines to print on stderr */
} rn_args;

/* Parses argv[1..argc) (argv[0] is the program, named in the usage text).
 * The strings in a->cfg point into argv.  Free with rn_args_free. */
rn_args_action rn_args_parse(rn_args *a, int argc, char **argv);
void rn_args_free(rn_args *a);
/* Prints the whole argument tree with descriptions (CmdStan's help-all) into b. */
void rn_args_help_all(urn_buf *b);
/* The argument tree of cfg, one line per argument (what CmdStan prints on the console before it runs). */
void rn_args_print(const urn_run_config *cfg, void (*put)(void *ctx, const char *line), void *ctx);

#endif
