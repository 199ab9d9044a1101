"""Endpoints of an audience beyond its members: groups, campaigns and
their reports, webhooks. Mixed into :class:`~.client.MailchimpClient`, whose
``call``, ``iterate`` and ``paginate`` they use (ids checked, retries,
errors). Imports no Odoo."""

from .campaigns import FEED_ACTIVITY_TYPES


class AudienceEndpoints:
    """Methods of :class:`~.client.MailchimpClient` (see the module)."""

    # ------------------------------------------------------------ activity
    def get_member_activity(self, list_id, member_hash):
        """Every campaign event of a member's activity feed, page after page
        (its default page is 10 events; the answer has no ``total_items``:
        spec schema ``MemberActivityEvents1``)."""
        return list(
            self.iterate(
                self.sdk.lists.get_list_member_activity_feed,
                "activity",
                list_id,
                member_hash,
                activity_filters=list(FEED_ACTIVITY_TYPES),
            )
        )

    # ------------------------------------------------------------ groups
    def iter_interest_categories(self, list_id):
        return self.iterate(
            self.sdk.lists.get_list_interest_categories, "categories", list_id
        )

    def iter_interests(self, list_id, category_id):
        return self.iterate(
            self.sdk.lists.list_interest_category_interests,
            "interests",
            list_id,
            category_id,
        )

    def create_interest(self, list_id, category_id, name):
        return self.call(
            self.sdk.lists.create_interest_category_interest,
            list_id,
            category_id,
            {"name": name},
        )

    # ------------------------------------------------------------ campaigns
    def iter_campaign_pages(self, list_id, since_send_time=None):
        params = {"list_id": list_id, "status": "sent", "sort_field": "send_time"}
        if since_send_time:
            params["since_send_time"] = since_send_time
        return self.paginate(self.sdk.campaigns.list, "campaigns", **params)

    def iter_sent_to_pages(self, campaign_id):
        return self.paginate(
            self.sdk.reports.get_campaign_recipients, "sent_to", campaign_id
        )

    def get_report(self, campaign_id):
        return self.call(self.sdk.reports.get_campaign_report, campaign_id)

    def iter_email_activity_pages(self, campaign_id, since=None):
        params = {"since": since} if since else {}
        return self.paginate(
            self.sdk.reports.get_email_activity_for_campaign,
            "emails",
            campaign_id,
            **params,
        )

    # ------------------------------------------------------------ webhooks
    def create_webhook(self, list_id, body):
        return self.call(self.sdk.lists.create_list_webhook, list_id, body)

    def get_webhook(self, list_id, webhook_id):
        return self.call(self.sdk.lists.get_list_webhook, list_id, webhook_id)

    def update_webhook(self, list_id, webhook_id, body):
        return self.call(self.sdk.lists.update_list_webhook, list_id, webhook_id, body)

    def delete_webhook(self, list_id, webhook_id):
        return self.call(self.sdk.lists.delete_list_webhook, list_id, webhook_id)
