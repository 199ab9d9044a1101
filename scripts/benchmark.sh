#!/usr/bin/env bash
# Benchmark of the sync at N contacts (not part of the tests' pass/fail):
#   ./scripts/benchmark.sh 1000 10000 100000
# Writes benchmark/results.md and .json (the README's Performance table), or
# the file MCS_BENCH_OUTPUT names (a run of other sizes kept apart).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ $# -gt 0 ] || set -- 1000 10000
find_odoo || { echo "The benchmark needs Odoo 18 or 19 (set ODOO_PATH)." >&2; exit 1; }
install_deps test "$ROOT/requirements.txt" "$ROOT/requirements-test.txt"
link_addon
start_pg
CFG="$LOCAL/odoo-bench.cfg"
BENCH_PORT="${MCS_BENCH_HTTP_PORT:-8269}"
write_config "$CFG" "$BENCH_PORT"
for n in "$@"; do
  drop_db "mailchimp_sync_bench_$n"
  echo "Preparing database mailchimp_sync_bench_$n..."
  odoo_cmd -c "$CFG" -d "mailchimp_sync_bench_$n" -i mailchimp_sync \
    --without-demo=all --stop-after-init --log-level=warn
done
(cd / && "$PYTHON" "$ROOT/benchmark/bench_sync.py" --config "$CFG" \
  --fake-port "${MCS_BENCH_FAKE_PORT:-$((BENCH_PORT + 20))}" \
  --output "${MCS_BENCH_OUTPUT:-$ROOT/benchmark/results.md}" "$@")
for n in "$@"; do drop_db "mailchimp_sync_bench_$n"; done
