#!/usr/bin/env bash
# The run command: Odoo (18 or 19, the first found: lib.sh) with mailchimp_sync
# and demo data on localhost.
#   ./scripts/run.sh [--port N] [--db NAME] [--reset]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
PORT=8069
DB=""
RESET=""
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT="$2"; shift 2 ;;
    --db) DB="$2"; shift 2 ;;
    --reset) RESET=1; shift ;;
    *) echo "usage: $0 [--port N] [--db NAME] [--reset]" >&2; exit 2 ;;
  esac
done

if ! provide_odoo; then
  # the problem says what was found and how to provide Odoo (once)
  echo "Cannot serve Odoo: $ODOO_PROBLEM" >&2
  exit 1
fi
DB="${DB:-mailchimp_sync$SERIES_SUFFIX}"  # Odoo 19's: mailchimp_sync_19
install_deps run "$ROOT/requirements.txt"
link_addon
start_pg
CFG="$LOCAL/odoo-run.cfg"
write_config "$CFG" "$PORT"
[ -n "$RESET" ] && drop_db "$DB"
if "$PG_BIN/psql" -h "$PGDIR" -p "$PGPORT" -U odoo -d postgres -qtAc \
  "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1; then
  say "Updating mailchimp_sync in the database $DB"
  odoo_cmd -c "$CFG" -d "$DB" -u mailchimp_sync --stop-after-init --log-level=warn
else
  say "Creating the database $DB with mailchimp_sync and demo data"
  odoo_cmd -c "$CFG" -d "$DB" -i mailchimp_sync --stop-after-init --log-level=warn
fi
say "Odoo is running on http://localhost:$PORT — login: admin / password: admin"
cd /
echo $$ >"$LOCAL/run.pid"  # exec keeps the pid: the test command leaves this cluster running
exec "$PYTHON" -m odoo -c "$CFG" -d "$DB" --db-filter="^$DB\$" --log-level=warn
