# bench/pdb/rstan_side.R -- the rstan (Stan 2.21) side of `make bench-pdb` (bench/pdb/run.sh).
# Usage: Rscript bench/pdb/rstan_side.R MODE CACHE_DIR SEED POSTERIOR_DIR...
#   MODE check:   stanc (parse only, seconds) each DIR/model221.stan; prints "name<TAB>ok" or
#                 "name<TAB>stanc: <first line of the message>"
#   MODE compile: compiles each program not in CACHE_DIR yet (saveRDS of the stanmodel, named by the
#                 md5 of model221.stan, so posteriors sharing a program compile once); prints
#                 "name<TAB>compiled <s>" / "cached" / "compile failed: <reason>"
#   MODE run:     one chain, WARMUP warmup + DRAWS draws (environment variables; default 1000 + 1000), seed SEED, random inits, of each cached
#                 program on DIR/data.json; prints "name<TAB>ok<TAB>n_grad<TAB>seconds<TAB>us_per_grad"
#                 where n_grad sums n_leapfrog__ over warmup and sampling and seconds is
#                 get_elapsed_time (warmup + sampling; the least of 3 runs when under 2 s), or
#                 "name<TAB><reason>"
suppressMessages({ library(rstan); library(jsonlite); library(tools) })
rstan_options(boost_lib = system.file("include", package = "StanHeaders"))
args <- commandArgs(trailingOnly = TRUE)
mode <- args[1]; cache <- args[2]; seed <- as.integer(args[3]); dirs <- args[-(1:3)]
warmup <- as.integer(Sys.getenv("WARMUP", "1000")); draws <- as.integer(Sys.getenv("DRAWS", "1000"))
dir.create(cache, showWarnings = FALSE, recursive = TRUE)
first_line <- function(e) {
  m <- strsplit(conditionMessage(e), "\n")[[1]]
  m <- m[nzchar(trimws(m)) & !grepl("^-+$|^ *\\^ *$", m)]
  gsub("\t", " ", paste(head(m, 2), collapse = " / "))
}
for (d in dirs) {
  name <- basename(d)
  f <- file.path(d, "model221.stan")
  if (!file.exists(f)) { cat(sprintf("%s\tno model221.stan\n", name)); next }
  rds <- file.path(cache, paste0(md5sum(f), ".rds"))
  if (mode == "check") {
    r <- tryCatch({ stanc(f, model_name = "m"); "ok" }, error = function(e) paste("stanc:", first_line(e)))
    cat(sprintf("%s\t%s\n", name, r))
  } else if (mode == "compile") {
    if (file.exists(rds)) { cat(sprintf("%s\tcached\n", name)); next }
    t0 <- Sys.time()
    r <- tryCatch({
      sm <- stan_model(f, model_name = "m")
      saveRDS(sm, paste0(rds, ".tmp")); file.rename(paste0(rds, ".tmp"), rds)
      sprintf("compiled %.0f", as.numeric(Sys.time() - t0, units = "secs"))
    }, error = function(e) paste("compile failed:", first_line(e)))
    cat(sprintf("%s\t%s\n", name, r))
  } else if (mode == "run") {
    if (!file.exists(rds)) { cat(sprintf("%s\tnot compiled\n", name)); next }
    r <- tryCatch({
      sm <- readRDS(rds)
      data <- fromJSON(file.path(d, "data.json"))
      fit <- sampling(sm, data = data, chains = 1, iter = warmup + draws, warmup = warmup, seed = seed, refresh = 0)
      sp <- get_sampler_params(fit, inc_warmup = TRUE)
      ngrad <- sum(sapply(sp, function(x) sum(x[, "n_leapfrog__"])))
      secs <- sum(get_elapsed_time(fit))
      # a short run is repeated (same seed: the same draws and gradients) and the least time kept, as on
      # urn's side: on a loaded machine one run of under 2 s varies by up to 2x
      for (rep in 1:2) if (secs < 2) {
        fit <- sampling(sm, data = data, chains = 1, iter = warmup + draws, warmup = warmup, seed = seed, refresh = 0)
        secs <- min(secs, sum(get_elapsed_time(fit)))
      }
      sprintf("ok\t%d\t%.4f\t%.4f", ngrad, secs, 1e6 * secs / ngrad)
    }, error = function(e) paste("sampling failed:", first_line(e)))
    cat(sprintf("%s\t%s\n", name, r))
  }
  flush(stdout())
}
