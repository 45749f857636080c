# bench/stan/rstan_side.R — rstan side of `make bench-stan`: for each of the tutorial
# models M1-M5 (Stan 2.21 syntax copies in bench/stan/), measure the compile
# time, microseconds per log-density gradient inside NUTS (sampler time over
# gradient evaluations), the sampling wall time of 4 chains x
# 1000/1000 and the minimum bulk-ESS; print one tab-separated line per model:
#   model  compile_s  us_per_grad  sampling_wall_s  min_ess_bulk  n_grad
# Usage: Rscript bench/stan/rstan_side.R SHARED_BENCHMARKS_DIR [models...]
suppressMessages({ library(rstan); library(jsonlite); library(posterior) })
rstan_options(boost_lib = system.file("include", package = "StanHeaders"))
args <- commandArgs(trailingOnly = TRUE)
bdir <- args[1]
models <- if (length(args) > 1) args[-1] else c("m1-normal", "m2-linreg", "m3-mixture", "m4-mixreg", "m5-glmhmm")
for (m in models) {
  data <- fromJSON(file.path(bdir, m, "data.json"))
  t0 <- Sys.time()
  sm <- stan_model(file.path("bench/stan", paste0(m, ".stan")), model_name = gsub("-", "_", m))
  compile <- as.numeric(Sys.time() - t0, units = "secs")
  initf <- "random"
  ip <- file.path(bdir, m, "inits.json")
  if (file.exists(ip)) { ini <- fromJSON(ip); initf <- function() ini }
  t0 <- Sys.time()
  fit <- sampling(sm, data = data, chains = 4, iter = 2000, warmup = 1000, cores = 2, seed = 1,
                  init = initf, refresh = 0)
  wall <- as.numeric(Sys.time() - t0, units = "secs")
  d <- as_draws_array(fit)
  s <- summarise_draws(subset_draws(d, variable = setdiff(variables(d), "lp__")), "ess_bulk")
  sp <- get_sampler_params(fit, inc_warmup = TRUE)
  ngrad <- sum(sapply(sp, function(x) sum(x[, "n_leapfrog__"])))
  us <- sum(get_elapsed_time(fit)) / ngrad * 1e6   # inside NUTS, as ../shared/benchmarks/README.md measures
  cat(sprintf("%s\t%.2f\t%.2f\t%.2f\t%.0f\t%d\n", m, compile, us, wall, min(s$ess_bulk), ngrad))
}
