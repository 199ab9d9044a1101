#!/usr/bin/env bash
# The test command: static checks, pure-Python tests, Odoo tests.
#   ./scripts/test.sh              all tiers
#   ./scripts/test.sh static|pure|odoo   one tier
# The Odoo tier runs once for each Odoo found (lib.sh: collect_odoos): Odoo
# 18 and Odoo 19 when both are there; the summary says which ran.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/odoo_checks.sh"
cd "$ROOT"
TIERS="${*:-static pure odoo}"
CLOCK_SHIFT_DAYS=400  # the second run of the Odoo tests: a year and more ahead
SUMMARY="$LOCAL/test-summary.txt"  # a line per Odoo the tier ran on
LOGS="$LOCAL/test-logs.txt"  # pytest's logs of this run, for the last line
: >"$SUMMARY"
: >"$LOGS"

ODOO_TARGETS=()
if [[ " $TIERS " == *" odoo "* ]]; then
  if collect_odoos; then
    # the first Odoo's Python runs the other tiers (a fetched Odoo brings its
    # own, where the tools go too)
    PYTHON="${ODOO_TARGETS[0]%%:*}"
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
    --confcutdir tests/pure tests/pure | tee "$LOCAL/pytest-pure.log"
  echo "$LOCAL/pytest-pure.log" >>"$LOGS"
  say "Live contract check, against the fake Mailchimp over HTTP on localhost"
  # --fake: never Mailchimp, even with MAILCHIMP_API_KEY set (no network)
  "$PYTHON" "$ROOT/scripts/live_check.py" --fake
fi

# odoo_pytest DB CFG LOG: the addon's Odoo tests with pytest-odoo, run from
# the link's folder so they import as odoo.addons.mailchimp_sync.tests,
# whatever the checkout is called; pytest's output kept in LOG.
odoo_pytest() {
  (cd "$LOCAL/addons" && PYTHONPATH="$ROOT/scripts${PYTHONPATH:+:$PYTHONPATH}" \
    "$PYTHON" -m pytest -p no:cacheprovider -p pytest_shifted_clock -q \
    --rootdir "$LOCAL/addons" --confcutdir "$LOCAL/addons" \
    --odoo-config "$2" --odoo-database "$1" --odoo-http \
    mailchimp_sync/tests --ignore=mailchimp_sync/tests/pure) | tee "$3"
  echo "$3" >>"$LOGS"
}

# odoo_tier "PYTHON:ODOO_PATH": the Odoo tier on that Odoo (in a subshell:
# its PYTHON, ODOO_PATH and names stay there).
odoo_tier() {
  if ! use_odoo "$1"; then
    echo "Odoo tier SKIPPED for ${1%:}: $ODOO_PROBLEM"
    echo "Odoo ${1%:}: SKIPPED ($ODOO_PROBLEM)" >>"$SUMMARY"
    return 0
  fi
  export MCS_ODOO_SERIES="$ODOO_SERIES"  # the wheel is built for this series
  say "Tier 3: Odoo $ODOO_SERIES ($ODOO_ROOT, $PYTHON)"
  install_deps test "$ROOT/requirements.txt" "$ROOT/requirements-test.txt"
  local db="mailchimp_sync_test$SERIES_SUFFIX" cfg="$LOCAL/odoo-test$SERIES_SUFFIX.cfg"
  local log="$LOCAL/install$SERIES_SUFFIX.log"
  write_config "$cfg" "${MCS_TEST_HTTP_PORT:-8169}"
  drop_db "$db"
  echo "Installing mailchimp_sync in a new database ($db)..."
  rm -f "$log"  # Odoo appends: each run judges its own install only
  odoo_cmd -c "$cfg" -d "$db" -i mailchimp_sync --stop-after-init \
    --log-level=info --logfile="$log" || { tail -40 "$log"; exit 1; }
  judge_log "$log" "Install"
  check_upgrade "$db" "$cfg"
  if [ -z "$SERIES_SUFFIX" ]; then
    "$ROOT/scripts/i18n.sh" --check "$db"
  else  # Odoo 19's extractor also finds a stray word ("id") in the code
    echo "Translation template: made and checked on Odoo ${SUPPORTED_MAJORS%% *} (./scripts/i18n.sh)."
  fi
  check_wheel
  if [ "$ODOO_MAJOR" = 18 ]; then  # the earlier versions are 18.0 ones
    for old in "${OLD_VERSIONS[@]}"; do
      # shellcheck disable=SC2086
      check_migration $old
    done
  fi
  local today="$LOCAL/pytest$SERIES_SUFFIX.log" ahead="$LOCAL/pytest-ahead$SERIES_SUFFIX.log"
  say "Odoo $ODOO_SERIES tests, today's clock"
  MCS_CLOCK_SHIFT_DAYS=0 odoo_pytest "$db" "$cfg" "$today"
  say "Odoo $ODOO_SERIES tests again, the clock $CLOCK_SHIFT_DAYS days ahead (tests must hold on any day)"
  MCS_CLOCK_SHIFT_DAYS="$CLOCK_SHIFT_DAYS" odoo_pytest "$db" "$cfg" "$ahead"
  say "Odoo $ODOO_SERIES tests under Odoo's own runner (--test-tags /mailchimp_sync)"
  local runner
  runner="$(check_odoo_runner "$db" "$cfg" "$(pytest_count "$today")")"
  echo "$runner"
  printf 'Odoo %s (%s): pytest %s; clock +%s days: %s; %s\n' "$ODOO_SERIES" \
    "$ODOO_ROOT" "$(pytest_counts "$today")" "$CLOCK_SHIFT_DAYS" \
    "$(pytest_counts "$ahead")" "$runner" >>"$SUMMARY"
}

if [ ${#ODOO_TARGETS[@]} -gt 0 ]; then
  trap stop_pg EXIT  # also on failure: no cluster of this checkout left behind
  start_pg
  for target in "${ODOO_TARGETS[@]}"; do
    (odoo_tier "$target")
  done
  say "Odoo tier: the Odoo versions it ran on"
  cat "$SUMMARY"
fi
if [ -s "$LOGS" ]; then
  # the last line: every pytest run of this command, added up
  mapfile -t logs <"$LOGS"
  total_counts "${logs[@]}"
fi
