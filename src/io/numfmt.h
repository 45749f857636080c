/* io/numfmt.h — fast printf("%.*g") for the draw writer: the same characters
 * as the C library prints, at a fraction of its cost. */
#ifndef URN_IO_NUMFMT_H
#define URN_IO_NUMFMT_H

#include <stddef.h>

/* Longest text urn_fmt_g writes, with its terminating NUL. */
#define URN_FMT_G_MAX 32

/* Writes x as snprintf(out, URN_FMT_G_MAX, "%.*g", sig, x) would (sig in 1..17; nan/inf as the C library
 * spells them) and returns the length.  Every value takes the fast path except the few whose correctly rounded
 * digits cannot be decided from a double-precision scaling (a fraction within a few ulps of one half, exact
 * ties, subnormals, exponents beyond +-300): those go to snprintf itself, so the text is always identical. */
size_t urn_fmt_g(char *out, double x, int sig);

#endif
