"""PEP 517 build backend: whool, for an addon kept at the repository's root.

whool names the distribution after the addon's folder, and the folder of a
clone is whatever the clone is called. This backend stages the addon under a
folder named ``mailchimp_sync`` (the files git tracks, or every file but the
local ones when there is no git) and lets whool build from there: the wheel is
``odoo_addon_mailchimp_sync`` whatever the checkout's name, with the
manifest's version and external dependencies.

The manifest's version carries no Odoo series (``1.3.0``: Odoo 18 and 19 both
take it as their own, see compat.py); a package is for one series, written
into the staged manifest (``19.0.1.3.0``): ``MCS_ODOO_SERIES`` (``18.0`` or
``19.0``), else the series of the Odoo the building Python imports, else
:data:`DEFAULT_SERIES`. whool then requires ``odoo==<series>.*``.
"""

import ast
import importlib.util
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

ADDON = "mailchimp_sync"
SERIES_ENV = "MCS_ODOO_SERIES"
DEFAULT_SERIES = "18.0"


def _whool():
    from whool import buildapi  # only to build: stage() works without it

    return buildapi


ROOT = Path(__file__).resolve().parent.parent
# never in a package: local state, caches, editable-install links
LOCAL = {".local", ".git", "build", "dist", "__pycache__", ".pytest_cache"}
# in the sdist (it must be able to build the wheel again) but not in the wheel
DEVELOPMENT = {".ci", "benchmark", "scripts", "docs", "pyproject.toml"}
DEVELOPMENT_SUFFIXES = (".pyc",)


def _tracked(root):
    """The files git tracks under ``root`` (None when there is no git)."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"],
            cwd=root,
            check=True,
            capture_output=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return [name for name in out.decode().split("\0") if name]


def _all_files(root):
    names = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in LOCAL]
        rel = Path(folder).relative_to(root)
        names += [str(rel / name) for name in files]
    return names


def _kept(name, wheel):
    parts = Path(name).parts
    if LOCAL & set(parts) or name.endswith(DEVELOPMENT_SUFFIXES):
        return False
    if wheel and (parts[0] in DEVELOPMENT or parts[0].startswith(".")):
        return False
    return True


def odoo_series():
    """The Odoo series the package is built for (see the module's doc)."""
    series = os.environ.get(SERIES_ENV)
    if series:
        return series
    spec = importlib.util.find_spec("odoo")
    for folder in (spec and spec.submodule_search_locations) or ():
        release = Path(folder) / "release.py"
        found = release.is_file() and re.search(
            r"^version_info = \((\d+), (\d+)", release.read_text(), re.M
        )
        if found:
            return f"{found[1]}.{found[2]}"
    return DEFAULT_SERIES


def with_series(manifest, series):
    """Write ``series`` before the version of the ``manifest`` file (a version
    that already has one is kept)."""
    text = manifest.read_text(encoding="utf-8")
    version = ast.literal_eval(text)["version"]
    if version.count(".") > 2:
        return version
    text, count = re.subn(
        r"""(["']version["']\s*:\s*["'])""" + re.escape(version),
        rf"\g<1>{series}.{version}",
        text,
    )
    assert count == 1, f"{manifest}: no version {version!r} to prefix"
    manifest.write_text(text, encoding="utf-8")
    return f"{series}.{version}"


def stage(root, target, wheel):
    """Copy the addon's files from ``root`` into ``target``/mailchimp_sync."""
    names = _tracked(root)
    if names is None:
        names = _all_files(root)
    addon_dir = Path(target) / ADDON
    for name in names:
        if not _kept(name, wheel) or not (root / name).is_file():
            continue
        (addon_dir / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, addon_dir / name)
    if wheel:
        # whool reads its options from pyproject.toml, then leaves it out
        shutil.copy2(root / "pyproject.toml", addon_dir / "pyproject.toml")
    with_series(addon_dir / "__manifest__.py", odoo_series())
    return addon_dir


def _in_stage(wheel, build):
    root = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="mcs-build-") as tmp:
        addon_dir = stage(root, tmp, wheel)
        # no git above the stage: whool takes the staged files as they are
        old = os.environ.get("GIT_CEILING_DIRECTORIES")
        os.environ["GIT_CEILING_DIRECTORIES"] = tmp
        try:
            return build(addon_dir)
        finally:
            if old is None:
                del os.environ["GIT_CEILING_DIRECTORIES"]
            else:
                os.environ["GIT_CEILING_DIRECTORIES"] = old


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _in_stage(
        True,
        lambda addon_dir: _whool()._build_wheel(
            addon_dir, Path(wheel_directory), editable=False
        ),
    )


def build_sdist(sdist_directory, config_settings=None):
    return _in_stage(
        False,
        lambda addon_dir: _whool()._build_sdist(addon_dir, Path(sdist_directory)),
    )


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    return _in_stage(
        True,
        lambda addon_dir: _whool()._make_dist_info(
            _whool()._get_metadata(addon_dir), Path(metadata_directory)
        ),
    )


def _link():
    """``.local/addons/mailchimp_sync``: the checkout under the addon's name."""
    link = Path.cwd() / ".local" / "addons" / ADDON
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.is_symlink():
        link.symlink_to(Path.cwd(), target_is_directory=True)
    return link


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    """An editable install points Odoo at the checkout through the link (its
    manifest unstaged: the series is given to whool, then to the version)."""
    buildapi = _whool()
    original = buildapi._get_metadata

    def metadata_with_series(addon_dir):
        from manifestoo_core.metadata import metadata_from_addon_dir

        series = odoo_series()
        options = buildapi.load_pyproject_toml(addon_dir).get("tool", {})
        options = dict(options.get("whool", {}), odoo_series_override=series)
        metadata = metadata_from_addon_dir(addon_dir, options)
        metadata.replace_header("Version", f"{series}.{metadata['Version']}")
        return metadata

    buildapi._get_metadata = metadata_with_series
    try:
        return buildapi._build_wheel(_link(), Path(wheel_directory), editable=True)
    finally:
        buildapi._get_metadata = original


if __name__ == "__main__":
    # python3 scripts/build_backend.py TARGET: stage the addon (sdist files)
    import sys

    print(stage(ROOT, sys.argv[1], wheel=False))
