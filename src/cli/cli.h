/* cli/cli.h — what the subcommands share: their entry points, and a small
 * option parser with uniform errors ("urn CMD: ..." and exit 2 for usage errors).
 *
 * Each subcommand lives in its own file cli/cmd_NAME.c and is called with
 * argv[0] = "NAME".  Exit codes: 0 success, 1 the input is invalid (model,
 * data, files), 2 usage error (unknown command/option, bad option value),
 * 130/143 interrupted by SIGINT/SIGTERM, 124 stopped by --timeout. */
#ifndef URN_CLI_H
#define URN_CLI_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

int cmd_check(int argc, char **argv);
int cmd_logdensity(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_optimize(int argc, char **argv);
int cmd_pathfinder(int argc, char **argv);
int cmd_variational(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_summary(int argc, char **argv);
int cmd_hmm(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_tutorial(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_cmdstan_home(int argc, char **argv);
int cmd_stansummary(int argc, char **argv);
int cmd_diagnose(int argc, char **argv);
int cmd_stanc(int argc, char **argv);
int cmd_format(int argc, char **argv);
int cmd_cache(int argc, char **argv);

typedef struct cli_args {
  int argc;        /* number of arguments, argv[0] is the command name */
  char **argv;     /* the arguments */
  int pos;         /* next argument to look at */
  const char *cmd; /* command name for messages, e.g. "sample" or "hmm fit" */
} cli_args;

void cli_init(cli_args *a, const char *cmd, int argc, char **argv); /* pos starts at 1 */
int cli_done(const cli_args *a);                 /* no arguments left */
const char *cli_peek(const cli_args *a);         /* current argument or NULL */
const char *cli_next(cli_args *a);               /* take the current argument */
/* If the current argument is the flag `name`, consume it and return 1. */
int cli_flag(cli_args *a, const char *name);
/* If the current argument is `name VALUE` or `name=VALUE`, consume it, set
 * *out and return 1; a missing value is a usage error. */
int cli_value(cli_args *a, const char *name, const char **out);
/* Like cli_value but parse an integer in [lo, hi] / a double in (lo, hi) or
 * [lo, hi] (open when `open` is nonzero); a bad value is a usage error. */
int cli_int(cli_args *a, const char *name, long lo, long hi, long *out);
int cli_double(cli_args *a, const char *name, double lo, double hi, int open, double *out);
/* If the current argument is `--seed N`, consume it, set *out to N (a non-negative integer below 2^64; anything
 * else is a usage error) and return 1. */
int cli_seed(cli_args *a, unsigned long long *out);
/* Usage error for the current argument: unknown option / unexpected argument. */
_Noreturn void cli_unknown(const cli_args *a);
/* Prints "urn CMD: message" to stderr and exits with code. */
_Noreturn void cli_die(const cli_args *a, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Is this argument a request for help (-h, --help)? */
int cli_is_help(const char *arg);

/* urn_model_options_default, plus no_batch from URN_NOBATCH=1 in the environment (docs/autodiff.md: the
 * library reads no environment; the CLI passes it on). */
typedef struct urn_model_options urn_model_options;
void cli_model_options(urn_model_options *opt);
/* The native tier per --native MODE (off, on, wait, auto): the cache folder (cli_native_cache_dir) is written into
 * cache (cap bytes, which must outlive the model's loading), the compiler from $CC (else cc). */
void cli_native_options(urn_model_options *opt, const char *mode, char *cache, size_t cap);
/* The native tier's cache folder: $XDG_CACHE_HOME/urn, else $HOME/.cache/urn, else /tmp/urn-cache-UID. */
void cli_native_cache_dir(char *cache, size_t cap);

/* Stopping a command: SIGINT, SIGTERM and the --timeout limit raise one flag that the library polls (model
 * evaluations end at their next loop iteration, chains after their current iteration, reads of a FIFO return).
 * A second SIGINT or SIGTERM ends the process at once.  The flag is the CLI's only process-wide state; the
 * library never sees more than the pointer. */
/* Installs the handlers (without SA_RESTART, so a blocking read returns) and, when timeout > 0, a one-shot timer
 * of that many seconds; returns the flag. */
volatile sig_atomic_t *cli_stop_install(double timeout);
/* 0 when not stopped; else the exit code: 130 (SIGINT), 143 (SIGTERM), 124 (the --timeout limit). */
int cli_stop_code(void);
/* "interrupted (SIGINT)", "stopped by SIGTERM", "stopped at the time limit (--timeout 10 s)"; "" when not stopped. */
const char *cli_stop_reason(void);
/* Also stop this run (urn_run_stop) when the flag is raised; NULL detaches. */
typedef struct urn_run urn_run;
void cli_stop_attach(urn_run *r);
/* The exit code for a failed command: cli_stop_code() when stopped, else 1. */
int cli_fail_code(void);
/* The Stan CSV files of an interrupted run: says which files lost an incomplete last line, and, when the chains
 * have different numbers of draws, cuts them to the shortest (urn_stancsv_trim) and says so on stderr. */
typedef struct urn_stancsv urn_stancsv;
void cli_trim_chains(const char *cmd, urn_stancsv *files, size_t n_files);
/* Loads a model as the single-process commands do: cli_model_options with seed (transformed data's _rng), the
 * #include folders incp and the stop flag of cli_stop_install(timeout) (SIGINT, SIGTERM and --timeout stop any
 * evaluation, transformed data's included); prints the model's warnings to stderr.  On failure prints the
 * message and returns NULL (the command then exits with cli_fail_code()). */
typedef struct urn_model urn_model;
urn_model *cli_load_model(const char *stan_path, const char *data_path, uint64_t seed, const char *incp,
                          double timeout);
/* The Stan CSV path of a one-file command into path: output when given, else <model>-output/<model>-<suffix>.csv
 * (the folder created when missing). */
void cli_output_path(char *path, size_t cap, const char *output, const urn_model *m, const char *suffix);
/* If the current argument is `--timeout SECONDS` (a positive number), consume it, set *out and return 1. */
int cli_timeout(cli_args *a, double *out);

#include "urn/hmm.h"

/* Running under mpirun (cli/cli_mpi.c; only a `make MPI=1` build has MPI, the others see one rank).  main
 * initializes MPI for the commands that use it (sample, hmm) and finalizes it when they return; a command
 * that exits early (usage errors, the same on every rank) leaves mpirun to end the others. */
void cli_mpi_init(int *argc, char ***argv);
void cli_mpi_finalize(void);
int cli_mpi_rank(void); /* this process's rank (0 without MPI) */
int cli_mpi_size(void); /* the number of ranks (1 without MPI) */
/* Every rank's status agreed: the lowest failing rank's status and message ("rank R: ...") on every rank. */
int cli_mpi_agree(int status, urn_error *err);
/* A data path with "{rank}" replaced by this rank's number (into buf), else path itself. */
const char *cli_mpi_path(const char *path, char *buf, size_t cap);
/* The block [*first, *first + *count) of n items this rank takes (all of them without MPI). */
void cli_mpi_block(size_t n, size_t *first, size_t *count);
/* The largest of every rank's v, the sum of every rank's n (v, n without MPI). */
int cli_mpi_max(int v);
size_t cli_mpi_sum(size_t n);
/* Reads a CSV data file (hmm/hmm_csv.h) shared by every rank, each rank only its part: the rows between
 * cuts at sequence boundaries (column seqcol; NULL: one sequence, rank 0's) near equal byte shares, in rank
 * order, with the file's line numbers; a rank's part may have no rows.  Collective; one rank: the whole file. */
struct urn_hmm_csv;
int cli_mpi_csv_read(const char *path, const char *seqcol, struct urn_hmm_csv *csv, urn_error *err);
/* After cli_mpi_csv_read and the cut into sequences (starts, nseq; column col): a sequence that resumes on a later
 * rank is the error one process gives (its file line), on every rank.  Collective; 0 with one rank. */
int cli_mpi_csv_runs_check(const struct urn_hmm_csv *csv, int col, const size_t *starts, size_t nseq, urn_error *err);
/* urn sample's report under mpirun: each rank > 0 sends its chains' results, draws and process CPU seconds;
 * rank 0 gets every chain's (its own from r first, then rank 1's, ...; *draws[c] for c >= its own count are
 * malloc'd) and the CPU seconds summed into *cpu. */
typedef struct urn_run urn_run;
typedef struct urn_chain_result urn_chain_result;
void cli_mpi_send_chains(const urn_run *r, double cpu);
void cli_mpi_recv_chains(const urn_run *r, int total, urn_chain_result **res, const double ***draws, double *cpu);
/* map_rect over ranks (urn sample with fewer chains than ranks): the ranks form groups of `group` consecutive
 * ranks, one chain each (every rank calls cli_mpi_map_split, collectively; 0 or an error status and message).
 * A group's first rank runs the chain between cli_mpi_map_begin and cli_mpi_map_end, its map_rect jobs spread
 * over the group; the others run cli_mpi_map_serve until that end. */
typedef struct urn_model urn_model;
int cli_mpi_map_split(int group, urn_error *err);
void cli_mpi_map_begin(urn_model *m);
void cli_mpi_map_end(void);
void cli_mpi_map_serve(urn_model *m);
/* urn_hmm_fit_best over every rank's sequences (urn_mpi_hmm_fit_best), or in this process without MPI. */
int cli_mpi_hmm_fit_best(const urn_hmm_model *m, const urn_hmm_seq *seqs, size_t nseq, const urn_hmm_fit_opts *opts,
                         urn_hmm_init_method init, const urn_hmm_params *given, int restarts, uint64_t seed,
                         urn_hmm_params *best, double *trace, urn_hmm_fit_report *report,
                         const urn_hmm_fit_callbacks *cb, urn_error *err);

#endif
