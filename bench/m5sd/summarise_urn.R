# bench/m5sd/summarise_urn.R — reads one urn run's Stan CSV files (DIR/*-1.csv ... *-4.csv) and appends its
# statistics to bench/m5sd/quantities.tsv and sampler.tsv (stats.R).
# Usage: Rscript bench/m5sd/summarise_urn.R OUTDIR ENGINE SEED CSVDIR
args <- commandArgs(trailingOnly = TRUE)
source("bench/m5sd/stats.R")
files <- sort(list.files(args[4], pattern = "-[0-9]+\\.csv$", full.names = TRUE))
draws <- lapply(files, function(f) {
  d <- read.csv(f, comment.char = "#", check.names = FALSE)
  names(d) <- vapply(names(d), bracket_name, "")
  d
})
ref <- jsonlite::fromJSON("../shared/benchmarks/m5-glmhmm/reference.json")
append_run(args[1], args[2], as.integer(args[3]), draws, ref$quantities$name)
