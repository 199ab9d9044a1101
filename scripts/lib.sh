# Shared helpers of scripts/run.sh and scripts/test.sh (sourced, not run).
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
PGDIR="$LOCAL/pg"
PGPORT="${MCS_PGPORT:-55432}"
# The Python to use: $PYTHON, else the first python3 that can import Odoo and
# its database driver: those on PATH, then pyenv's (a machine may have several:
# a distribution one and pyenv's, and CI may start without pyenv on PATH),
# else the first python3.
pick_python() {
  local candidate
  for candidate in $(type -ap python3) "${PYENV_ROOT:-${HOME:-/root}/.pyenv}/shims/python3"; do
    [ -x "$candidate" ] || continue
    if (cd / && "$candidate" -c 'import odoo.release, psycopg2' >/dev/null 2>&1); then
      echo "$candidate"
      return
    fi
  done
  echo python3
}
PYTHON_GIVEN="${PYTHON:-}"
PYTHON="${PYTHON:-$(pick_python)}"
mkdir -p "$LOCAL"
# The Odoo series the addon runs on (compat.py holds their differences); the
# first is the default one, whose database and file names carry no suffix.
SUPPORTED_MAJORS="18 19"

say() { printf '\n=== %s\n' "$*"; }

# Install pinned Python packages once: a stamp keeps the hash of the files.
install_deps() {
  local stamp files=("${@:2}") sum
  stamp="$LOCAL/deps-$1-$(printf %s "$PYTHON" | sha256sum | cut -c1-8).sha256"
  sum="$(cat "${files[@]}" | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
    return 0
  fi
  say "Installing Python dependencies (${files[*]##*/})"
  local args=()
  for f in "${files[@]}"; do args+=(-r "$f"); done
  if ! "$PYTHON" -m pip install --quiet --disable-pip-version-check "${args[@]}" 2>"$LOCAL/pip.err"; then
    if grep -q externally-managed-environment "$LOCAL/pip.err"; then
      # a distribution's Python (PEP 668): install beside its packages
      "$PYTHON" -m pip install --quiet --disable-pip-version-check \
        --break-system-packages "${args[@]}"
    else
      cat "$LOCAL/pip.err" >&2
      return 1
    fi
  fi
  echo "$sum" >"$stamp"
}

# Odoo 18 or 19: ODOO_PATH (a source tree) or an importable `odoo` package.
# Sets ODOO_ROOT (the folder holding the odoo package), ODOO_MAJOR (18, 19),
# ODOO_SERIES (18.0, 19.0) and SERIES_SUFFIX (empty for 18, _19 for 19: the
# names of its databases and files) on success; on failure ODOO_PROBLEM says
# what was found and what failed (the ImportError's line).
find_odoo() {
  ODOO_PROBLEM="no Odoo 18 or 19 found (set PYTHON to a Python that imports it, or ODOO_PATH)"
  if [ -n "${ODOO_PATH:-}" ]; then
    if [ ! -f "$ODOO_PATH/odoo/release.py" ]; then
      ODOO_PROBLEM="ODOO_PATH=$ODOO_PATH is not an Odoo source tree (no odoo/release.py)"
      return 1
    fi
    case ":${PYTHONPATH:-}:" in
      *":$ODOO_PATH:"*) ;;
      *) export PYTHONPATH="$ODOO_PATH${PYTHONPATH:+:$PYTHONPATH}" ;;
    esac
  fi
  local info err
  err="$LOCAL/find-odoo.err"
  if ! info="$(cd / && "$PYTHON" -c 'import os, odoo.release as r; print(r.version_info[0], os.path.dirname(os.path.dirname(os.path.abspath(r.__file__)))); import odoo.modules, psycopg2' 2>"$err")"; then
    local failed
    failed="$(grep -E '^[A-Za-z]*(Error|Exception)' "$err" | tail -1)"
    if [ -n "$info" ]; then
      ODOO_PROBLEM="Odoo ${info%% *} found in ${info#* } but $PYTHON cannot load it: ${failed:-see $err} (install Odoo's requirements for this Python, or set PYTHON)"
    elif [ -n "${ODOO_PATH:-}" ]; then
      local found
      found="$(sed -n 's/^version_info = (\([0-9]*\), *\([0-9]*\).*/\1.\2/p' "$ODOO_PATH/odoo/release.py")"
      ODOO_PROBLEM="ODOO_PATH=$ODOO_PATH holds Odoo ${found:-?} but $PYTHON cannot import it: ${failed:-see $err} (install Odoo's requirements for this Python, or set PYTHON)"
    fi
    return 1
  fi
  if [[ " $SUPPORTED_MAJORS " != *" ${info%% *} "* ]]; then
    ODOO_PROBLEM="Odoo ${info%% *} found in ${info#* }, not Odoo 18 or 19 (set ODOO_PATH to an Odoo 18 or 19 tree)"
    return 1
  fi
  ODOO_ROOT="${info#* }"
  ODOO_MAJOR="${info%% *}"
  ODOO_SERIES="$ODOO_MAJOR.0"
  SERIES_SUFFIX=""
  [ "$ODOO_MAJOR" = "${SUPPORTED_MAJORS%% *}" ] || SERIES_SUFFIX="_$ODOO_MAJOR"
}

# The Pythons that may run an Odoo: python3 on PATH, pyenv's, the virtual
# environments /opt/odoo*-venv and those the scripts fetched into .local.
odoo_candidates() {
  type -ap python3 || true
  echo "${PYENV_ROOT:-${HOME:-/root}/.pyenv}/shims/python3"
  local venv
  for venv in /opt/odoo*-venv "$LOCAL"/odoo-venv*; do
    [ -x "$venv/bin/python" ] && echo "$venv/bin/python"
  done
  return 0
}

# The Odoos the test command runs its Odoo tier on, as ODOO_TARGETS, each
# "PYTHON:ODOO_PATH" (ODOO_PATH empty: the Python imports Odoo itself):
#   MCS_ODOOS="PYTHON[:ODOO_PATH] ..."  exactly those;
#   else PYTHON and/or ODOO_PATH given: that one;
#   else one per series among the odoo_candidates that import Odoo 18 or 19,
#   else Odoo fetched into .local (provide_odoo).
# Returns 1 (ODOO_PROBLEM set) when there is none.
collect_odoos() {
  ODOO_TARGETS=()
  if [ -n "${MCS_ODOOS:-}" ]; then
    read -r -a ODOO_TARGETS <<<"$MCS_ODOOS"
    return 0
  fi
  if [ -n "${ODOO_PATH:-}" ] || [ -n "$PYTHON_GIVEN" ]; then
    provide_odoo || return 1
    ODOO_TARGETS=("$PYTHON:${ODOO_PATH:-}")
    return 0
  fi
  local candidate major seen=" "
  for candidate in $(odoo_candidates); do
    [ -x "$candidate" ] || continue
    major="$(cd / && "$candidate" -c 'import odoo.release as r, psycopg2; print(r.version_info[0])' 2>/dev/null)" || continue
    [[ " $SUPPORTED_MAJORS " == *" $major "* && "$seen" != *" $major "* ]] || continue
    seen="$seen$major "
    ODOO_TARGETS+=("$candidate:")
  done
  [ ${#ODOO_TARGETS[@]} -gt 0 ] && return 0
  provide_odoo || return 1
  ODOO_TARGETS=("$PYTHON:${ODOO_PATH:-}")
}

# use_odoo "PYTHON:ODOO_PATH": PYTHON and ODOO_PATH set (and exported, for
# the scripts called) for that Odoo, then find_odoo.
use_odoo() {
  PYTHON="${1%%:*}"
  local path="${1#*:}"
  [ "$path" = "$1" ] && path=""
  if [ -n "$path" ]; then
    export ODOO_PATH="$path"
  else
    unset ODOO_PATH
  fi
  export PYTHON
  find_odoo
}

# find_odoo, else (when ODOO_PATH was not given) Odoo 19.0 (MCS_FETCH_ODOO=18.0:
# 18.0) fetched from its official source archive into .local with its
# requirements in a virtual environment (scripts/get_odoo.py); PYTHON becomes
# that environment's.
provide_odoo() {
  find_odoo && return 0
  [ -z "${ODOO_PATH:-}" ] || return 1  # the user's tree: say what failed
  local out err="$LOCAL/get-odoo.err"
  say "No Odoo found: fetching Odoo ${MCS_FETCH_ODOO:-19.0} Community into .local"
  if ! out="$("$PYTHON" "$ROOT/scripts/get_odoo.py" "$LOCAL" 2>"$err")"; then
    ODOO_PROBLEM="$(tail -1 "$err")"
    return 1
  fi
  export ODOO_PATH="${out#*ODOO_PATH=}"
  ODOO_PATH="${ODOO_PATH%%$'\n'*}"
  PYTHON="${out#*PYTHON=}"
  find_odoo
}

odoo_addons_path() {
  local path="$ODOO_ROOT/odoo/addons"
  [ -d "$ODOO_ROOT/addons" ] && path="$ODOO_ROOT/addons,$path"
  echo "$path,$LOCAL/addons"
}

# The module is named after its folder: Odoo and pytest see the checkout
# through a link called mailchimp_sync.
link_addon() {
  mkdir -p "$LOCAL/addons"
  ln -sfn "$ROOT" "$LOCAL/addons/mailchimp_sync"
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then
    su postgres -s /bin/bash -c "$(printf '%q ' "$@")"
  else
    "$@"
  fi
}

pg_bin() {
  local bin
  for bin in /usr/lib/postgresql/*/bin; do
    [ -x "$bin/pg_ctl" ] && { echo "$bin"; return; }
  done
  dirname "$(command -v pg_ctl)"
}

# Start (or reuse) the project's own PostgreSQL cluster in .local/pg.
start_pg() {
  local bin
  bin="$(pg_bin)"
  PG_BIN="$bin"
  if [ ! -f "$PGDIR/data/PG_VERSION" ]; then
    say "Creating a PostgreSQL cluster in .local/pg"
    mkdir -p "$PGDIR"
    [ "$(id -u)" = 0 ] && chown -R postgres "$PGDIR"
    as_pg "$bin/initdb" -D "$PGDIR/data" -A trust -U postgres >/dev/null
  fi
  if ! as_pg "$bin/pg_ctl" -D "$PGDIR/data" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w \
      -o "-k $PGDIR -p $PGPORT -c listen_addresses=''" start >/dev/null
  fi
  # Odoo refuses to connect as the postgres superuser: use a role of its own.
  "$bin/psql" -h "$PGDIR" -p "$PGPORT" -U postgres -d postgres -qtAc \
    "SELECT 1 FROM pg_roles WHERE rolname='odoo'" | grep -q 1 ||
    "$bin/psql" -h "$PGDIR" -p "$PGPORT" -U postgres -d postgres -qc \
      "CREATE ROLE odoo LOGIN SUPERUSER" >/dev/null
  PG_BIN="$bin"
}

# Stop the checkout's cluster (the test command, on exit), unless the run
# command is serving from it (its pid in .local/run.pid is alive).
stop_pg() {
  [ -n "${PG_BIN:-}" ] || return 0
  local pid
  pid="$(cat "$LOCAL/run.pid" 2>/dev/null || true)"
  if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q odoo-run.cfg; then
    return 0
  fi
  if as_pg "$PG_BIN/pg_ctl" -D "$PGDIR/data" status >/dev/null 2>&1; then
    as_pg "$PG_BIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

# write_config FILE HTTP_PORT
write_config() {
  cat >"$1" <<CFG
[options]
db_host = $PGDIR
db_port = $PGPORT
db_user = odoo
addons_path = $(odoo_addons_path)
data_dir = $LOCAL/data
http_interface = 127.0.0.1
http_port = $2
admin_passwd = admin
without_demo = False
CFG
}

odoo_cmd() {
  (cd / && "$PYTHON" -m odoo "$@")
}

drop_db() {
  "$PG_BIN/dropdb" -h "$PGDIR" -p "$PGPORT" -U odoo --if-exists "$1"
}
