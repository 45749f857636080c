#!/bin/sh
# tests/valgrind_urn.sh — runs $URN_REAL under valgrind's memcheck; any memory error or definite leak makes the
# command exit 99, so a CLI test that expects another status fails.  Used by `make test-valgrind`.
exec valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 "$URN_REAL" "$@"
