"""The results of several benchmark runs in one table (the README's):

    python3 benchmark/bench_combine.py OUT.md RUN.json[=NOTE] ...

Each run is the ``.json`` a ``./scripts/benchmark.sh`` run wrote (its sizes
measured together, ``MCS_BENCH_OUTPUT`` naming its file); ``NOTE`` says which
run it was (its date, its command). Writes ``OUT.md`` and ``OUT.json``: the
rows of every run, by size, and the targets checked on them all.
"""

import json
import os
import sys

from bench_report import markdown, targets
from bench_server import MODEL


def combine(out, runs):
    rows, notes = [], []
    for run in runs:
        path, _, note = run.partition("=")
        with open(path) as handle:
            run_rows = json.load(handle)
        sizes = ", ".join(f"{n:,}" for n in sorted({r["N"] for r in run_rows}))
        notes.append(f"- {sizes}: {note or os.path.basename(path)}")
        rows += run_rows
    rows.sort(key=lambda r: r["N"])  # stable: each size's scenarios in order
    table = (
        f"{MODEL}.\n\nRuns:\n\n"
        + "\n".join(notes)
        + "\n\n"
        + markdown(rows)
        + "\n\nTargets:\n\n"
        + targets(rows)
    )
    with open(os.path.splitext(out)[0] + ".json", "w") as handle:
        json.dump(rows, handle, indent=1, default=str)
    with open(out, "w") as handle:
        handle.write(table + "\n")


if __name__ == "__main__":
    combine(sys.argv[1], sys.argv[2:])
