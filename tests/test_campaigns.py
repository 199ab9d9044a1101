from unittest.mock import patch

from odoo.tests import Form, new_test_user

from .clock import day, stamp
from .common import MailchimpCase


class TestCampaigns(MailchimpCase):
    def setUp(self):
        super().setUp()
        self.ann, self.bob = self.make_partners(2)
        self.sync()
        self.account.data_center = "us6"

    def campaign(self, title, number, opens_by_ann=(), clicks_by_ann=()):
        cid = self.fake.add_campaign(
            self.list_id,
            title,
            subject=f"Subject {title}",
            send_time=stamp(day(number, 9)),
            emails_sent=2,
            report={
                "opens": {"opens_total": 3, "unique_opens": 1, "open_rate": 0.5},
                "clicks": {"clicks_total": 1, "unique_clicks": 1, "click_rate": 0.5},
            },
            recipients=[self.ann.email, self.bob.email],
        )
        for moment in opens_by_ann:
            self.fake.add_email_activity(cid, self.ann.email, "open", moment)
        for moment, url in clicks_by_ann:
            self.fake.add_email_activity(cid, self.ann.email, "click", moment, url=url)
        return cid

    def test_campaigns_and_reports_across_two_pages(self):
        for number in range(1, 4):
            self.campaign(f"C{number}", number)
        with patch("odoo.addons.mailchimp_sync.services.client.PAGE_SIZE", 2):
            self.audience._sync_campaigns()
        campaigns = self.audience.campaign_ids
        self.assertEqual(len(campaigns), 3)
        self.assertEqual(self.fake.count("GET", "/campaigns"), 2)
        c1 = campaigns.filtered(lambda c: c.title == "C1")
        self.assertEqual(
            (c1.subject, c1.emails_sent, c1.unique_opens), ("Subject C1", 2, 1)
        )
        self.assertEqual(c1.open_rate, 50.0)
        self.assertEqual(
            c1.report_url,
            f"https://us6.admin.mailchimp.com/reports/summary?id={c1.web_id}",
        )

    def test_activity_stored_once_when_read_twice(self):
        self.campaign("C1", 1, opens_by_ann=[stamp(day(1, 10))])
        self.audience._sync_campaigns()
        self.audience.activity_cursor = False  # read everything again
        self.audience._sync_campaigns()
        activity = self.ann.mailchimp_member_id.activity_ids
        self.assertEqual(sorted(activity.mapped("action")), ["open", "sent"])

    def test_late_opens_are_picked_up(self):
        cid = self.campaign("C1", 1)
        self.audience._sync_campaigns()
        cursor = self.audience.activity_cursor
        # an open that happened two hours before the last read, reported late
        late = (cursor.replace(microsecond=0)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        self.fake.add_email_activity(cid, self.ann.email, "open", late)
        self.audience._sync_campaigns()
        self.assertIn(
            "open", self.ann.mailchimp_member_id.activity_ids.mapped("action")
        )
        since = self.fake.calls[-1].query.get("since")
        self.assertTrue(since and since < late, "re-reads a window before the cursor")

    def test_contact_tab_shows_what_the_contact_did(self):
        self.campaign("Old", 1)
        self.campaign(
            "New",
            5,
            opens_by_ann=[stamp(day(5, 10))],
            clicks_by_ann=[(stamp(day(5, 10, 1)), "https://example.com/offer")],
        )
        self.audience._sync_campaigns()
        history = self.ann.mailchimp_history_ids
        self.assertEqual(history.mapped("subject"), ["Subject New", "Subject Old"])
        newest = history[0]
        self.assertTrue(newest.opened and newest.clicked)
        self.assertEqual(newest.clicked_links, "https://example.com/offer")
        self.assertFalse(history[1].opened)
        self.assertEqual(self.ann.mailchimp_campaign_count, 2)
        self.assertFalse(self.bob.mailchimp_history_ids.filtered("opened"))

    def test_member_url_from_data_center_and_web_id(self):
        # batch subscribe's answer has no web_id (spec ListMembers5): the
        # member's next read brings it
        self.sync()
        member = self.ann.mailchimp_member_id
        self.assertTrue(member.web_id)
        self.assertEqual(
            self.ann.mailchimp_url,
            f"https://us6.admin.mailchimp.com/lists/members/view?id={member.web_id}",
        )

    def test_a_contact_not_yet_in_mailchimp_has_no_page_to_view(self):
        # ticked, not yet sent: its member has no web_id (0); "View in
        # Mailchimp" (invisible="not mailchimp_url") must not open "0"
        carl = self.make_partners(1, prefix="carl")
        self.assertEqual(carl.mailchimp_member_id.web_id, 0)
        self.assertFalse(carl.mailchimp_url)
        self.assertFalse(carl.mailchimp_member_id.mailchimp_url)

    def test_a_campaign_without_a_web_id_has_no_report_to_open(self):
        campaign = self.env["mailchimp.campaign"].create(
            {"audience_id": self.audience.id, "mailchimp_id": "noweb"}
        )
        self.assertEqual(campaign.web_id, 0)
        self.assertFalse(campaign.report_url)

    def test_refresh_reads_member_figures(self):
        member = self.fake.member(self.list_id, self.ann.email)
        member.update(
            member_rating=4, stats={"avg_open_rate": 0.25, "avg_click_rate": 0.1}
        )
        self.ann.action_mailchimp_refresh()
        self.assertEqual(self.ann.mailchimp_rating, "4")
        self.assertEqual(self.ann.mailchimp_open_rate, 25.0)

    def test_refresh_keeps_every_event_of_the_activity_feed(self):
        cid = self.campaign("C1", 1)
        campaign = self.env["mailchimp.campaign"].create(
            {"audience_id": self.audience.id, "mailchimp_id": cid, "title": "C1"}
        )
        for minute in range(12):
            self.fake.add_email_activity(
                cid, self.ann.email, "open", stamp(day(1, 10, minute))
            )
        self.fake.add_email_activity(
            cid, self.ann.email, "click", stamp(day(1, 11)), url="https://x.example/a"
        )
        for _read in range(2):
            self.ann.action_mailchimp_refresh()
        events = self.ann.mailchimp_member_id.activity_ids
        self.assertEqual(len(events), 13, "all pages of 10 read, none doubled")
        self.assertEqual(events.campaign_id, campaign)
        self.assertEqual(sorted(set(events.mapped("action"))), ["click", "open"])
        self.assertTrue(all(events.mapped("timestamp")))
        self.assertEqual(
            events.filtered(lambda e: e.action == "click").url, "https://x.example/a"
        )

    def test_read_campaigns_now_from_the_campaign_list(self):
        self.campaign("C1", 1, opens_by_ann=[stamp(day(1, 10))])
        # a list header button is called on the selected records: none here
        action = self.env["mailchimp.campaign"].action_read_campaigns_now()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("Campaigns in Odoo: 1.", action["params"]["message"])
        self.assertEqual(self.audience.campaign_ids.title, "C1")

    def test_partner_without_member_shows_empty_state(self):
        partner = self.env["res.partner"].create({"name": "Nobody"})
        with Form(partner) as form:
            self.assertFalse(form.mailchimp_status)
        self.assertFalse(partner.mailchimp_history_ids)
        self.assertEqual(partner.mailchimp_campaign_count, 0)
        self.assertFalse(partner.mailchimp_url)

    def test_tab_hidden_without_mailchimp_group(self):
        plain = new_test_user(self.env, login="plain_user", groups="base.group_user")
        reader = new_test_user(
            self.env,
            login="mc_reader",
            groups="base.group_user,mailchimp_sync.group_mailchimp_user",
        )
        for user, visible in ((plain, False), (reader, True)):
            arch = (
                self.env["res.partner"]
                .with_user(user)
                .get_views([(False, "form")])["views"]["form"]["arch"]
            )
            self.assertEqual('name="mailchimp"' in arch, visible, user.login)
