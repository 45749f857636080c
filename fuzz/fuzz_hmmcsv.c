/* fuzz/fuzz_hmmcsv.c — libFuzzer target for the HMM data reader (`urn hmm fit`
 * CSV files): reading, column lookup, numbers, sequence splitting.  The reader
 * takes a path, so each input goes through a file in /dev/shm (or /tmp). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "hmm/hmm_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "%s/urn-fuzz-hmm-%d.csv", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp",
           (int)getpid());
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  urn_error err;
  urn_hmm_csv csv;
  if (urn_hmm_csv_read(path, &csv, &err) == URN_OK) {
    if (csv.ncol > 0) {
      int *idx = NULL, n = 0;
      if (urn_hmm_csv_columns(&csv, csv.header[0], &idx, &n, &err) == URN_OK) {
        double *out = malloc((csv.nrow ? csv.nrow : 1) * (size_t)n * sizeof *out);
        (void)urn_hmm_csv_numbers(&csv, idx, n, out, &err);
        free(out);
        size_t *starts = NULL, nseq = 0;
        if (urn_hmm_csv_split(&csv, idx[0], &starts, &nseq, &err) == URN_OK) free(starts);
        free(idx);
      }
    }
    urn_hmm_csv_free(&csv);
  }
  unlink(path);
  return 0;
}
