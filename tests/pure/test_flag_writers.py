"""scripts/check_files.py: a member's push flag (``need_sync``,
``odoo_changed_at``) is written in mailchimp_sync_state.py only; a
write anywhere else in the code fails the static checks, a read does not."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import check_files  # noqa: E402

WRITES = [
    'rows.write({"status": "archived", "need_sync": False})',
    "member.need_sync = False",
    "self.write(dict(values, need_sync=True))",
    "vals['odoo_changed_at'] = now",
    "SET need_sync = FALSE, last_sync = %(now)s",
]
READS = [
    '[("need_sync", "=", True)]',
    'members.filtered("need_sync")',
    "if row.odoo_changed_at and row.odoo_changed_at > fired:",
    'mailchimp_need_sync = fields.Boolean(related="mailchimp_member_id.need_sync")',
    "member.need_sync == True",
]


@pytest.mark.parametrize("line", WRITES)
def test_a_write_of_the_flag_is_found(line):
    assert check_files.FLAG_WRITE.search(line)


@pytest.mark.parametrize("line", READS)
def test_a_read_of_the_flag_is_not(line):
    assert not check_files.FLAG_WRITE.search(line)


def test_the_addon_writes_the_flag_in_its_one_file_only():
    assert check_files.check_flag_writers() == []
