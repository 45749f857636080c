# bench/stan/ess_seeds.R — Stan's run-to-run spread of sampling efficiency: one tutorial model (2.21-syntax copy in
# bench/stan/) sampled by rstan at seeds 1..n, 4 chains x 1000/1000 (from the benchmark's inits.json when it has
# one), one line per seed, tab-separated:
#   model seed min_bulk_ess min_tail_ess gradients(warmup+sampling) post-warmup_gradients mean_stepsize
#   sampling_seconds(summed over chains) per-quantity bulk-ESS
# bench/bench_sample.sh compares urn with the means of these lines (its STAN_SEEDS note); bench/stan/urn_seeds.sh
# prints the same columns for urn.  Usage: Rscript bench/stan/ess_seeds.R SHARED_BENCHMARKS_DIR MODEL N
suppressMessages({ library(rstan); library(jsonlite); library(posterior) })
rstan_options(boost_lib = system.file("include", package = "StanHeaders"))
args <- commandArgs(trailingOnly = TRUE)
bdir <- args[1]; m <- args[2]; nseed <- as.integer(args[3])
data <- fromJSON(file.path(bdir, m, "data.json"))
sm <- stan_model(file.path("bench/stan", paste0(m, ".stan")), model_name = gsub("-", "_", m))
initf <- "random"
ip <- file.path(bdir, m, "inits.json")
if (file.exists(ip)) { ini <- fromJSON(ip); initf <- function() ini }
for (seed in 1:nseed) {
  fit <- sampling(sm, data = data, chains = 4, iter = 2000, warmup = 1000, cores = 1, seed = seed, refresh = 0,
                  init = initf)
  d <- as_draws_array(fit)
  s <- summarise_draws(subset_draws(d, variable = setdiff(variables(d), "lp__")), "ess_bulk", "ess_tail")
  sp <- get_sampler_params(fit, inc_warmup = TRUE)
  ngrad <- sum(sapply(sp, function(x) sum(x[, "n_leapfrog__"])))
  spp <- get_sampler_params(fit, inc_warmup = FALSE)
  ngs <- sum(sapply(spp, function(x) sum(x[, "n_leapfrog__"])))
  eps <- mean(sapply(spp, function(x) x[1, "stepsize__"]))
  samp <- sum(get_elapsed_time(fit)[, "sample"])
  cat(sprintf("%s\t%d\t%.0f\t%.0f\t%d\t%d\t%.4f\t%.3f\t%s\n", m, seed, min(s$ess_bulk), min(s$ess_tail), ngrad, ngs,
              eps, samp, paste(sprintf("%.0f", s$ess_bulk), collapse = ",")))
}
