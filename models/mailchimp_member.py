import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..services import (
    REQUIRED_EMPTY,
    InvalidItem,
    RemoteMember,
    build_merge_fields,
    parse_activity_feed,
    parse_time,
    split_name,
)
from .mailchimp_access import check_manager
from .mailchimp_errors import mailchimp_user_errors
from .mailchimp_mapping_policy import mapping_path_error

_logger = logging.getLogger(__name__)

MEMBER_STATUSES = [
    ("subscribed", "Subscribed"),
    ("pending", "Pending (double opt-in)"),
    ("unsubscribed", "Unsubscribed"),
    ("cleaned", "Cleaned (bounced)"),
    ("transactional", "Transactional"),
    ("archived", "Archived"),
]
CONSENT_SOURCES = [("odoo", "Odoo"), ("mailchimp", "Mailchimp"), ("import", "Import")]

# Batch-subscribe error messages that will fail again whatever we retry.
PERMANENT_MARKERS = (
    "compliance state",
    "permanently deleted",
    "looks fake or invalid",
    "merge fields were invalid",
    "please enter",
    "is already a list member",
)


def is_permanent(message):
    message = (message or "").lower()
    return any(marker in message for marker in PERMANENT_MARKERS)


class MailchimpMember(models.Model):
    _name = "mailchimp.member"
    _description = "Mailchimp Audience Member"
    _order = "audience_id, id"
    _rec_name = "email"

    audience_id = fields.Many2one(
        "mailchimp.audience", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="audience_id.company_id", store=True)
    # set null: a deleted contact's member waits for the un-tick policy
    partner_id = fields.Many2one("res.partner", ondelete="set null", index=True)
    mailchimp_id = fields.Char(
        "Mailchimp ID", index=True, copy=False, help="Subscriber hash in Mailchimp."
    )
    web_id = fields.Integer(copy=False)
    email = fields.Char(help="The email address last sent to or read from Mailchimp.")
    status = fields.Selection(MEMBER_STATUSES, copy=False)
    archived_by_odoo = fields.Boolean(copy=False)
    last_changed = fields.Datetime("Changed in Mailchimp", copy=False)
    consent_date = fields.Datetime(copy=False)
    consent_source = fields.Selection(CONSENT_SOURCES, copy=False)
    need_sync = fields.Boolean(default=True, index=True, copy=False)
    odoo_changed_at = fields.Datetime(
        "Changed in Odoo", help="Last change of a synced contact field in Odoo."
    )
    last_sync = fields.Datetime(copy=False)
    last_error = fields.Text(copy=False)
    last_error_date = fields.Datetime(copy=False)
    attempt_log_id = fields.Many2one("mailchimp.sync.log", copy=False, index=True)
    full_pull_mark = fields.Integer(copy=False)
    member_rating = fields.Selection(
        [("1", "1"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5")],
        help="Mailchimp's engagement stars.",
    )
    avg_open_rate = fields.Float("Average open rate (%)", digits=(5, 1))
    avg_click_rate = fields.Float("Average click rate (%)", digits=(5, 1))
    subscribed_since = fields.Datetime()
    signup_source = fields.Char()
    tags = fields.Char()
    mailchimp_url = fields.Char("Mailchimp page", compute="_compute_mailchimp_url")
    activity_ids = fields.One2many("mailchimp.member.activity", "member_id")
    remote_hash = fields.Char(
        copy=False, help="Fingerprint of the merge values last seen in Mailchimp."
    )

    _sql_constraints = [
        (
            "audience_partner_uniq",
            "unique(audience_id, partner_id)",
            "A contact is a member of an audience once.",
        ),
        (
            "audience_mailchimp_id_uniq",
            "unique(audience_id, mailchimp_id)",
            "A Mailchimp member is linked once per audience.",
        ),
    ]

    def _mark_need_sync(self, odoo_change=True):
        """The one writer of the push flag: these members are sent on the next
        run. ``odoo_changed_at`` (what "most recent change wins" compares with
        Mailchimp's change time) is stamped when the reason is a change of
        Odoo's data (the default); a re-send that changes no data (a new
        mapping, a full resync, "Sync now") keeps it, so it never hides an
        edit made in Mailchimp."""
        vals = {"need_sync": True}
        if odoo_change:
            vals["odoo_changed_at"] = fields.Datetime.now()
        self.sudo().write(vals)

    @api.depends("web_id", "audience_id.account_id.data_center")
    def _compute_mailchimp_url(self):
        for member in self:
            dc = member.audience_id.account_id.data_center
            member.mailchimp_url = (
                dc
                and member.web_id
                and f"https://{dc}.admin.mailchimp.com/lists/members/view?id={member.web_id}"
            )

    def action_refresh(self):
        """Re-read this member and its activity feed from Mailchimp now."""
        check_manager(self)
        for member in self.filtered("mailchimp_id"):
            audience = member.audience_id
            client = audience.account_id._get_client()
            with mailchimp_user_errors(self.env):
                remote = client.get_member(audience.mailchimp_id, member.mailchimp_id)
                feed = parse_activity_feed(
                    client.get_member_activity(
                        audience.mailchimp_id, member.mailchimp_id
                    )
                )
            for index, reason in feed.rejected:
                _logger.info(
                    "Mailchimp activity event %s of member %s skipped: %s",
                    index,
                    member.id,
                    reason,
                )
            try:
                checked = RemoteMember.from_api(remote)
            except InvalidItem as reason:
                raise UserError(
                    self.env._("Mailchimp sent a malformed member: %s", reason)
                ) from None
            log = self.env["mailchimp.sync.log"].new({"audience_id": audience.id})
            audience._apply_remote_members([checked], log)
            member.write(checked.figures())
            campaigns = {
                c.mailchimp_id: c.id
                for c in self.env["mailchimp.campaign"].search(
                    [("audience_id", "=", audience.id)]
                )
            }
            self.env["mailchimp.member.activity"]._store(
                [
                    {
                        "member_id": member.id,
                        "campaign_id": campaigns[event.campaign_id],
                        "action": event.action,
                        "timestamp": event.timestamp or False,
                        "url": event.url or False,
                    }
                    for event in feed.items
                    if event.campaign_id in campaigns
                ]
            )
        return True

    # ---------------------------------------------------------------- values
    @api.model
    def _mapping_specs(self, mappings):
        """``[(tag, source, field name, merge type)]``: read once per batch,
        not once per contact."""
        if isinstance(mappings, list):
            return mappings
        return [
            (m.merge_field_id.tag, m.source, m.field_name, m.merge_field_id.type)
            for m in mappings
            if m.source != "field"
            # checked again at run time: the cron reads as superuser
            or not mapping_path_error(self.env, m.field_name, as_user=False)
        ]

    @api.model
    def _partner_values(self, partner, mappings):
        """``{tag: plain value}`` for one partner; batch-prefetched by the ORM.

        :param mappings: mapping records or their :meth:`_mapping_specs`
        """
        values = {}
        for tag, source, field_name, mtype in self._mapping_specs(mappings):
            if source in ("first_name", "last_name") and partner.is_company:
                values[tag] = False  # a company is not a person: COMPANY has it
            elif source == "first_name":
                values[tag] = split_name(partner.name)[0]
            elif source == "last_name":
                values[tag] = split_name(partner.name)[1]
            elif source == "address":
                if not (partner.street or partner.city or partner.zip):
                    values[tag] = False
                    continue
                values[tag] = {
                    "addr1": partner.street or "",
                    "addr2": partner.street2 or "",
                    "city": partner.city or "",
                    "state": partner.state_id.code or partner.state_id.name or "",
                    "zip": partner.zip or "",
                    "country": partner.country_id.code or "",
                }
            elif mtype == "phone":
                number = partner[field_name]
                if number:
                    values[tag] = partner._phone_format(
                        number=number,
                        country=partner.country_id,
                        force_format="E164",
                        raise_exception=False,
                    ) or Unparsable(number)
                else:
                    values[tag] = False
            else:
                values[tag] = self._read_path(partner, field_name)
        return values

    @api.model
    def _read_path(self, record, path):
        value = record
        for part in path.split("."):
            if not value:
                return False
            value = value[part]
        if isinstance(value, models.BaseModel):
            return value.display_name if value else False
        field = record._fields.get(path)
        if field is not None and field.type == "selection" and value:
            return dict(field._description_selection(self.env)).get(value, value)
        return value

    @api.model
    def _merge_payload(
        self, partner, mappings, extra_fields=None, field_dicts=None, specs=None
    ):
        """``(merge_fields, [(tag, reason left out)])`` for one partner.

        :param extra_fields: merge fields sent with no value (required ones
            nobody maps get their type's default)
        :param field_dicts: the merge fields as dicts, when already computed
            for a whole batch
        """
        extra_fields = extra_fields or self.env["mailchimp.merge.field"]
        merge_fields = field_dicts or [
            f._as_dict() for f in mappings.merge_field_id | extra_fields
        ]
        values = self._partner_values(partner, specs or mappings)
        values.update(dict.fromkeys(extra_fields.mapped("tag")))
        skipped = []
        for tag, value in values.items():
            if isinstance(value, Unparsable):
                values[tag] = None
                skipped.append((tag, f"phone '{value}' cannot be parsed"))
        audience = (mappings.audience_id or extra_fields.audience_id)[:1]
        merge, refused = build_merge_fields(
            merge_fields,
            values,
            default_region=partner.country_id.code or None,
            required=audience.required_policy or REQUIRED_EMPTY,
        )
        return merge, skipped + refused


class Unparsable(str):
    """A phone number phone_validation could not parse."""


def _parse_dt(value):
    """Mailchimp's time for an Odoo field (``services.remote.parse_time``)."""
    return parse_time(value) or False
