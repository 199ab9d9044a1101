"""Forgetting a contact ("Forget in Mailchimp", the GDPR erasure) records the
intent and erases Odoo's Mailchimp data before any irreversible call, cannot
fail on the campaign history view, and a failure part-way is completed by
the next run; the contact's tab and chatter say what happened, once."""

from odoo.tests import Form

from odoo.addons.mailchimp_sync.services.client import MAX_RETRIES

from .clock import day, field, stamp
from .common import MailchimpCase
from .views import arch_of, shown

DELETE_PERMANENT = r"/lists/{lid}/members/[0-9a-f]+/actions/delete-permanent"


class TestForget(MailchimpCase):
    def setUp(self):
        super().setUp()
        self.ann, self.bob = self.make_partners(2)
        self.sync()
        self.second_id = self.fake.add_list("Second")
        self.account.action_import_audiences()
        self.second = self.account.audience_ids.filtered(
            lambda a: a.mailchimp_id == self.second_id
        )
        self.fake.add_member(self.second_id, self.ann.email)

    def add_history(self):
        """Campaign history, activity, a conversion and list-export lines."""
        campaign = self.fake.add_campaign(
            self.list_id,
            "Spring",
            send_time=stamp(day(3, 9)),
            emails_sent=2,
            recipients=[self.ann.email, self.bob.email],
        )
        self.fake.add_email_activity(
            campaign, self.ann.email, "open", stamp(day(3, 10))
        )
        self.audience._sync_campaigns()
        self.assertTrue(self.ann.mailchimp_history_ids, "the history is shown")
        self.env["mailchimp.conversion"].create(
            {
                "campaign_id": self.audience.campaign_ids[:1].id,
                "partner_id": self.ann.id,
                "touch_date": field(day(3, 10)),
                "conversion_date": field(day(5, 12)),
            }
        )
        mailing_list = self.env["mailing.list"].create({"name": "Forget list"})
        self.env["mailing.contact"].create(
            {"name": "Ann", "email": self.ann.email, "list_ids": [(4, mailing_list.id)]}
        )
        form = Form(
            self.env["mailchimp.list.export.wizard"].with_context(
                active_model="mailing.list", active_ids=mailing_list.ids
            )
        )
        form.save().action_export()
        self.assertTrue(self.export_lines())

    def export_lines(self):
        return self.env["mailchimp.list.export.member"].search(
            [("email", "=", self.ann.email)]
        )

    def deletions(self, list_id):
        return self.fake.count("POST", DELETE_PERMANENT.format(lid=list_id))

    def assertErasedInOdoo(self, person, email):
        self.assertFalse(person.mailchimp_sync, "unticked")
        self.assertFalse(person.mailchimp_member_ids)
        self.assertFalse(person.mailchimp_history_ids)
        self.assertFalse(
            self.env["mailchimp.member.activity"].search(
                [("partner_id", "=", person.id)]
            )
        )
        self.assertFalse(
            self.env["mailchimp.conversion"].search([("partner_id", "=", person.id)])
        )
        self.assertFalse(self.export_lines())
        self.assertFalse(
            self.env["mailchimp.sync.log.line"].search([("email", "=", email)])
        )
        self.assertTrue(
            self.env["mailchimp.suppression"]._suppressed(self.audience, [email])
        )

    def test_forget_with_campaign_history_erases_before_calling(self):
        self.add_history()
        email = self.ann.email
        self.fake.reset_calls()
        action = self.ann.action_mailchimp_forget()
        self.assertIn(f"{self.ann.name} erased", action["params"]["message"])
        self.assertIn("from: Newsletter, Second", action["params"]["message"])
        # the intent is saved with this transaction; Mailchimp is not called yet
        self.assertEqual(self.fake.calls, [])
        self.assertErasedInOdoo(self.ann, email)
        self.assertIn(
            "Mailchimp is deleting it from: Newsletter, Second.",
            self.ann.mailchimp_notice,
        )
        # Mailchimp, once that is saved
        self.env["mailchimp.erasure"]._cron_erase()
        self.assertIsNone(self.fake.member(self.list_id, email))
        self.assertIsNone(self.fake.member(self.second_id, email))
        self.assertIn(email, self.fake.forgotten)
        self.assertFalse(self.env["mailchimp.erasure"].search([]))
        self.assertIsNotNone(self.fake.member(self.list_id, self.bob.email))
        self.assertTrue(self.bob.mailchimp_history_ids, "others keep theirs")

    def test_a_failure_part_way_is_completed_by_the_next_run(self):
        self.add_history()
        email = self.ann.email
        self.fake.fail(
            "POST",
            DELETE_PERMANENT.format(lid=self.second_id),
            status=503,
            times=MAX_RETRIES + 1,
        )
        self.ann.action_mailchimp_forget()
        failed = self.env["mailchimp.erasure"]._cron_erase()
        self.assertEqual(failed, 1)
        self.assertIsNone(self.fake.member(self.list_id, email))
        self.assertIsNotNone(self.fake.member(self.second_id, email), "503 there")
        # Odoo is in the state the erasure asked for, and says what is left
        self.assertErasedInOdoo(self.ann, email)
        self.assertTrue(self.ann.mailchimp_notice_warning)
        self.assertIn("not deleted it yet from: Second", self.ann.mailchimp_notice)
        self.assertIn("503", self.ann.mailchimp_notice)
        self.assertIn("the next run tries again", self.ann.mailchimp_notice)
        # the next run completes it
        self.assertEqual(self.env["mailchimp.erasure"]._cron_erase(), 0)
        self.assertIsNone(self.fake.member(self.second_id, email))
        self.assertEqual(self.deletions(self.list_id), 1, "not deleted twice")
        self.assertFalse(self.env["mailchimp.erasure"].search([]))
        self.assertFalse(self.ann.mailchimp_notice_warning)

    def test_the_tab_and_the_chatter_say_what_happened_once(self):
        email = self.ann.email
        self.ann.action_mailchimp_forget()
        self.env["mailchimp.erasure"]._cron_erase()
        notice = self.ann.mailchimp_notice
        self.assertEqual(self.tab_says(self.ann), [notice], "one notice, nothing else")
        self.assertTrue(self.ann.mailchimp_forgotten)
        self.assertIn(
            f"Erased from Mailchimp (GDPR request) by {self.env.user.name} on", notice
        )
        self.assertIn("never sent to Mailchimp again", notice)
        self.assertNotIn("not in Mailchimp yet", notice)
        self.assertNotIn("deleting", notice, "Mailchimp confirmed it")
        bodies = self.ann.message_ids.mapped("body")
        logged = [b for b in bodies if "Erased from Mailchimp (GDPR request) by" in b]
        self.assertEqual(len(logged), 1, bodies)
        self.assertIn(self.env.user.name, logged[0])
        self.assertTrue(any("Mailchimp confirmed" in b for b in bodies), bodies)
        self.assertFalse([b for b in bodies if email in b], "no email in the chatter")
        # ticked again: still one message, nothing re-added, no member row
        self.ann.mailchimp_sync = True
        self.fake.reset_calls()
        self.sync()
        self.sync(self.second)
        self.assertEqual(self.upserts(), 0)
        self.assertFalse(self.ann.mailchimp_member_ids)
        self.assertFalse(self.ann.mailchimp_error)
        self.assertEqual(self.ann.mailchimp_notice, notice)
        self.assertEqual(self.tab_says(self.ann), [notice])

    def tab_says(self, partner):
        """What the contact's Mailchimp tab shows, as the web client evaluates
        the view: its notices and alerts, and whether anything of a member
        (status, Sync now, Forget) is shown."""
        partner.invalidate_recordset()
        page = arch_of(self.env["res.partner"]).xpath("//page[@name='mailchimp']")[0]
        said = [
            partner.mailchimp_notice
            for div in page.xpath("./div[@name]")
            if div.get("name").startswith("mailchimp_notice") and shown(div, partner)
        ]
        said += [
            partner.mailchimp_error
            for div in page.xpath("./div[field[@name='mailchimp_error']]")
            if shown(div, partner)
        ]
        for name in ("mailchimp_status", "action_mailchimp_forget"):
            for node in page.xpath(f".//*[@name='{name}']"):
                if shown(node, partner):
                    said.append(name)
        return said


class TestForgetFromTheActionMenu(MailchimpCase):
    """The Action menu's "Forget in Mailchimp (GDPR)" (contact list and
    form) asks first, as the contact's button does: nothing is erased until
    the manager confirms."""

    def binding(self):
        bindings = self.env["ir.actions.actions"].get_bindings("res.partner")
        (forget,) = [
            a for a in bindings["action"] if a["name"] == "Forget in Mailchimp (GDPR)"
        ]
        action = self.env["ir.actions.actions"].browse(forget["id"])
        return self.env[action.type].browse(action.id)

    def test_the_action_menu_asks_before_it_erases(self):
        ann, bob = self.make_partners(2)
        self.sync()
        forget = self.binding()
        self.assertEqual(forget.type, "ir.actions.act_window")
        self.assertEqual(forget.target, "new", "a dialog, not the erasure")
        Wizard = self.env[forget.res_model].with_context(
            active_model="res.partner", active_ids=(ann | bob).ids
        )
        wizard = Wizard.create({})
        self.assertEqual(wizard.partner_ids, ann | bob)
        self.assertFalse(ann.mailchimp_forgotten, "opening the dialog erases nothing")
        action = wizard.action_confirm()
        self.assertIn("2 people erased", action["params"]["message"])
        self.assertTrue(ann.mailchimp_forgotten and bob.mailchimp_forgotten)
