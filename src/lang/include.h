/* lang/include.h — Stan's `#include` (lang/include.c): a program's included files expanded into one text,
 * with the map from its lines back to each file's own lines for messages. */
#ifndef URN_LANG_INCLUDE_H
#define URN_LANG_INCLUDE_H

#include <stddef.h>

#include "urn/common.h"
#include "util/util.h"

/* From line `line` of the expanded text on (1-based), lines come from file `path`, starting at its line
 * `fline`; the next segment ends it. */
typedef struct urn_srcseg {
  int line;         /* first line of the expanded text in this segment */
  const char *path; /* the file those lines come from (as found: the includer's folder or an include path) */
  int fline;        /* that file's line number of the segment's first line */
} urn_srcseg;

/* What urn_include_expand produces when the program includes files (all zero when it does not). */
typedef struct urn_include_result {
  char *text;        /* the expanded program (malloc'd, NUL-terminated); NULL when nothing was included */
  size_t len;        /* its length in bytes */
  urn_srcseg *segs;  /* the line map, in order of line (arena) */
  int nsegs;         /* number of segments */
  const char **files; /* every included file once, in order of first inclusion (arena) */
  int nfiles;        /* number of files */
} urn_include_result;

/* Expands every `#include` of the program src[0..len) read from path, looking for files in path's folder,
 * then in include_paths (comma-separated folders; NULL for none).  On success res->text is the expanded
 * text, or NULL when the program includes nothing.  A missing or unreadable file, a file that includes
 * itself (directly or not), or a malformed directive is URN_EINPUT with "file:line:col: #include: ..." naming
 * the directive.  The map's strings live in arena. */
int urn_include_expand(const char *path, const char *src, size_t len, const char *include_paths, urn_arena *arena,
                       urn_include_result *res, urn_error *err);

/* The file and its line (*fline) that line `line` of an expanded text comes from; path and line itself when
 * there is no map (nsegs == 0). */
const char *urn_srcmap_where(const urn_srcseg *segs, int nsegs, const char *path, int line, int *fline);

#endif
