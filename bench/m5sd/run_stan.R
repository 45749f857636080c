# bench/m5sd/run_stan.R — rstan side of the M5 sd-spread study: for each seed, 4 chains x 1000/1000 of the
# forward-loop GLM-HMM (bench/stan/m5-glmhmm.stan, Stan 2.21 syntax; the model of reference.json) from inits.json,
# default adaptation, chains one after the other (cores = 1); appends the run's statistics to
# OUTDIR/{quantities,sampler}.tsv (stats.R).  The compiled model is cached in /tmp/m5sd/m5-glmhmm.rds.
# Usage (from the worktree root): nice -n 10 Rscript bench/m5sd/run_stan.R OUTDIR SEED...
suppressMessages({ library(rstan); library(jsonlite) })
rstan_options(boost_lib = system.file("include", package = "StanHeaders"))
source("bench/m5sd/stats.R")
args <- commandArgs(trailingOnly = TRUE)
outdir <- args[1]
seeds <- as.integer(args[-1])
bdir <- "../shared/benchmarks/m5-glmhmm"
data <- fromJSON(file.path(bdir, "data.json"))
ini <- fromJSON(file.path(bdir, "inits.json"))
ref <- fromJSON(file.path(bdir, "reference.json"))
cache <- "/tmp/m5sd/m5-glmhmm.rds"
if (file.exists(cache)) {
  sm <- readRDS(cache)
} else {
  dir.create(dirname(cache), showWarnings = FALSE)
  sm <- stan_model("bench/stan/m5-glmhmm.stan", model_name = "m5_glmhmm")
  saveRDS(sm, cache)
}
for (seed in seeds) {
  t0 <- proc.time()
  fit <- sampling(sm, data = data, chains = 4, iter = 2000, warmup = 1000, cores = 1, seed = seed,
                  init = function() ini, refresh = 0)
  arr <- as.array(fit)                                   # iterations x chains x parameters
  sp <- get_sampler_params(fit, inc_warmup = FALSE)
  draws <- lapply(seq_len(dim(arr)[2]), function(c) {
    d <- as.data.frame(arr[, c, ])
    cbind(d, as.data.frame(sp[[c]]))
  })
  append_run(outdir, "stan", seed, draws, ref$quantities$name)
  cat(sprintf("stan seed %d done, %.0f s CPU\n", seed, (proc.time() - t0)[["user.self"]]))
}
