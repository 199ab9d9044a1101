"""scripts/get_odoo.py: where no Odoo is found, the commands get it (Odoo
19.0, or 18.0 on request: found before, fetched, unreachable), the download
faked."""

import io
import subprocess
import sys
import tarfile
import urllib.error
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import get_odoo  # noqa: E402

ODOO_18 = {"series": "18.0", "sha": ""}  # 18.0 asked for (MCS_FETCH_ODOO=18.0)

URL = "https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.20250702.tar.gz"
URL_19 = "https://nightly.odoo.com/19.0/nightly/src/odoo_19.0.latest.tar.gz"


def _archive(release="version_info = (18, 0, 0, FINAL, 0, '')\n"):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, text in (
            ("odoo-18.0.post20250702/odoo/release.py", release),
            ("odoo-18.0.post20250702/requirements.txt", "babel==2.10.3\n"),
            ("odoo-18.0.post20250702/odoo-bin", "#!/usr/bin/env python3\n"),
        ):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


class FakeNetwork:
    def __init__(self, body=None, error=None):
        self.body, self.error, self.urls = body, error, []

    def __call__(self, url, dest):
        self.urls.append(url)
        if self.error:
            raise get_odoo.Unreachable(f"cannot download {url} ({self.error})")
        Path(dest).write_bytes(self.body)


def fake_install(venv, requirements):
    assert Path(requirements).read_text() == "babel==2.10.3\n"
    (Path(venv) / "bin").mkdir(parents=True)
    return Path(venv) / "bin" / "python"


def test_fetched_unpacked_and_requirements_installed(tmp_path):
    net = FakeNetwork(_archive())
    result = get_odoo.ensure_odoo(tmp_path, fetch=net, install=fake_install, **ODOO_18)
    assert result.state == "fetched"
    assert (result.odoo_path / "odoo" / "release.py").is_file()
    assert result.odoo_path == tmp_path / "odoo-18.0"
    assert result.python == tmp_path / "odoo-venv-18.0" / "bin" / "python"
    assert net.urls == [URL]


def test_odoo_19_by_default(tmp_path):
    release = "version_info = (19, 0, 0, FINAL, 0, '')\n"
    net = FakeNetwork(_archive(release=release))
    result = get_odoo.ensure_odoo(tmp_path, fetch=net, install=fake_install, sha="")
    assert result.state == "fetched"
    assert result.odoo_path == tmp_path / "odoo-19.0"
    assert result.python == tmp_path / "odoo-venv-19.0" / "bin" / "python"
    assert net.urls == [URL_19]


def test_found_when_fetched_before_no_download(tmp_path):
    get_odoo.ensure_odoo(
        tmp_path, fetch=FakeNetwork(_archive()), install=fake_install, **ODOO_18
    )
    net = FakeNetwork(error="must not be called")
    result = get_odoo.ensure_odoo(tmp_path, fetch=net, install=fake_install, **ODOO_18)
    assert (result.state, net.urls) == ("found", [])


def test_unreachable_says_so_in_one_line_and_how_to_provide_odoo(tmp_path):
    net = FakeNetwork(error="Name or service not known")
    result = get_odoo.ensure_odoo(tmp_path, fetch=net, install=fake_install, **ODOO_18)
    assert result.state == "unreachable" and result.odoo_path is None
    assert "\n" not in result.message
    assert "Name or service not known" in result.message
    assert "ODOO_PATH" in result.message and "importable" in result.message


def test_checksum_checked_when_given(tmp_path):
    body = _archive()
    result = get_odoo.ensure_odoo(
        tmp_path,
        fetch=FakeNetwork(body),
        install=fake_install,
        series="18.0",
        sha="0" * 64,
    )
    assert result.state == "failed" and "sha256" in result.message
    assert not list(tmp_path.glob("*.tar.gz"))  # a bad download is not kept
    import hashlib

    good = hashlib.sha256(body).hexdigest()
    result = get_odoo.ensure_odoo(
        tmp_path, fetch=FakeNetwork(body), install=fake_install, series="18.0", sha=good
    )
    assert result.state == "fetched"


def test_an_archive_without_odoo_18_is_refused(tmp_path):
    net = FakeNetwork(_archive(release="version_info = (17, 0, 0, FINAL, 0, '')\n"))
    result = get_odoo.ensure_odoo(tmp_path, fetch=net, install=fake_install, **ODOO_18)
    assert result.state == "failed" and "no Odoo 18.0" in result.message


def test_failed_requirements_say_why(tmp_path):
    def failing_install(venv, requirements):
        raise subprocess.CalledProcessError(1, ["pip", "install"])

    net = FakeNetwork(_archive())
    result = get_odoo.ensure_odoo(
        tmp_path, fetch=net, install=failing_install, **ODOO_18
    )
    assert result.state == "failed" and "pip" in result.message


def test_download_turns_network_errors_into_unreachable(tmp_path):
    def opener(url, timeout):
        raise urllib.error.URLError("Name or service not known")

    with pytest.raises(get_odoo.Unreachable, match="Name or service not known"):
        get_odoo.download(URL, tmp_path / "odoo.tar.gz", opener=opener)
    assert not list(tmp_path.iterdir())


def test_main_prints_the_paths_for_the_shell(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(
        get_odoo,
        "ensure_odoo",
        lambda local: get_odoo.Result("fetched", Path("/o"), Path("/v/bin/python")),
    )
    assert get_odoo.main([str(tmp_path)]) == 0
    assert capsys.readouterr().out == "ODOO_PATH=/o\nPYTHON=/v/bin/python\n"
