#!/usr/bin/env bash
# Capture the README's screenshots (docs/*.png) from the browser tour: the
# Odoo tier of the test command runs, and the tour saves a PNG at each of its
# key screens (settings, audience, mapping wizard, contact tab, export
# statistics, sync logs). Needs Odoo 18 and Debian's chromium.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export MAILCHIMP_SYNC_SCREENSHOTS="$ROOT/docs"
exec "$ROOT/scripts/test.sh" odoo
