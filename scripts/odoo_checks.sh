# The Odoo tier's install checks beyond the test database (sourced by
# scripts/test.sh once the cluster runs): the upgrade, the translation
# template, the wheel and the upgrade from 18.0.1.1.0.
# shellcheck shell=bash

# earlier versions an upgrade is checked from: commit of this repository, version
OLD_VERSIONS=("1cdc85f 18.0.1.1.0" "c7a92db 18.0.1.2.0")
# a database of the module's dependencies per Odoo series
BASE_DB="mailchimp_sync_pkg_base${SERIES_SUFFIX:-}"

# judge_log LOG WHAT: fail on any WARNING/ERROR line
judge_log() {
  if grep -E ' (WARNING|ERROR|CRITICAL) ' "$1"; then
    echo "$2: the log has warnings or errors (above): failing." >&2
    return 1
  fi
  echo "$2: no warnings."
}

# odoo_logged LOG WHAT ODOO-ARGS...: run Odoo at info level into LOG, judge it
odoo_logged() {
  local log="$1" what="$2"
  shift 2
  rm -f "$log"
  "$@" --stop-after-init --log-level=info --logfile="$log" || {
    tail -40 "$log"
    echo "$what: failed." >&2
    return 1
  }
  judge_log "$log" "$what"
}

# config_with FILE ADDONS: a config whose addons path is Odoo's and ADDONS
config_with() {
  write_config "$1" 8298
  local odoo_only
  odoo_only="$(odoo_addons_path | sed "s|,$LOCAL/addons$||")"
  sed -i "s|^addons_path = .*|addons_path = $odoo_only${2:+,$2}|" "$1"
}

# The version Odoo records for the checkout: the manifest's (no series, see
# compat.py) after the running Odoo's series, e.g. 18.0.1.3.0.
manifest_version() {
  (cd / && "$PYTHON" -c 'import ast, sys, odoo.release as r; v = ast.literal_eval(open(sys.argv[1]).read())["version"]; print(v if v.startswith(r.series + ".") else f"{r.series}.{v}")' \
    "$ROOT/__manifest__.py")
}

# A database with the module's dependencies installed (kept between runs),
# copied for each check: an install of the module alone is quick.
new_from_base() {
  local cfg="$LOCAL/odoo-base$SERIES_SUFFIX.cfg" stamp="$LOCAL/pkg-base$SERIES_SUFFIX.stamp" want
  BASE_DB="mailchimp_sync_pkg_base$SERIES_SUFFIX"
  want="$ODOO_ROOT $(cd / && "$PYTHON" -c 'import odoo.release as r; print(r.version)')"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] ||
    ! "$PG_BIN/psql" -h "$PGDIR" -p "$PGPORT" -U odoo -d postgres -qtAc \
      "SELECT 1 FROM pg_database WHERE datname='$BASE_DB'" | grep -q 1; then
    echo "Creating $BASE_DB (the module's dependencies, kept for the next runs)..."
    config_with "$cfg" ""
    drop_db "$BASE_DB"
    odoo_cmd -c "$cfg" -d "$BASE_DB" -i contacts,mass_mailing,phone_validation \
      --stop-after-init --log-level=warn
    echo "$want" >"$stamp"
  fi
  drop_db "$1"
  "$PG_BIN/createdb" -h "$PGDIR" -p "$PGPORT" -U odoo -T "$BASE_DB" "$1"
  rm -rf "$LOCAL/data/filestore/$1"
  if [ -d "$LOCAL/data/filestore/$BASE_DB" ]; then
    mkdir -p "$LOCAL/data/filestore"
    cp -r "$LOCAL/data/filestore/$BASE_DB" "$LOCAL/data/filestore/$1"
  fi
}

drop_check_db() {
  drop_db "$1"
  rm -rf "$LOCAL/data/filestore/$1"
}

# check_upgrade DB CFG: -u on the freshly installed database
check_upgrade() {
  echo "Upgrading mailchimp_sync in $1 (-u)..."
  odoo_logged "$LOCAL/upgrade$SERIES_SUFFIX.log" "Upgrade (-u mailchimp_sync)" \
    odoo_cmd -c "$2" -d "$1" -u mailchimp_sync
}

# wheel_venv DIR: a new virtual environment that sees the packages $PYTHON
# sees, however they were installed ($PYTHON may itself be a virtual
# environment, whose packages --system-site-packages would not show): each
# site-packages folder of $PYTHON is added with its .pth files, after the new
# environment's own, and so is every other folder on its sys.path.
wheel_venv() {
  rm -rf "$1"
  "$PYTHON" -m venv "$1"
  local site
  site="$("$1/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  (cd / && "$PYTHON" - "$site/mcs_parent_python.pth") <<'PY'
import os, site, sys
sites = site.getsitepackages() + [site.getusersitepackages()]
lines = [f"import site; site.addsitedir({p!r})" for p in sites if os.path.isdir(p)]
lines += [p for p in sys.path if p and os.path.isdir(p) and p not in sites]
with open(sys.argv[1], "w", encoding="utf-8") as pth:
    pth.write("\n".join(lines) + "\n")
PY
}

# The wheel, built as pip builds it for the running Odoo's series
# (MCS_ODOO_SERIES), installed into a throwaway virtual environment next to
# Odoo; the module installed from there (the addons path does not hold the
# checkout) with Dutch and French loaded.
check_wheel() {
  local dist="$LOCAL/dist$SERIES_SUFFIX" venv="$LOCAL/wheel-venv$SERIES_SUFFIX"
  local db="mailchimp_sync_wheel$SERIES_SUFFIX" cfg="$LOCAL/odoo-wheel$SERIES_SUFFIX.cfg"
  local wlog="$LOCAL/wheel$SERIES_SUFFIX.log" wheel
  echo "Building the wheel (pip wheel .)..."
  rm -rf "$dist"
  "$PYTHON" -m pip wheel --quiet --disable-pip-version-check --no-deps \
    --no-build-isolation -w "$dist" "$ROOT"
  wheel="$(ls "$dist"/odoo_addon_mailchimp_sync-*.whl)"
  [[ "${wheel##*/}" == "odoo_addon_mailchimp_sync-$(manifest_version)-"* ]] || {
    echo "$wheel is not version $(manifest_version) (Odoo $ODOO_SERIES)." >&2
    return 1
  }
  local listing
  listing="$("$PYTHON" -m zipfile -l "$wheel")"
  grep -q '^odoo/addons/mailchimp_sync/__manifest__.py ' <<<"$listing" || {
    echo "$wheel has no odoo/addons/mailchimp_sync." >&2
    return 1
  }
  local requires
  requires="$(unzip -p "$wheel" '*.dist-info/METADATA' | grep '^Requires-Dist:' | tr '\n' ' ')"
  for dep in mailchimp-marketing phonenumbers "odoo==$ODOO_SERIES.*"; do
    [[ "$requires" == *"Requires-Dist: $dep"* ]] || {
      echo "$wheel does not require $dep ($requires)." >&2
      return 1
    }
  done
  echo "${wheel##*/}: $requires"
  wheel_venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
    --force-reinstall "$wheel"
  config_with "$cfg" ""
  new_from_base "$db"
  echo "Installing mailchimp_sync from the wheel, with nl_NL and fr_FR..."
  odoo_logged "$wlog" "Install from the wheel with nl_NL, fr_FR" \
    bash -c 'cd / && "$0" -m odoo "$@"' "$venv/bin/python" -c "$cfg" -d "$db" \
    -i mailchimp_sync --load-language=nl_NL,fr_FR
  # the module came from the wheel: the checkout is on no addons path
  local paths
  paths="$(grep -m1 'odoo: addons paths:' "$wlog")"
  if [[ "$paths" == *"$LOCAL/addons"* || "$paths" != *"$venv/"*"/site-packages/odoo/addons"* ]]; then
    echo "Install from the wheel: unexpected addons paths: $paths" >&2
    return 1
  fi
  echo "Addons paths: ${paths#*addons paths: }"
  check_sql "$db" "Module from the wheel, translations loaded" <<'SQL'
SELECT 'not installed' WHERE NOT EXISTS (SELECT 1 FROM ir_module_module
 WHERE name = 'mailchimp_sync' AND state = 'installed');
SELECT 'no ' || l || ' label' FROM unnest(ARRAY['nl_NL', 'fr_FR']) l
 WHERE NOT EXISTS (SELECT 1 FROM ir_model_fields
  WHERE model = 'mailchimp.audience' AND name = 'conflict_policy'
    AND field_description->>l IS NOT NULL
    AND field_description->>l != field_description->>'en_US');
SQL
  drop_check_db "$db"
}

# check_sql DB WHAT < SQL: each row the queries return is a failed check
check_sql() {
  local out
  out="$("$PG_BIN/psql" -h "$PGDIR" -p "$PGPORT" -U odoo -d "$1" -qtA \
    -v ON_ERROR_STOP=1 -v version="$(manifest_version)" -f -)" || return 1
  if [ -n "$out" ]; then
    echo "$out" >&2
    echo "$2: failing." >&2
    return 1
  fi
  echo "$2: checked."
}

# check_migration COMMIT VERSION: the module as it was at VERSION (COMMIT of
# this repository), with the data of scripts/upgrade_data_<VERSION>.py,
# upgraded to this checkout; scripts/upgrade_check_<VERSION>.sql then checks
# the data (one row per failed check).
check_migration() {
  local commit="$1" version="$2" old="$LOCAL/old-$2" db="mailchimp_sync_upgrade"
  local cfg_old="$LOCAL/odoo-old.cfg" cfg_new="$LOCAL/odoo-upgrade.cfg"
  if [ ! -f "$old/mailchimp_sync/__manifest__.py" ]; then
    mkdir -p "$old/mailchimp_sync"
    git -C "$ROOT" archive "$commit" | tar -x -C "$old/mailchimp_sync"
  fi
  config_with "$cfg_old" "$old"
  config_with "$cfg_new" "$LOCAL/addons"
  new_from_base "$db"
  echo "Installing mailchimp_sync $version ($commit) with data..."
  odoo_cmd -c "$cfg_old" -d "$db" -i mailchimp_sync --stop-after-init --log-level=warn
  odoo_cmd shell -c "$cfg_old" -d "$db" --log-level=warn \
    <"$ROOT/scripts/upgrade_data_$version.py"
  echo "Upgrading it to $(manifest_version) (this checkout)..."
  odoo_logged "$LOCAL/upgrade-$version.log" "Upgrade from $version" \
    odoo_cmd -c "$cfg_new" -d "$db" -u mailchimp_sync
  check_sql "$db" "Data after the upgrade from $version" \
    <"$ROOT/scripts/upgrade_check_$version.sql"
  drop_check_db "$db"
}

# pytest_counts LOG: the counts of pytest's closing line ("270 passed, 2 skipped")
pytest_counts() {
  tail -1 "$1" | sed -E 's/ in [0-9.]+s.*$//; s/, [0-9]+ warnings?//; s/^=+ //'
}

# pytest_count LOG: how many tests pytest ran (whatever their outcome)
pytest_count() {
  pytest_counts "$1" | grep -oE '[0-9]+ (passed|failed|skipped|errors?|xfailed|xpassed)' |
    awk '{ n += $1 } END { print n + 0 }'
}

# check_odoo_runner DB CFG EXPECTED: the addon's tests under Odoo's own runner
# (`odoo-bin -u mailchimp_sync --test-tags /mailchimp_sync`, as runbot and
# OCA's CI run them): all pass, and they are EXPECTED many (pytest's count),
# so tests/__init__.py imports every test file. Prints the runner's counts.
check_odoo_runner() {
  local log="$LOCAL/odoo-runner$SERIES_SUFFIX.log" report total failed errors
  rm -f "$log"
  odoo_cmd -c "$2" -d "$1" -u mailchimp_sync --test-tags /mailchimp_sync \
    --stop-after-init --log-level=info --logfile="$log" >&2 || true
  report="$(grep -oE '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$log" | tail -1)"
  read -r failed errors total <<<"$(grep -oE '[0-9]+' <<<"$report" | tr '\n' ' ')"
  if [ -z "$report" ] || [ "$failed" != 0 ] || [ "$errors" != 0 ]; then
    grep -E ' (ERROR|CRITICAL) |^(FAIL|ERROR):' "$log" | head -60 >&2
    echo "Odoo's runner: ${report:-no test report} (see $log): failing." >&2
    return 1
  fi
  if [ "$total" != "$3" ]; then
    echo "Odoo's runner ran $total tests, pytest $3: tests/__init__.py must import every test file." >&2
    return 1
  fi
  echo "Odoo's runner $total tests, 0 failed"
}

# total_counts LOG...: one closing line adding up pytest's runs
total_counts() {
  local passed=0 failed=0 skipped=0 n word log
  for log in "$@"; do
    while read -r n word; do
      case "$word" in
        passed) passed=$((passed + n)) ;;
        failed | error | errors) failed=$((failed + n)) ;;
        skipped) skipped=$((skipped + n)) ;;
      esac
    done < <(pytest_counts "$log" | grep -oE '[0-9]+ [a-z]+')
  done
  echo "Total: $passed passed, $failed failed, $skipped skipped"
}
