import os

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

# Rows of the mutation-suite table, filled by test_selfcheck.py, printed at the end of the run.
MUTATION_TABLE: dict = {}


def pytest_terminal_summary(terminalreporter):
    if MUTATION_TABLE:
        terminalreporter.section("mutation suite (graded by course grade: real nbgrader, sandboxed)")
        for name in sorted(MUTATION_TABLE):
            terminalreporter.write_line(MUTATION_TABLE[name])
