"""Benchmark of the sync: HTTP calls, SQL queries, time and memory at N contacts.

Run through ``./scripts/benchmark.sh`` (it prepares a throwaway database):

    ./scripts/benchmark.sh 1000 10000 100000

Mailchimp is faked in-process at the HTTP level (``tests/fake_mailchimp.py``
under the real SDK): batches of 500, pages of 1,000. Each scenario runs the way
the cron does: bounded steps, each in its own transaction, committed.

The data is made in ``bench_data.py``, measured by ``bench_meter.py`` in the
scenarios of ``bench_scenarios.py`` and reported by ``bench_report.py``.
"""

import argparse
import json
import os

import odoo

from bench_report import markdown, targets
from bench_scenarios import HERE, bench
from bench_server import MODEL


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--db-prefix", default="mailchimp_sync_bench")
    parser.add_argument("--output", default=os.path.join(HERE, "results.md"))
    parser.add_argument("--fake-port", type=int, default=8289)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("sizes", nargs="+", type=int)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "--log-level=warn"])
    rows = []
    for n in args.sizes:
        rows += bench(f"{args.db_prefix}_{n}", n, args.fake_port, args.connections)
    table = (
        f"{MODEL}; {args.connections} connections a run.\n\n"
        + markdown(rows)
        + "\n\nTargets:\n\n"
        + targets(rows)
    )
    print(table)
    with open(os.path.splitext(args.output)[0] + ".json", "w") as handle:
        json.dump(rows, handle, indent=1, default=str)
    with open(args.output, "w") as handle:
        handle.write(table + "\n")


if __name__ == "__main__":
    main()
