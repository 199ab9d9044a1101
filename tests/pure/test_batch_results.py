"""The archive of a batch's results, read defensively (issues 26 item 7 and
27 item 4): every regular file whatever its name, the rest skipped and logged,
caps on what it unpacks to. The archives are crafted small; the caps are
patched down where a test needs more than a few kilobytes."""

import gzip
import io
import json
import logging
import os
import tarfile

import pytest

from services import results_archive
from services.errors import MalformedResponse, ResultsRefused
from services.results_archive import parse_results

DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data")
SAMPLE = os.path.join(DATA, "batch_results_sample.tar.gz")
KIB = 1024


def result(operation_id, status_code=200, response=None):
    answer = {"status": "subscribed"} if response is None else response
    return {
        "status_code": status_code,
        "operation_id": operation_id,
        "response": json.dumps(answer),
    }


def regular(name, content):
    """A regular file of an archive: ``content`` is bytes or JSON data."""
    data = content if isinstance(content, bytes) else json.dumps(content).encode()
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def special(name, kind, target=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info, None


def archive(*members, fmt=tarfile.USTAR_FORMAT):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=fmt) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return gzip.compress(raw.getvalue())


def ids(results):
    return sorted(r.operation_id for r in results)


def test_every_regular_file_is_read_whatever_its_name():
    data = archive(
        regular("abc123/0.json", [result("1:put")]),
        regular("abc123/1", [result("2:put")]),
        regular("abc123-response.txt", [result("3:tags", 204, "")]),
    )
    assert ids(parse_results(data)) == ["1:put", "2:put", "3:tags"]


def test_links_folders_and_other_members_are_skipped_and_logged(caplog):
    data = archive(
        special("abc123", tarfile.DIRTYPE),
        special("abc123/link.json", tarfile.SYMTYPE, "/etc/passwd"),
        special("abc123/hard.json", tarfile.LNKTYPE, "abc123/0.json"),
        special("abc123/fifo.json", tarfile.FIFOTYPE),
        regular("abc123/0.json", [result("1:put")]),
    )
    with caplog.at_level(logging.INFO, logger=results_archive.__name__):
        assert ids(parse_results(data)) == ["1:put"]
    skipped = [r.getMessage() for r in caplog.records if "not a regular" in r.message]
    assert len(skipped) == 4
    assert any("link.json" in line for line in skipped)


@pytest.mark.parametrize(
    "content",
    [
        b"not JSON at all",
        {"status_code": 200, "operation_id": "1:put", "response": "{}"},
        "a JSON string",
        b"[" * 100_000,  # nested too deep for the parser
    ],
    ids=["not JSON", "an object", "a string", "too deep"],
)
def test_a_file_that_is_not_a_list_of_results_is_skipped_and_logged(content, caplog):
    data = archive(
        regular("abc123/odd.json", content),
        regular("abc123/0.json", [result("1:put")]),
    )
    with caplog.at_level(logging.INFO, logger=results_archive.__name__):
        assert ids(parse_results(data)) == ["1:put"]
    assert "abc123/odd.json" in caplog.text and "skipped" in caplog.text


def test_items_that_are_not_operation_results_are_left_out_and_counted(caplog):
    items = [result("1:put"), {"status_code": "200"}, 7, result("2:put")]
    with caplog.at_level(logging.INFO, logger=results_archive.__name__):
        assert ids(parse_results(archive(regular("r.json", items)))) == [
            "1:put",
            "2:put",
        ]
    assert "2 of 4 items" in caplog.text


def test_the_documented_sample_archive_is_read():
    """``tests/data/batch_results_sample.tar.gz``: Mailchimp's documented
    form, with file names the documentation does not promise (README there)."""
    with open(SAMPLE, "rb") as handle:
        results = {r.operation_id: r for r in parse_results(handle.read())}
    assert sorted(results) == ["my-id", "my-id-2"]
    assert results["my-id"].ok and results["my-id"].status == "subscribed"
    assert results["my-id"].response["email_address"] == "ann@example.com"
    assert not results["my-id-2"].ok
    assert results["my-id-2"].title == "Member In Compliance State"


def test_an_unreadable_archive_fails_as_malformed():
    for data in (b"not gzip", gzip.compress(b"not a tar archive" * 100)):
        with pytest.raises(MalformedResponse):
            parse_results(data)


# ----------------------------------------------------------------- caps
def test_a_file_declaring_a_gibibyte_is_refused_unread(caplog):
    """A 1 GiB member announced in a header of a few hundred bytes: refused
    from its header, nothing of it is read (the real caps, no patch)."""
    info = tarfile.TarInfo("abc123/0.json")
    info.size = 1024**3
    data = gzip.compress(info.tobuf(tarfile.USTAR_FORMAT) + b"[]")
    assert len(data) < KIB
    with pytest.raises(ResultsRefused) as refused:
        parse_results(data)
    assert "declares 1073741824 bytes" in str(refused.value)
    assert "refused" in caplog.text


def test_a_gzip_bomb_is_refused_by_the_file_cap(monkeypatch, caplog):
    monkeypatch.setattr(results_archive, "MAX_FILE_BYTES", KIB)
    bomb = b"[" + b" " * (256 * KIB) + b"]"  # 256 KiB of JSON, ~300 bytes gzipped
    data = archive(regular("abc123/0.json", bomb))
    assert len(data) < KIB
    with pytest.raises(ResultsRefused) as refused:
        parse_results(data)
    assert "abc123/0.json" in str(refused.value)
    assert "Mailchimp batch results refused" in caplog.text


def test_bytes_read_past_the_file_cap_are_refused_whatever_the_header_says(
    monkeypatch,
):
    """The read of a file is bounded by itself, not by the header alone."""
    monkeypatch.setattr(results_archive, "MAX_FILE_BYTES", KIB)
    endless = io.BytesIO(b"[" + b" " * (64 * KIB) + b"]")
    monkeypatch.setattr(tarfile.TarFile, "extractfile", lambda self, m: endless)
    with pytest.raises(ResultsRefused, match="holds more than 1024 bytes"):
        parse_results(archive(regular("abc123/0.json", [result("1:put")])))
    assert endless.tell() == KIB + 1  # no more was read


def test_an_archive_over_the_total_cap_is_refused(monkeypatch):
    monkeypatch.setattr(results_archive, "MAX_FILE_BYTES", 4 * KIB)
    # (a tar archive is padded to 10 KiB: two of these files fit in 16 KiB)
    monkeypatch.setattr(results_archive, "MAX_UNCOMPRESSED_BYTES", 16 * KIB)
    files = [regular(f"abc123/{i}.json", b" " * (3 * KIB) + b"[]") for i in range(4)]
    with pytest.raises(ResultsRefused, match="more than 16384 bytes uncompressed"):
        parse_results(archive(*files))
    parse_results(archive(*files[:2]))  # under the caps: read


def test_a_huge_header_is_refused_by_the_total_cap(monkeypatch):
    """tarfile reads an extended header whole: the total cap bounds it."""
    monkeypatch.setattr(results_archive, "MAX_UNCOMPRESSED_BYTES", 8 * KIB)
    info, data = regular("abc123/0.json", [result("1:put")])
    info.pax_headers = {"comment": "x" * (256 * KIB)}
    with pytest.raises(ResultsRefused, match="uncompressed"):
        parse_results(archive((info, data), fmt=tarfile.PAX_FORMAT))


def test_an_archive_of_too_many_files_is_refused(monkeypatch):
    monkeypatch.setattr(results_archive, "MAX_FILES", 3)
    files = [regular(f"abc123/{i}.json", [result(f"{i}:put")]) for i in range(4)]
    with pytest.raises(ResultsRefused, match="more than 3 files"):
        parse_results(archive(*files))
    assert len(parse_results(archive(*files[:3]))) == 3
