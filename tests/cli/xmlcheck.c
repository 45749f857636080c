/* tests/cli/xmlcheck.c — a command-line front end to tests/xml_check.h for the
 * CLI tests: `xmlcheck FILE...` prints "FILE: ok" or "FILE: <reason>" per file
 * and exits 1 if any file is not well-formed XML (with finite SVG geometry).
 * The tests compile it into their temporary directory; it is not part of urn. */
#include <stdio.h>
#include <stdlib.h>

#include "xml_check.h"

int main(int argc, char **argv) {
  int bad = 0;
  for (int i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "rb");
    if (!f) {
      printf("%s: cannot open\n", argv[i]);
      bad = 1;
      continue;
    }
    size_t cap = 1 << 16, len = 0, got;
    char *text = malloc(cap);
    while (text && (got = fread(text + len, 1, cap - len - 1, f)) > 0)
      if ((len += got) + 1 == cap) text = realloc(text, cap *= 2);
    fclose(f);
    if (!text) return 2;
    text[len] = 0;
    char msg[512];
    if (xml_check(text, msg, sizeof msg))
      printf("%s: ok\n", argv[i]);
    else
      printf("%s: %s\n", argv[i], msg), bad = 1;
    free(text);
  }
  return bad;
}
