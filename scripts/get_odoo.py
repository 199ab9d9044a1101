"""Odoo Community for a machine that has none (the run and test commands).

    python3 scripts/get_odoo.py LOCAL   LOCAL: the checkout's .local folder

Fetches Odoo's official source archive of the series ``MCS_FETCH_ODOO``
(``19.0`` unless set; ``18.0`` on request) from its nightly builds, checks its
sha256 when one is known (``MCS_ODOO_SHA256``), unpacks it into
``LOCAL/odoo-<series>``, and installs Odoo's pinned requirements into a virtual
environment ``LOCAL/odoo-venv-<series>``. Prints ``ODOO_PATH=...`` and
``PYTHON=...`` for the shell (exit 0), or one line saying why not and how to
provide Odoo (exit 3). A build fetched before is reused without any download.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

# the nightly build of each series: 18.0 pinned (the build the project was
# developed with), 19.0 the newest (no build of it could be checked from here)
ODOO_BUILDS = {"18.0": "20250702", "19.0": "latest"}
DEFAULT_SERIES = "19.0"
SERIES = os.environ.get("MCS_FETCH_ODOO") or DEFAULT_SERIES
# Not pinned here: this project's machines cannot reach odoo.com to compute it.
# Given (MCS_ODOO_SHA256), the archive is refused unless it matches.
ODOO_SHA256 = os.environ.get("MCS_ODOO_SHA256", "")
HOW_TO = (
    "set PYTHON to a Python that can import Odoo 18 or 19 (e.g. a virtual "
    "environment's bin/python), or ODOO_PATH to an Odoo 18 or 19 source tree "
    "whose requirements that Python has, or make 'odoo' importable by python3 "
    "(e.g. a .pth file in site-packages); README, 'The two commands'"
)


def odoo_url(series):
    """The official source archive of ``series``'s nightly build."""
    build = ODOO_BUILDS[series]
    return f"https://nightly.odoo.com/{series}/nightly/src/odoo_{series}.{build}.tar.gz"


class Unreachable(Exception):
    """The archive could not be downloaded."""


class BadArchive(Exception):
    """The archive is not an Odoo source tree of the series asked for."""


@dataclass
class Result:
    state: str  # found (fetched before), fetched, unreachable, failed
    odoo_path: Path | None = None
    python: Path | None = None
    message: str = ""


def download(url, dest, opener=urllib.request.urlopen, timeout=30):
    """``url`` into ``dest``; Unreachable when the network says no."""
    part = Path(f"{dest}.part")
    try:
        with opener(url, timeout=timeout) as answer, open(part, "wb") as out:
            shutil.copyfileobj(answer, out)
    except (OSError, urllib.error.URLError) as error:
        part.unlink(missing_ok=True)
        reason = getattr(error, "reason", None) or error
        raise Unreachable(f"cannot download {url} ({reason})") from error
    part.replace(dest)


def verify(path, sha256):
    if not sha256:
        return
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    if digest != sha256.lower():
        raise BadArchive(f"{path}: sha256 {digest}, expected {sha256}")


def unpack(archive, target, series=DEFAULT_SERIES):
    """Unpack ``archive`` (Odoo ``series``) into ``target``; the folder
    holding odoo/release.py."""
    tmp = Path(f"{target}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
    except (tarfile.TarError, OSError) as error:
        raise BadArchive(f"{archive}: not a readable archive ({error})") from error
    found = [p.parent.parent for p in tmp.glob("*/odoo/release.py")]
    found += [tmp] if (tmp / "odoo" / "release.py").is_file() else []
    major, minor = series.split(".")
    if not found or f"version_info = ({major}, {minor}" not in _release(found[0]):
        shutil.rmtree(tmp, ignore_errors=True)
        raise BadArchive(f"{archive}: no Odoo {series} source tree inside")
    shutil.rmtree(target, ignore_errors=True)
    found[0].rename(target)
    shutil.rmtree(tmp, ignore_errors=True)
    return Path(target)


def _release(source):
    return (Path(source) / "odoo" / "release.py").read_text(encoding="utf-8")


def make_venv(venv, requirements, run=subprocess.run):
    """A virtual environment with Odoo's pinned requirements; its python."""
    python = Path(venv) / "bin" / "python"
    run([sys.executable, "-m", "venv", str(venv)], check=True)
    run(
        [str(python), "-m", "pip", "install", "-q", "-r", str(requirements)], check=True
    )
    return python


def ensure_odoo(local, fetch=download, install=make_venv, series=None, sha=None):
    """Odoo ``series`` (``MCS_FETCH_ODOO``, else 19.0) under ``local``:
    reused, fetched, or why not (a Result)."""
    local, series = Path(local), series or SERIES
    if series not in ODOO_BUILDS:
        return Result("failed", message=f"Odoo {series} is not supported; {HOW_TO}.")
    url = odoo_url(series)
    source, venv = local / f"odoo-{series}", local / f"odoo-venv-{series}"
    stamp = venv / "odoo-requirements.done"
    if stamp.is_file() and (source / "odoo" / "release.py").is_file():
        return Result("found", source, venv / "bin" / "python")
    archive = local / url.rsplit("/", 1)[-1]
    try:
        if not archive.is_file():
            fetch(url, archive)
        verify(archive, ODOO_SHA256 if sha is None else sha)
        unpack(archive, source, series)
        python = install(venv, source / "requirements.txt")
    except Unreachable as error:
        return Result(
            "unreachable", message=f"Odoo {series} not found and {error}: {HOW_TO}."
        )
    except (BadArchive, subprocess.CalledProcessError, OSError) as error:
        archive.unlink(missing_ok=True)
        return Result(
            "failed", message=f"Odoo {series} could not be set up: {error}; {HOW_TO}."
        )
    stamp.write_text(url + "\n")
    return Result("fetched", source, python)


def main(argv):
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    result = ensure_odoo(argv[0])
    if result.odoo_path is None:
        print(result.message, file=sys.stderr)
        return 3
    print(f"ODOO_PATH={result.odoo_path}")
    print(f"PYTHON={result.python}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
