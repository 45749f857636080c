#!/bin/sh
# tests/conformance_lang.sh BUILD [runner options] — unpacks stanc3's integration tests
# (../shared/stanc3/integration-tests.tar.xz, or $URN_SHARED/stanc3/...) into BUILD/stanc3-tests
# (again only when the archive is newer) and runs BUILD/tests/conformance_lang on them with the
# committed exceptions list (tests/data/conformance_lang_exceptions.txt).  Used by
# `make conformance-lang`, `make conformance-lang-update` and tests/cli/test_conformance_lang.sh.
# Exit 3 (with one `skipped:` line) when the archive is absent.
build=${1:-build}; shift
shared=${URN_SHARED:-../shared}
tarball=$shared/stanc3/integration-tests.tar.xz
if [ ! -f "$tarball" ]; then
  echo "skipped: no $tarball (stanc3's test programs; set URN_SHARED)"
  exit 3
fi
dest=$build/stanc3-tests
if [ ! -f "$dest/.unpacked" ] || [ "$tarball" -nt "$dest/.unpacked" ]; then
  rm -rf "$dest" && mkdir -p "$dest" && tar -xJf "$tarball" -C "$dest" && touch "$dest/.unpacked" || {
    echo "conformance_lang.sh: cannot unpack $tarball into $dest" >&2; exit 2; }
fi
exec "$build/tests/conformance_lang" --exceptions tests/data/conformance_lang_exceptions.txt "$@" "$dest"
