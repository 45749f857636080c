/* cli/compile_exe.h — CmdStan-compatible model executables.  `urn compile
 * MODEL.stan [-o PATH]` writes a copy of the running `urn` program with the
 * Stan program appended after it:
 *
 *   [urn's own ELF image][program text][program path][footer]
 *
 * The footer is EXE_TRAILER_SIZE bytes: the magic "urn-cmdstan-exe1" (16
 * bytes), then the program's length, the path's length and a reserved 0, each
 * a 64-bit little-endian integer.  The kernel maps only what the ELF headers
 * describe, so the appended bytes are inert; when urn starts it looks at the
 * end of its own file (/proc/self/exe) and, finding the footer, runs as that
 * model's CmdStan executable (cli/cmdstan_exe.c) instead of as `urn`.  The
 * executable carries its program: it keeps working when the .stan file is
 * edited, moved or deleted, and it never needs a compiler. */
#ifndef URN_CLI_COMPILE_EXE_H
#define URN_CLI_COMPILE_EXE_H

#include <stddef.h>
#include <stdio.h>

#include "urn/common.h"

#define EXE_TRAILER_MAGIC "urn-cmdstan-exe1" /* 16 bytes, no terminator stored */
#define EXE_TRAILER_MAGIC_LEN 16
#define EXE_TRAILER_SIZE 40

/* Checks the program (parse, types, lowering: every error that does not
 * depend on data) and writes the executable to out_path (NULL: CmdStan's
 * name, the program's path without ".stan"), atomically and executable.
 * Returns URN_OK, URN_EINPUT for a bad program or an output path that would
 * overwrite the program, URN_EIO when a file cannot be read or written. */
int compile_cmdstan_exe(const char *stan_path, const char *out_path, const char *include_paths, urn_error *err);
/* Parses (expanding #include: files in the program's folder, then include_paths, comma-separated, or NULL),
 * checks and lowers the program at stan_path: every error that does not depend on data, naming
 * file:line:col.  URN_OK with *text (malloc'd, length *len) the program to embed, its included files
 * inlined; or URN_EINPUT. */
int compile_program_text(const char *stan_path, const char *include_paths, char **text, size_t *len,
                         urn_error *err);

/* Opens a new temporary file beside out (OUT.tmpPID, created with O_EXCL|O_NOFOLLOW: an existing name or link
 * there is never followed) for writing the output, its name in *tmp (malloc'd, also on failure).  NULL and an
 * URN_EIO error when it cannot, or when out is not a regular file (a folder, /dev/null, /dev/full, /dev/stdout:
 * renaming over a device as root replaced the device node). */
FILE *compile_open_tmp(const char *out, char **tmp, urn_error *err);

/* The program appended to the running executable: 1 with *program (length
 * *len) and *path malloc'd when there is one, 0 when this is plain `urn`. */
int exe_trailer_load(char **program, size_t *len, char **path);

/* Runs the executable whose program is given: CmdStan's command line (cli/cmdstan_exe.c). */
int cmdstan_exe_main(int argc, char **argv, const char *program, size_t len, const char *path);

#endif
