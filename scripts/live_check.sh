#!/usr/bin/env bash
# A live contract check of the calls the addon makes to Mailchimp.
#   MAILCHIMP_API_KEY=<key>-<dc> ./scripts/live_check.sh   your account: a
#       throwaway audience is created and deleted at the end
#   ./scripts/live_check.sh [--fake]                        the fake Mailchimp
#       over HTTP on localhost (no key, no network; the test command runs it)
# See README.md, "Check against your Mailchimp account".
set -euo pipefail
. "$(dirname "$0")/lib.sh"
install_deps test "$ROOT/requirements.txt" "$ROOT/requirements-test.txt"
exec "$PYTHON" "$ROOT/scripts/live_check.py" "$@"
