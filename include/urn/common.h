/* urn/common.h — status codes and the error record shared by every part of the
 * public API.  Every fallible function returns an int status (URN_OK on
 * success) and, when given a non-NULL urn_error, fills it with a message that
 * names the file, line and column or the variable at fault. */
#ifndef URN_COMMON_H
#define URN_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* Marks the public API: liburn.so is built with -fvisibility=hidden and
 * exports only the declarations carrying URN_API. */
#if defined(__GNUC__) || defined(__clang__)
#define URN_API __attribute__((visibility("default")))
#else
#define URN_API
#endif

enum urn_status {
  URN_OK = 0,      /* success */
  URN_EREJECT = 1, /* the log density rejected this point (domain error, reject()):
                      a sampler treats it as a rejected proposal */
  URN_EINPUT = 2,  /* bad input: program, data, options or file contents */
  URN_EIO = 3,     /* a file could not be read or written */
  URN_ENOMEM = 4,  /* out of memory, or a size too large to allocate */
  URN_EFATAL = 5,  /* fatal_error() or an internal failure */
  URN_EINTR = 6    /* interrupted by a signal (SIGINT/SIGTERM) */
};

typedef struct urn_error {
  int code;        /* one of enum urn_status; URN_OK when no error */
  char msg[2048];  /* human-readable message, "file:line:col: text" where it applies */
} urn_error;

/* Sets *err (if not NULL) to code and a printf-formatted message; returns code. */
URN_API int urn_error_set(urn_error *err, int code, const char *fmt, ...)
            __attribute__((format(printf, 3, 4)));
/* Clears *err to URN_OK and an empty message. */
URN_API void urn_error_clear(urn_error *err);

/* The library version, e.g. "0.1.0". */
URN_API const char *urn_version(void);

#endif
