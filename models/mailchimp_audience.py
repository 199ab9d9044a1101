import logging

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..compat import Constraint
from ..services import InvalidItem, RemoteAudience, RemoteMergeField
from .mailchimp_access import check_manager
from .mailchimp_errors import mailchimp_user_errors
from .mailchimp_field_mapping import DEFAULT_MAPPINGS

_logger = logging.getLogger(__name__)

MANUAL_TIME_BUDGET = 20  # seconds a button runs the sync before the cron goes on
# the windows users set, (least, most): a negative one skips changes or
# activity, a huge one overflows the dates (every run failing)
WINDOW_BOUNDS = {
    "pull_overlap_minutes": (0, 7 * 24 * 60),  # a week
    "conversion_window_days": (1, 366),
    "activity_window_hours": (0, 30 * 24),
}


class MailchimpAudience(models.Model):
    _name = "mailchimp.audience"
    _inherit = ["mailchimp.sync.owned"]
    _description = "Mailchimp Audience"
    _order = "name, id"
    # the sync rules users choose; the rest is Mailchimp's or the sync's
    _mailchimp_user_fields = frozenset(
        {
            "name",
            "active",
            "conflict_policy",
            "untick_policy",
            "required_policy",
            "create_partners",
            "blacklist_unsubscribes",
            "export_categories",
            "pull_overlap_minutes",
            "conversion_window_days",
            "activity_window_hours",
        }
    )
    # the webhook's security: administrators (and the code) only
    _mailchimp_admin_fields = frozenset(
        {"webhook_secret", "webhook_signed", "webhook_signing_key"}
    )

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    account_id = fields.Many2one(
        "mailchimp.account",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    mailchimp_id = fields.Char(
        "Audience ID", required=True, copy=False, index=True, readonly=True
    )
    web_id = fields.Integer(copy=False, readonly=True)
    double_optin = fields.Boolean(
        "Double opt-in",
        readonly=True,
        help="New members get 'pending' and confirm by email.",
    )
    member_count = fields.Integer(readonly=True)
    unsubscribe_count = fields.Integer(readonly=True)
    cleaned_count = fields.Integer(readonly=True)
    conflict_policy = fields.Selection(
        [
            ("odoo", "Odoo wins"),
            ("mailchimp", "Mailchimp wins"),
            ("recent", "Most recent change wins"),
        ],
        default="recent",
        required=True,
        help="What happens when a mapped field changed in Mailchimp and in Odoo.",
    )
    untick_policy = fields.Selection(
        [
            ("archive", "Archive the member"),
            ("unsubscribe", "Unsubscribe the member"),
            ("keep", "Leave the member as is"),
        ],
        "When the sync is unticked",
        default="archive",
        required=True,
        help="Mailchimp members are never deleted permanently.",
    )
    required_policy = fields.Selection(
        [
            ("empty", "Leave it empty"),
            ("default", "Fill with the type's default"),
            ("skip", "Do not send the contact"),
        ],
        "Required fields without a value",
        default="empty",
        required=True,
        help="A merge field Mailchimp requires and the contact has no value for: "
        "left empty (Mailchimp's check is skipped, nothing is invented), filled "
        "with its type's default (0, today, the first choice, '-'), or the "
        "contact is not sent (reported in the log).",
    )
    create_partners = fields.Boolean(
        "Create contacts from Mailchimp",
        help="Members unknown to Odoo create a contact with the sync ticked.",
    )
    blacklist_unsubscribes = fields.Boolean(
        "Blacklist unsubscribes in Odoo",
        help="Members unsubscribed or cleaned in Mailchimp are added to Odoo's "
        "email blacklist.",
    )
    export_categories = fields.Boolean(
        "Contact tags as Mailchimp tags",
        help="The tags (categories) of synced contacts are added as tags on their "
        "Mailchimp member.",
    )
    pull_overlap_minutes = fields.Integer(
        "Re-read overlap (minutes)",
        default=10,
        help="Each read of the changes made in Mailchimp starts this many minutes "
        "before the previous one ended, so that a change Mailchimp records late "
        "is not missed.",
    )
    pull_cursor = fields.Datetime(
        "Changes read until",
        copy=False,
        help="Every change made in Mailchimp up to this time is in Odoo.",
    )
    last_full_pull = fields.Datetime(copy=False)
    # the run under way: its window, offset and counters are on its log
    current_log_id = fields.Many2one("mailchimp.sync.log", copy=False)
    merge_field_ids = fields.One2many("mailchimp.merge.field", "audience_id")
    mapping_ids = fields.One2many("mailchimp.field.mapping", "audience_id")
    member_ids = fields.One2many("mailchimp.member", "audience_id")
    log_ids = fields.One2many("mailchimp.sync.log", "audience_id")
    segment_ids = fields.One2many("mailchimp.segment", "audience_id")
    interest_category_ids = fields.One2many(
        "mailchimp.interest.category", "audience_id", string="Groups"
    )
    tag_mapping_ids = fields.One2many("mailchimp.tag.mapping", "audience_id")
    gdpr_enabled = fields.Boolean(
        "GDPR fields", readonly=True, help="The audience has marketing permissions."
    )
    marketing_permission_ids = fields.One2many(
        "mailchimp.marketing.permission", "audience_id", string="Marketing permissions"
    )
    member_count_odoo = fields.Integer(
        "Members in Odoo", compute="_compute_member_count_odoo"
    )
    pending_count = fields.Integer(
        "Waiting to be sent", compute="_compute_member_count_odoo"
    )

    _mailchimp_id_uniq = Constraint(
        "unique(account_id, mailchimp_id)",
        "This Mailchimp audience is already in Odoo.",
    )

    @api.constrains(*WINDOW_BOUNDS)
    def _check_windows(self):
        for audience in self:
            for fname, (least, most) in WINDOW_BOUNDS.items():
                if not least <= audience[fname] <= most:
                    raise ValidationError(
                        self.env._(
                            "“%(window)s” is between %(least)s and %(most)s.",
                            window=self._fields[fname]._description_string(self.env),
                            least=least,
                            most=most,
                        )
                    )

    def _compute_member_count_odoo(self):
        groups = self.env["mailchimp.member"]._read_group(
            [("audience_id", "in", self.ids)], ["audience_id", "need_sync"], ["__count"]
        )
        for audience in self:
            counts = [(flag, n) for group, flag, n in groups if group == audience]
            audience.member_count_odoo = sum(n for _flag, n in counts)
            audience.pending_count = sum(n for flag, n in counts if flag)

    # ------------------------------------------------------------- import
    @api.model
    def _vals_from_remote(self, remote):
        """Field values of a checked :class:`RemoteAudience`."""
        return {
            "name": remote.name,
            "mailchimp_id": remote.id,
            "web_id": remote.web_id,
            "double_optin": remote.double_optin,
            "member_count": remote.member_count,
            "unsubscribe_count": remote.unsubscribe_count,
            "cleaned_count": remote.cleaned_count,
            "gdpr_enabled": remote.marketing_permissions,
        }

    @api.model
    def _import_from_remote(self, account, remote_lists):
        """Create or update audiences from ``GET /lists`` items, with their
        merge fields, segments and groups."""
        existing = {
            a.mailchimp_id: a
            for a in self.with_context(active_test=False).search(
                [("account_id", "=", account.id)]
            )
        }
        audiences = self.browse()
        for item in remote_lists:
            try:
                remote = RemoteAudience.from_api(item)
            except InvalidItem as reason:
                _logger.info(
                    "Mailchimp audience of account %s skipped: %s", account.id, reason
                )
                continue
            vals = self._vals_from_remote(remote)
            audience = existing.get(remote.id)
            if audience:
                audience.write(vals)
            else:
                audience = self.create(dict(vals, account_id=account.id))
            audiences |= audience
        for audience in audiences:
            audience._refresh_merge_fields()
            audience._refresh_segments()
        self.env["mailchimp.interest.category"]._refresh(audiences)
        return audiences

    def _refresh_merge_fields(self):
        """Read all merge fields (``count=1000``) and add default mappings."""
        self.ensure_one()
        with mailchimp_user_errors(self.env):
            items = list(
                self.account_id._get_client().iter_merge_fields(self.mailchimp_id)
            )
        remote_fields = []
        for item in items:
            try:
                remote_fields.append(RemoteMergeField.from_api(item))
            except InvalidItem as reason:
                _logger.info("Merge field of audience %s skipped: %s", self.id, reason)
        MergeField = self.env["mailchimp.merge.field"]
        by_tag = {f.tag: f for f in self.merge_field_ids}
        for remote in remote_fields:
            vals = MergeField._vals_from_remote(remote)
            if remote.tag in by_tag:
                by_tag[remote.tag].write(vals)
            else:
                by_tag[remote.tag] = MergeField.create(dict(vals, audience_id=self.id))
        remote_tags = {f.tag for f in remote_fields}
        self.merge_field_ids.filtered(lambda f: f.tag not in remote_tags).unlink()
        self._create_default_mappings()

    def _create_default_mappings(self):
        mapped = set(self.mapping_ids.merge_field_id.mapped("tag"))
        vals_list = []
        for merge_field in self.merge_field_ids:
            default = DEFAULT_MAPPINGS.get(merge_field.tag)
            if not default or merge_field.tag in mapped:
                continue
            source, field_name = default
            vals_list.append(
                {
                    "audience_id": self.id,
                    "merge_field_id": merge_field.id,
                    "source": source,
                    "field_name": field_name,
                }
            )
        return self.env["mailchimp.field.mapping"].create(vals_list)

    def write(self, vals):
        res = super().write(vals)
        if "export_categories" in vals:
            self.env.registry.clear_cache()
            self.env["mailchimp.member"]._mark_audiences_need_sync(
                self.filtered("export_categories")
            )
        return res

    def action_open_mapping_wizard(self):
        self.ensure_one()
        return self.env["mailchimp.field.mapping.wizard"]._open(self)

    def action_refresh_merge_fields(self):
        check_manager(self)
        for audience in self.sudo():
            audience._refresh_merge_fields()
        return self.env["mailchimp.account"]._notify(
            self.env._("Merge fields read from Mailchimp."),
            "success",
        )

    def action_refresh_groups(self):
        """The button: the groups read, then said."""
        check_manager(self)
        self.env["mailchimp.interest.category"].sudo()._refresh(self.sudo())
        names = self.interest_category_ids.mapped("name")
        if not names:
            message = self.env._("Mailchimp has no groups in this audience.")
        else:
            message = self.env._(
                "Groups read from Mailchimp: %s.", ", ".join(sorted(names))
            )
        return self.env["mailchimp.account"]._notify(message, "success")

    def action_view_logs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mailchimp_sync.mailchimp_sync_log_action"
        )
        action["domain"] = [("audience_id", "=", self.id)]
        return action

    def action_view_members(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mailchimp_sync.mailchimp_member_action"
        )
        action["domain"] = [("audience_id", "=", self.id)]
        return action

    def action_sync_now(self, full=False):
        """Sync now (and Full resync): the run goes on for the button's time;
        it ends with a notification carrying its counts, at once when it
        finishes within that time, else from the background when it is done."""
        check_manager(self)
        self.ensure_one()
        self.account_id._check_connected()
        # the run writes the sync's own state: as the cron does, after the check
        audience = self.sudo()
        if not audience._lock_for_sync():
            raise UserError(self.env._("A sync of this audience is already running."))
        _done, finished = audience._run_sync(
            trigger="manual", full=full, time_budget=MANUAL_TIME_BUDGET
        )
        log = audience._last_log()
        if not finished:
            log.write({"requested_by_id": self.env.uid, "notify_when_done": True})
            self.env.ref("mailchimp_sync.ir_cron_mailchimp_sync")._trigger()
            return self.account_id._notify(
                self.env._(
                    "The sync of %s goes on in the background: you will be "
                    "notified when it is done.",
                    self.name,
                ),
                "info",
            )
        log.requested_by_id = self.env.uid
        return self.account_id._notify(*log._run_summary())

    # The two list header buttons (display="always") act on no audience: the
    # web client calls them with the selected ids, or none (Odoo 18's
    # MultiRecordViewButton sends ``args=[resIds]`` to /web/dataset/call_button),
    # so they are record methods that ignore the selection, not @api.model ones.
    def action_create_in_mailchimp(self):
        """Audiences → Create in Mailchimp: the wizard asking what Mailchimp
        needs (never a raw audience id)."""
        check_manager(self.browse())
        return self.env["ir.actions.act_window"]._for_xml_id(
            "mailchimp_sync.mailchimp_audience_create_wizard_action"
        )

    def action_import_from_mailchimp(self):
        """Audiences → Import from Mailchimp: every audience of the connected
        accounts (an account to connect first, else)."""
        check_manager(self.browse())
        accounts = self.env["mailchimp.account"].search([("state", "=", "connected")])
        if not accounts:
            raise UserError(
                self.env._(
                    "Connect a Mailchimp account first (Contacts → Configuration → "
                    "Mailchimp → Accounts, “Test connection”)."
                )
            )
        action = None
        for account in accounts:
            action = account.action_import_audiences()
        if len(accounts) > 1:
            action["params"]["message"] = self.env._(
                "Audiences imported from %s Mailchimp accounts.", len(accounts)
            )
        # the list the button is on shows them: reloaded, not opened again
        action["params"]["next"] = {"type": "ir.actions.client", "tag": "soft_reload"}
        return action

    def action_full_resync(self):
        """Re-read every member and re-send every flagged contact."""
        check_manager(self)
        self.ensure_one()
        self.member_ids.filtered(lambda m: m.partner_id.mailchimp_sync)._mark_need_sync(
            odoo_change=False
        )
        if self.current_log_id:
            self.sudo()._finish_run()
        return self.action_sync_now(full=True)


def _iso(value):
    return value and value.strftime("%Y-%m-%dT%H:%M:%S+00:00") or None
