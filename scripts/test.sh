#!/usr/bin/env bash
# The test command: static checks, pure-Python tests, Odoo tests.
#   ./scripts/test.sh              all tiers
#   ./scripts/test.sh static|pure|odoo   one tier
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/odoo_checks.sh"
cd "$ROOT"
TIERS="${*:-static pure odoo}"
DB="mailchimp_sync_test"
CLOCK_SHIFT_DAYS=400  # the second run of the Odoo tests: a year and more ahead

ODOO=""
if [[ " $TIERS " == *" odoo "* ]]; then
  # first: a fetched Odoo brings its own Python, where the tools go too
  if provide_odoo; then
    ODOO=1
  else
    echo "Odoo tier SKIPPED: $ODOO_PROBLEM"
  fi
fi

install_deps test "$ROOT/requirements.txt" "$ROOT/requirements-test.txt"
link_addon

if [[ " $TIERS " == *" static "* ]]; then
  say "Tier 1: static checks"
  "$PYTHON" -m ruff check .
  "$PYTHON" -m ruff format --check .
  "$ROOT/scripts/pylint.sh"
  "$PYTHON" "$ROOT/scripts/check_files.py"
  "$PYTHON" "$ROOT/scripts/gen_readme.py" --check
  "$PYTHON" "$ROOT/scripts/pot_tool.py" check i18n/mailchimp_sync.pot i18n/nl.po i18n/fr.po
fi

if [[ " $TIERS " == *" pure "* ]]; then
  say "Tier 2: pure Python (service layer, no Odoo)"
  "$PYTHON" -m pytest -q -p no:cacheprovider -p no:odoo --rootdir tests/pure \
    --confcutdir tests/pure tests/pure
  say "Live contract check, against the fake Mailchimp over HTTP on localhost"
  # --fake: never Mailchimp, even with MAILCHIMP_API_KEY set (no network)
  "$PYTHON" "$ROOT/scripts/live_check.py" --fake
fi

if [ -n "$ODOO" ]; then
  say "Tier 3: Odoo 18 ($ODOO_ROOT)"
  trap stop_pg EXIT  # also on failure: no cluster of this checkout left behind
  start_pg
  CFG="$LOCAL/odoo-test.cfg"
  write_config "$CFG" "${MCS_TEST_HTTP_PORT:-8169}"
  drop_db "$DB"
  echo "Installing mailchimp_sync in a new database ($DB)..."
  LOG="$LOCAL/install.log"
  rm -f "$LOG"  # Odoo appends: each run judges its own install only
  odoo_cmd -c "$CFG" -d "$DB" -i mailchimp_sync --stop-after-init \
    --log-level=info --logfile="$LOG" || { tail -40 "$LOG"; exit 1; }
  judge_log "$LOG" "Install"
  check_upgrade "$DB" "$CFG"
  "$ROOT/scripts/i18n.sh" --check "$DB"
  check_wheel
  for old in "${OLD_VERSIONS[@]}"; do
    # shellcheck disable=SC2086
    check_migration $old
  done
  # pytest runs from the link's folder so the tests import as
  # odoo.addons.mailchimp_sync.tests, whatever the checkout is called.
  odoo_pytest() {
    (cd "$LOCAL/addons" && PYTHONPATH="$ROOT/scripts${PYTHONPATH:+:$PYTHONPATH}" \
      "$PYTHON" -m pytest -p no:cacheprovider -p pytest_shifted_clock -q \
      --rootdir "$LOCAL/addons" --confcutdir "$LOCAL/addons" \
      --odoo-config "$CFG" --odoo-database "$DB" --odoo-http \
      mailchimp_sync/tests --ignore=mailchimp_sync/tests/pure)
  }
  say "Odoo tests, today's clock"
  MCS_CLOCK_SHIFT_DAYS=0 odoo_pytest
  say "Odoo tests again, the clock $CLOCK_SHIFT_DAYS days ahead (tests must hold on any day)"
  MCS_CLOCK_SHIFT_DAYS="$CLOCK_SHIFT_DAYS" odoo_pytest
fi
