"""README.md's Security table "Who may read and write what" is read back and
every cell is checked for each role, with the read and write calls an RPC
client makes."""

import os
import re

from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from .common import MailchimpCase

README = os.path.join(os.path.dirname(os.path.dirname(__file__)), "README.md")
TABLE_HEADER = "| Data (`model`: `fields`)"
# the README's role columns, and the groups of a user who holds that role
ROLES = {
    "No Mailchimp role": "base.group_user,base.group_partner_manager",
    "Mailchimp / User": "base.group_user,base.group_partner_manager,"
    "mailchimp_sync.group_mailchimp_user",
    "Mailchimp / Manager": "base.group_user,mailchimp_sync.group_mailchimp_manager",
    "Administrator": "base.group_user,base.group_system,"
    "mailchimp_sync.group_mailchimp_manager",
}
CELLS = {"—": set(), "read": {"read"}, "read, write": {"read", "write"}}
# a valid new value where the type's own would not be one
NEW_VALUES = {"domain": "[('email', '!=', False)]"}


def readme_table():
    """``[(model, fields, {role: rights})]`` of the README's table."""
    with open(README, encoding="utf-8") as readme:
        lines = readme.read().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(TABLE_HEADER))
    roles = [cell.strip() for cell in lines[start].strip("|").split("|")][1:]
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        model, *names = re.findall(r"`([^`]+)`", cells[0])
        rows.append(
            (model, names, dict(zip(roles, map(CELLS.get, cells[1:]), strict=True)))
        )
    return rows


def new_value(record, name):
    """A valid value of ``name`` other than the record's."""
    field, current = record._fields[name], record[name]
    if name in NEW_VALUES:
        return NEW_VALUES[name]
    if field.type == "boolean":
        return not current
    if field.type == "selection":
        keys = [key for key, _label in field._description_selection(record.env)]
        return next(key for key in keys if key != current)
    if field.type in ("char", "text"):
        return (current or "") + "x"
    if field.type in ("integer", "float", "monetary"):
        return current + 1
    if field.type == "datetime":
        return False if current else "2001-01-01 00:00:00"
    if field.type == "many2one":
        Comodel = record.env[field.comodel_name]
        return Comodel.search([("id", "!=", current.id)], limit=1).id
    raise AssertionError(f"no new value for {field}")


class TestReadmeAccessTable(MailchimpCase):
    def setUp(self):
        super().setUp()
        self.users = {
            role: new_test_user(self.env, login=f"readme_{i}", groups=groups)
            for i, (role, groups) in enumerate(ROLES.items())
        }
        self.env["ir.config_parameter"].set_param(
            "web.base.url", "https://odoo.example.com"
        )
        self.audience.action_webhook_register()
        self.fake.add_list("Second")  # another audience to move a contact to
        self.account.action_import_audiences()
        self.fake.add_interest_category(self.list_id, "Interests", ["VIP"])
        self.audience.action_refresh_groups()
        self.person = self.make_partners(1)
        self.sync()
        self.records = self.records_by_model()

    def records_by_model(self):
        member = self.person.mailchimp_member_id
        permission = self.env["mailchimp.marketing.permission"].create(
            {"audience_id": self.audience.id, "mailchimp_id": "p1", "text": "Email"}
        )
        Suppression = self.env["mailchimp.suppression"]
        return {
            "res.partner": self.person,
            "mailchimp.account": self.account,
            "mailchimp.audience": self.audience,
            "mailchimp.member": member,
            "mailchimp.member.consent": self.env["mailchimp.member.consent"].create(
                {"member_id": member.id, "permission_id": permission.id}
            ),
            "mailchimp.segment": self.env["mailchimp.segment"].create(
                {"name": "VIP", "audience_id": self.audience.id, "domain": "[]"}
            ),
            "mailchimp.field.mapping": self.audience.mapping_ids[:1],
            "mailchimp.interest.category": self.audience.interest_category_ids[:1],
            "mailchimp.merge.field": self.audience.merge_field_ids[:1],
            "mailchimp.sync.log": self.audience._last_log(),
            "mailchimp.campaign": self.env["mailchimp.campaign"].create(
                {"audience_id": self.audience.id, "mailchimp_id": "c1", "title": "N"}
            ),
            "mailchimp.webhook.event": self.env["mailchimp.webhook.event"].create(
                {"audience_id": self.audience.id, "event_key": "e1"}
            ),
            "mailchimp.suppression": Suppression._record(
                self.audience, ["gone@example.com"], "deleted"
            ),
        }

    def may_read(self, record, name):
        try:
            record.read([name])
        except AccessError:
            return False
        return True

    def may_write(self, record, name):
        """Whether the user's write of ``name`` passes the access checks: it
        changes the value, or is refused for another reason than access."""
        value = new_value(record.sudo(), name)
        before = record.sudo()[name]
        try:
            with self.env.cr.savepoint():
                record.write({name: value})
                self.env.invalidate_all()
                changed = record.sudo()[name] != before
                raise _RollBack(changed)
        except AccessError:
            return False
        except _RollBack as done:
            return done.changed
        except Exception:  # noqa: BLE001 pylint: disable=broad-except
            return True  # past the access checks: the value was refused
        finally:
            self.env.invalidate_all()

    def test_item13_the_readme_access_table_holds_for_every_role(self):
        rows = readme_table()
        self.assertGreaterEqual(len(rows), 20)
        for model, names, rights in rows:
            record = self.records[model]
            self.assertTrue(record, model)
            self.assertEqual(set(rights), set(ROLES), model)
            for role, expected in rights.items():
                mine = record.with_user(self.users[role])
                for name in names:
                    with self.subTest(model=model, field=name, role=role):
                        self.assertIn(name, record._fields)
                        found = {
                            right
                            for right, allowed in (
                                ("read", self.may_read(mine, name)),
                                ("write", self.may_write(mine, name)),
                            )
                            if allowed
                        }
                        self.assertEqual(found, expected, f"{model}.{name}, {role}")


class _RollBack(Exception):
    """Undo a write that went through (its savepoint rolls back)."""

    def __init__(self, changed):
        super().__init__()
        self.changed = changed
