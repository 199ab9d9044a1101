#!/usr/bin/env bash
# pylint-odoo with OCA's mandatory checks for 18.0 (.pylintrc-mandatory), on
# the addon under its technical name (the static tier and pre-commit run it).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
link_addon
cd "$LOCAL/addons"
exec "$PYTHON" -m pylint --rcfile="$ROOT/.pylintrc-mandatory" mailchimp_sync
