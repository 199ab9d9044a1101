"""Each Mailchimp campaign has an Odoo UTM campaign (matched by name, else
created when the campaign is read), with Mailchimp as its source and email as
its medium: leads, quotations and orders recorded from visits whose links
carry ``utm_campaign=<name>`` fall into Odoo's own UTM reporting."""

from odoo import fields, models

from ..compat import domain_or

UTM_SOURCE_XMLID = "mailchimp_sync.utm_source_mailchimp"
UTM_MEDIUM_XMLID = "utm.utm_medium_email"


class MailchimpCampaign(models.Model):
    _inherit = "mailchimp.campaign"

    utm_campaign_id = fields.Many2one(
        "utm.campaign",
        "UTM Campaign",
        ondelete="set null",
        index="btree_not_null",
        help="Odoo's campaign for this Mailchimp campaign: turn on Mailchimp's "
        "link tracking with utm_campaign set to its name to track visits.",
    )
    utm_source_id = fields.Many2one(
        "utm.source",
        "UTM Source",
        ondelete="set null",
        default=lambda self: self.env.ref(UTM_SOURCE_XMLID, raise_if_not_found=False),
    )
    utm_medium_id = fields.Many2one(
        "utm.medium",
        "UTM Medium",
        ondelete="set null",
        default=lambda self: self.env.ref(UTM_MEDIUM_XMLID, raise_if_not_found=False),
    )
    utm_campaign_name = fields.Char(
        "Name in tracked links",
        related="utm_campaign_id.name",
        readonly=True,
        help="Give the links of this campaign this utm_campaign value in "
        "Mailchimp's link tracking: Odoo counts their visits for it.",
    )

    def _link_utm_campaigns(self):
        """Give the campaigns without one their UTM campaign: the one whose
        name is the campaign's title (case aside, as Odoo matches the
        ``utm_campaign`` of a visit), else a new one (one search, one
        create)."""
        todo = self.filtered(lambda c: not c.utm_campaign_id)
        if not todo:
            return
        UtmCampaign = self.env["utm.campaign"].sudo().with_context(active_test=False)
        titles = {c: c.title or c.subject or c.mailchimp_id for c in todo}
        wanted = {title.lower(): title for title in titles.values()}
        domain = domain_or(
            [[("name", "=ilike", _escape_like(title))] for title in wanted.values()]
        )
        found = {}
        for utm in UtmCampaign.search(domain, order="id desc"):
            found[utm.name.lower()] = utm  # the lowest id wins
        missing = sorted(set(wanted) - found.keys())
        created = UtmCampaign.create([{"title": wanted[key]} for key in missing])
        found.update(zip(missing, created, strict=True))
        for campaign, title in titles.items():
            campaign.utm_campaign_id = found[title.lower()]


def _escape_like(text):
    """``text`` matched literally by ``=ilike``."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
