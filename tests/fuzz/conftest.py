"""Prints the op fuzz suite's counts at the end of the session."""

import sys


def pytest_terminal_summary(terminalreporter):
    module = sys.modules.get("test_op_fuzz")
    if module is None or not module.COUNTS:
        return
    c = module.COUNTS
    terminalreporter.write_line(
        f"op fuzz: {c['cases']} cases: {c['match']} match numpy, {c['ok']} ran (no numpy reference), "
        f"{c['clean_error']} clean errors, {c['mismatch']} mismatches, {c['bad_error']} bad errors, "
        f"{c['crash']} crashes, {c['hang']} hangs, {c['bad_case']} unbuildable cases")
    # The last failure of each op: the one hypothesis shrank furthest.
    last = {op: (args, kwargs, out) for op, args, kwargs, out in module.FAILURES}
    for op, (args, kwargs, out) in sorted(last.items()):
        terminalreporter.write_line(f"  {out['status']}: {op}{tuple(args)} {kwargs}: {str(out.get('detail', ''))[:400]}")
