# tests/cli/test_conformance_lang.sh — the language conformance suite in `make test`: every one of
# stanc3's 2,419 integration-test programs (good/ must pass `urn check`, bad/ must be refused) is
# checked against the committed list of programs whose verdict is still wrong
# (tests/data/conformance_lang_expected.txt): any other program with a wrong verdict is a regression,
# and a listed program that now has the right verdict must leave the list (`make
# conformance-lang-update`).  Every accepted good/ program is also formatted (urn format, plain and
# --canonical) and the results must check, be stable and keep the meaning (--format of the runner).
# One check per program.  Skipped, with one line, without ../shared.
. tests/cli/lib.sh
BUILD=$(dirname "$URN")
sh tests/conformance_lang.sh "$BUILD" --quiet --format --expect tests/data/conformance_lang_expected.txt
rc=$?
[ $rc = 3 ] && { done_tests; exit $?; }
exit $rc
