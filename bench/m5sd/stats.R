# bench/m5sd/stats.R — shared by run_stan.R and summarise_urn.R: per-run statistics of the M5 GLM-HMM draws,
# computed with R's posterior package (the estimators of ../shared/posteriordb/README.md) so urn and rstan runs
# are measured by the same code.  Appends to two tab-separated files:
#   quantities.tsv: engine seed name mean sd ess_bulk ess_basic ess_sq ess_abs rhat chain_sd_cv
#     ess_sq = ESS of the squared deviations (x - mean)^2 (split chains, Geyer), what the sd's error follows;
#     ess_abs = posterior::ess_sd (ESS of |x - mean|); chain_sd_cv = sd over the 4 chains of the per-chain sd,
#     divided by the pooled sd.
#   sampler.tsv: engine seed chain stepsize mean_treedepth mean_n_leapfrog mean_accept_stat divergent
#     (post-warmup draws only).
suppressMessages(library(posterior))

# bracket names: "p0.1" / "A.3.1" (Stan CSV) -> "p0[1]" / "A[3,1]"
bracket_name <- function(n) {
  parts <- strsplit(n, ".", fixed = TRUE)[[1]]
  if (length(parts) == 1) return(n)
  sprintf("%s[%s]", parts[1], paste(parts[-1], collapse = ","))
}

# x: iterations x chains matrix of one quantity
quantity_row <- function(x) {
  m <- mean(x)
  dev2 <- (x - m)^2
  csd <- apply(x, 2, sd)
  c(mean = m, sd = sd(as.vector(x)), ess_bulk = ess_bulk(x), ess_basic = ess_basic(x),
    ess_sq = ess_basic(dev2), ess_abs = ess_sd(x), rhat = rhat(x), chain_sd_cv = sd(csd) / sd(as.vector(x)))
}

# draws: list over chains of data frames with bracket-named columns of the quantities, plus the sampler columns
# accept_stat__, stepsize__, treedepth__, n_leapfrog__, divergent__ (post-warmup only).
append_run <- function(outdir, engine, seed, draws, names) {
  qf <- file.path(outdir, "quantities.tsv")
  sf <- file.path(outdir, "sampler.tsv")
  if (!file.exists(qf))
    cat("engine\tseed\tname\tmean\tsd\tess_bulk\tess_basic\tess_sq\tess_abs\trhat\tchain_sd_cv\n", file = qf)
  if (!file.exists(sf))
    cat("engine\tseed\tchain\tstepsize\tmean_treedepth\tmean_n_leapfrog\tmean_accept_stat\tdivergent\n", file = sf)
  for (nm in names) {
    x <- sapply(draws, function(d) d[[nm]])
    r <- quantity_row(x)
    cat(sprintf("%s\t%d\t%s\t%s\n", engine, seed, nm, paste(sprintf("%.8g", r), collapse = "\t")), file = qf,
        append = TRUE)
  }
  for (c in seq_along(draws)) {
    d <- draws[[c]]
    cat(sprintf("%s\t%d\t%d\t%.6g\t%.4f\t%.3f\t%.4f\t%d\n", engine, seed, c, d$stepsize__[1], mean(d$treedepth__),
                mean(d$n_leapfrog__), mean(d$accept_stat__), sum(d$divergent__)), file = sf, append = TRUE)
  }
}
