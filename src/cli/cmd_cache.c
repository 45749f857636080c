/* cli/cmd_cache.c — `urn cache`: where the native tier keeps its compiled models ($XDG_CACHE_HOME/urn, else
 * ~/.cache/urn; docs/autodiff.md), how many objects and bytes it holds, and `--clear` to remove them (only the
 * tier's own files, urn-native-*; the folder and anything else in it stay). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "native/native.h"

static void usage(void) {
  printf("usage: urn cache [--clear]\n\n"
         "The native tier's cache: compiled model blocks (urn sample --native), at most %d objects, the least\n"
         "recently used removed first.  Prints the folder ($XDG_CACHE_HOME/urn, else ~/.cache/urn), the number of\n"
         "files and their size.\n\n"
         "  --clear   remove the compiled objects (the next runs compile again when it pays off)\n",
         URN_NAT_CACHE_MAX);
}

int cmd_cache(int argc, char **argv) {
  cli_args a;
  cli_init(&a, "cache", argc, argv);
  int clear = 0;
  while (!cli_done(&a)) {
    const char *arg = cli_peek(&a);
    if (cli_is_help(arg)) { usage(); return 0; }
    if (cli_flag(&a, "--clear")) { clear = 1; continue; }
    cli_unknown(&a);
  }
  char dir[4096];
  cli_native_cache_dir(dir, sizeof dir);
  size_t n, bytes;
  if (urn_nat_cache_scan(dir, clear, &n, &bytes)) {
    fprintf(stderr, "urn cache: %s: %s\n", dir, strerror(errno));
    return 1;
  }
  if (clear) printf("%s: removed %zu files (%.1f MB)\n", dir, n, (double)bytes / 1e6);
  else printf("%s: %zu files (%.1f MB)\n", dir, n, (double)bytes / 1e6);
  return 0;
}
