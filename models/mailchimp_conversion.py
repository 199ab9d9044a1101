"""Closed-loop reporting: which campaigns generated new customers (the rules:
README "Closed-loop reporting", attribution by person). Computed per audience
in one query, stored as ``mailchimp.conversion`` rows, refreshed with the
campaign activity."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .mailchimp_conversion_sources import CONVERSION_SOURCES

DEFAULT_WINDOW_DAYS = 30
TOUCH_ACTIONS = ("open", "click")


class MailchimpConversion(models.Model):
    _name = "mailchimp.conversion"
    _description = "Mailchimp Campaign Conversion"
    _order = "conversion_date desc, id desc"
    _rec_name = "partner_id"

    campaign_id = fields.Many2one(
        "mailchimp.campaign", required=True, ondelete="cascade", index=True
    )
    audience_id = fields.Many2one(
        related="campaign_id.audience_id", store=True, index=True
    )
    company_id = fields.Many2one(related="campaign_id.company_id", store=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, ondelete="cascade", index=True
    )
    touch_date = fields.Datetime("Last open or click")
    conversion_date = fields.Datetime("Customer since")
    conversion_model = fields.Char()
    conversion_res_id = fields.Integer()
    conversion_ref = fields.Reference(
        "_selection_documents", "Converted by", compute="_compute_refs"
    )
    revenue_model = fields.Char()
    revenue_res_id = fields.Integer()
    revenue_ref = fields.Reference(
        "_selection_documents", "First order or invoice", compute="_compute_refs"
    )
    revenue = fields.Monetary(
        currency_field="currency_id", groups="mailchimp_sync.group_mailchimp_manager"
    )

    @api.model
    def _available_sources(self):
        """The conversion sources whose app is installed."""
        return [s for s in CONVERSION_SOURCES if s.available(self.env)]

    @api.model
    def _selection_documents(self):
        return [
            (source.model, self.env[source.model]._description)
            for source in CONVERSION_SOURCES
            if source.model in self.env
        ]

    @api.depends(
        "conversion_model", "conversion_res_id", "revenue_model", "revenue_res_id"
    )
    def _compute_refs(self):
        models_ = dict(self._selection_documents())
        for row in self:
            row.conversion_ref = _ref(
                models_, row.conversion_model, row.conversion_res_id
            )
            row.revenue_ref = _ref(models_, row.revenue_model, row.revenue_res_id)

    @api.model
    def _refresh(self, audiences):
        """Recompute the conversions of ``audiences`` (one query each)."""
        for audience in audiences:
            rows = self._won_customers(audience)
            self.sudo().search([("audience_id", "=", audience.id)]).unlink()
            self.sudo().create(rows)

    @api.model
    def _won_customers(self, audience):
        """The conversion rows of ``audience`` (values to create, the query's
        columns named after the fields)."""
        sources = self._available_sources()
        partners = self._touched_partners(audience)
        if not sources or not partners:
            return []
        for source in sources:
            source.flush(self.env)
        self.env.cr.execute(self._conversion_query(audience, sources, partners))
        return self.env.cr.dictfetchall()

    @api.model
    def _touched_partners(self, audience):
        """Commercial entities of the contacts who opened or clicked a
        campaign of ``audience`` (one query)."""
        self.env["mailchimp.member.activity"].flush_model()
        self.env["mailchimp.campaign"].flush_model(["audience_id"])
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        self.env.cr.execute(
            SQL(
                """SELECT DISTINCT p.commercial_partner_id
                     FROM mailchimp_member_activity a
                     JOIN mailchimp_campaign c ON c.id = a.campaign_id
                     JOIN res_partner p ON p.id = a.partner_id
                    WHERE c.audience_id = %s AND a.action = ANY(%s)
                      AND p.commercial_partner_id IS NOT NULL""",
                audience.id,
                list(TOUCH_ACTIONS),
            )
        )
        return [cp for (cp,) in self.env.cr.fetchall()]

    @api.model
    def _conversion_query(self, audience, sources, partners):
        """First conversion per commercial entity, the last open or click
        before it within the window, and the first order (else invoice) in
        the window after that open or click."""
        company = audience.company_id.id or None
        docs = SQL(" UNION ALL ").join(s.select(company, partners) for s in sources)
        return SQL(
            """WITH docs AS (%(docs)s),
                firsts AS (
                    SELECT DISTINCT ON (cp) cp, at, model, res_id
                      FROM docs WHERE at IS NOT NULL
                  ORDER BY cp, at, priority, res_id),
                won AS (
                    SELECT f.*, t.campaign_id, t.timestamp AS touch
                      FROM firsts f
                CROSS JOIN LATERAL (
                    SELECT a.campaign_id, a.timestamp
                      FROM mailchimp_member_activity a
                      JOIN mailchimp_campaign c ON c.id = a.campaign_id
                      JOIN res_partner p ON p.id = a.partner_id
                     WHERE c.audience_id = %(audience)s
                       AND a.action = ANY(%(actions)s)
                       AND p.commercial_partner_id = f.cp
                       AND a.timestamp <= f.at
                       AND a.timestamp >= f.at - %(window)s
                  ORDER BY a.timestamp DESC, a.id DESC LIMIT 1) t)
            SELECT w.cp AS partner_id, w.at AS conversion_date, w.campaign_id,
                   w.touch AS touch_date, w.model AS conversion_model,
                   w.res_id AS conversion_res_id, r.model AS revenue_model,
                   r.res_id AS revenue_res_id, COALESCE(r.amount, 0) AS revenue
              FROM won w
         LEFT JOIN LATERAL (
                SELECT d.model, d.res_id, d.amount FROM docs d
                 WHERE d.cp = w.cp AND d.amount IS NOT NULL
                   AND d.at >= w.touch AND d.at <= w.touch + %(window)s
              ORDER BY d.priority, d.at, d.res_id LIMIT 1) r ON TRUE""",
            docs=docs,
            audience=audience.id,
            actions=list(TOUCH_ACTIONS),
            window=timedelta(days=audience.conversion_window_days),
        )


def _ref(models_, model, res_id):
    return f"{model},{res_id}" if model in models_ and res_id else False
