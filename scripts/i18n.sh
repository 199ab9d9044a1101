#!/usr/bin/env bash
# The translation template, i18n/mailchimp_sync.pot, from the code.
#   ./scripts/i18n.sh            regenerate it (a throwaway database), bring
#                                i18n/*.po in line and list what to translate
#   ./scripts/i18n.sh --check DB fail when it is stale (DB: the module installed)
# Odoo exports from a staged copy of the addon (the files git tracks), so
# nothing under .local (local copies, a link back to the checkout) is read.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
find_odoo || { echo "The translation export needs Odoo: $ODOO_PROBLEM." >&2; exit 1; }
CHECK=""
DB="mailchimp_sync_i18n"
if [ "${1:-}" = "--check" ]; then
  CHECK=1
  DB="$2"
fi
start_pg
[ -n "$CHECK" ] || trap stop_pg EXIT
STAGE="$LOCAL/i18n-stage"
rm -rf "$STAGE"
"$PYTHON" "$ROOT/scripts/build_backend.py" "$STAGE" >/dev/null
CFG="$LOCAL/odoo-i18n.cfg"
write_config "$CFG" 8299
sed -i "s|^addons_path = .*|addons_path = $(odoo_addons_path | sed "s|$LOCAL/addons|$STAGE|")|" "$CFG"
if [ -z "$CHECK" ]; then
  drop_db "$DB"
  odoo_cmd -c "$CFG" -d "$DB" -i mailchimp_sync \
    --stop-after-init --log-level=warn
fi
EXPORT="$LOCAL/mailchimp_sync.export.pot"
rm -f "$EXPORT" "$LOCAL/i18n-export.log"
if [ "$ODOO_MAJOR" -ge 19 ]; then  # Odoo 19 exports with a command of its own
  odoo_cmd i18n export -c "$CFG" -d "$DB" -o "$EXPORT" mailchimp_sync \
    >"$LOCAL/i18n-export.log" 2>&1 || { cat "$LOCAL/i18n-export.log" >&2; exit 1; }
else
  odoo_cmd -c "$CFG" -d "$DB" --i18n-export="$EXPORT" --modules=mailchimp_sync \
    --stop-after-init --log-level=warn --logfile="$LOCAL/i18n-export.log"
fi
# a file Babel cannot read loses its later messages: say which (not fatal)
grep -h 'Failed to extract terms from' "$LOCAL/i18n-export.log" |
  sed "s|.*Failed to extract terms from $STAGE/|i18n: Babel cannot read every message of |;s| *$| (see .local/i18n-export.log)|" || true
"$PYTHON" "$ROOT/scripts/pot_tool.py" clean "$EXPORT" "$EXPORT.clean"
if [ -n "$CHECK" ]; then
  "$PYTHON" "$ROOT/scripts/pot_tool.py" compare "$EXPORT.clean" i18n/mailchimp_sync.pot
else
  mv "$EXPORT.clean" i18n/mailchimp_sync.pot
  drop_db "$DB"
  for po in i18n/*.po; do
    [ -f "$po" ] || continue
    "$PYTHON" "$ROOT/scripts/pot_tool.py" merge i18n/mailchimp_sync.pot "$po"
    "$PYTHON" "$ROOT/scripts/pot_tool.py" check i18n/mailchimp_sync.pot "$po" || true
  done
fi
rm -rf "$STAGE"
