"""python/tests/run.py -- runs every test of the package (unittest) and ends
with the line "N passed, N failed" that tests/run_tests.sh counts; a test
skipped for a missing optional package prints a "skipped:" line."""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

if __name__ == "__main__":
    # a background job of a non-interactive shell starts with SIGINT ignored, and then Python installs no
    # KeyboardInterrupt handler and _thread.interrupt_main() does nothing: the interrupt tests need the handler
    import signal
    signal.signal(signal.SIGINT, signal.default_int_handler)
    suite = unittest.defaultTestLoader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    res = unittest.TextTestRunner(stream=sys.stderr, verbosity=1).run(suite)
    for test, reason in res.skipped[:3]:
        print("skipped: %s (%s)" % (test.id(), reason))
    bad = res.failures + res.errors
    for test, tb in bad:
        print("FAIL %s: %s" % (test.id(), tb.strip().splitlines()[-1]))
    n_bad = len(bad)
    print("%d passed, %d failed" % (res.testsRun - n_bad - len(res.skipped), n_bad))
    sys.exit(1 if n_bad else 0)
