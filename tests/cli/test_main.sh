# tests/cli/test_main.sh — global CLI behaviour: help, version, unknown commands.
. tests/cli/lib.sh
expect_exit 0 "$URN" --help; expect_out "usage: urn <command>"
expect_exit 0 "$URN" --version; expect_out "urn 0."
expect_exit 2 "$URN"
expect_exit 2 "$URN" frobnicate; expect_err "urn: unknown command 'frobnicate'"
expect_exit 2 "$URN" --frob; expect_err "urn: unknown option '--frob'"
for c in sample optimize generate check logdensity summary hmm plot tutorial; do
  expect_exit 0 "$URN" $c --help; expect_out "usage: urn $c"
done
done_tests
