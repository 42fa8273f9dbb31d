from keras3 import SKIP_REASON


def pytest_terminal_summary(terminalreporter):
    # Say why the Keras 3 round trips did not run, without needing `-rs`.
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "test_keras3_interop" in r.nodeid]
    if skipped:
        terminalreporter.write_line(f"{len(skipped)} Keras 3 round-trip tests skipped: {SKIP_REASON}")
