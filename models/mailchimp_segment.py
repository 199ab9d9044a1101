"""Segments of an audience: a filter on contacts kept in Mailchimp as a tag of
the same name (``origin = odoo``), or a tag or saved segment Mailchimp owns,
shown read-only with its count (``origin = mailchimp``).

A filter is written by a manager and run by the cron as superuser: it is
checked when saved (it must parse, name contact fields, and be searchable by
the saving user) and, at each run, evaluated and searched as the user who
last saved it, always within the contacts ticked for the audience."""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..compat import Constraint, as_acting_user, domain_and
from .mailchimp_access import check_manager
from .mailchimp_errors import mailchimp_user_errors
from .mailchimp_segment_filter import FILTER_ERRORS, SegmentFilterError, parse_domain
from .mailchimp_sync_rules import company_domain

PREVIEW_SIZE = 10  # sample contacts shown under the filter
NAME_MAX = 100  # characters Mailchimp allows in a tag's name
# Mailchimp's own segments are written by the refresh only
CTX_REFRESH = "mailchimp_segment_refresh"


class MailchimpSegment(models.Model):
    _name = "mailchimp.segment"
    _inherit = ["mailchimp.sync.owned"]
    _description = "Mailchimp Segment"
    _order = "audience_id, origin desc, name, id"
    # the filter users write (``domain_user_id`` is always set by the server);
    # Mailchimp's id and counts and the sync's state are the sync's
    _mailchimp_user_fields = frozenset(
        {"name", "audience_id", "active", "domain", "domain_user_id"}
    )

    name = fields.Char(required=True, help="The name of the tag in Mailchimp.")
    audience_id = fields.Many2one(
        "mailchimp.audience", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="audience_id.company_id", store=True)
    active = fields.Boolean(default=True)
    origin = fields.Selection(
        [("odoo", "Odoo filter"), ("mailchimp", "Mailchimp")],
        default="odoo",
        required=True,
        readonly=True,
        help="Odoo filter: kept in Mailchimp as a tag at each sync. Mailchimp: "
        "a tag or saved segment made in Mailchimp, shown read-only.",
    )
    segment_type = fields.Selection(
        [("static", "Tag"), ("saved", "Saved segment"), ("fuzzy", "Auto segment")],
        "Kind in Mailchimp",
        default="static",
        readonly=True,
    )
    domain = fields.Char(
        "Filter",
        default="[]",
        help="Contacts ticked for the audience that match this filter get the "
        "tag; those that stop matching lose it.",
    )
    domain_user_id = fields.Many2one(
        "res.users",
        "Filter saved by",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="Each sync searches the filter as this user: it never finds more "
        "than this user may see.",
    )
    mailchimp_id = fields.Char("Mailchimp segment ID", readonly=True, copy=False)
    member_count = fields.Integer("Members in Mailchimp", readonly=True, copy=False)
    contact_count = fields.Integer("Tagged by Odoo", compute="_compute_contact_count")
    member_ids = fields.One2many("mailchimp.segment.member", "segment_id")
    state = fields.Selection(
        [
            ("new", "Not synced yet"),
            ("synced", "Synced"),
            ("waiting", "Waiting for confirmation"),
            ("error", "Not synced: see the log"),
        ],
        default="new",
        required=True,
        readonly=True,
        copy=False,
    )
    last_sync = fields.Datetime(readonly=True, copy=False)
    last_error = fields.Char(readonly=True, copy=False)
    held_removals = fields.Integer(
        "Removals held",
        readonly=True,
        copy=False,
        help="Contacts the last sync would have removed from the tag: more than "
        "the brake allows, so none was removed.",
    )
    removals_confirmed = fields.Boolean(
        "Removals confirmed",
        readonly=True,
        copy=False,
        help="The next sync removes the tag from the contacts that left the filter.",
    )
    preview_count = fields.Integer("Contacts matching", compute="_compute_preview")
    preview_partner_ids = fields.Many2many(
        "res.partner", string="Sample contacts", compute="_compute_preview"
    )
    preview_error = fields.Char(compute="_compute_preview")

    _mailchimp_id_uniq = Constraint(
        "unique(audience_id, mailchimp_id)",
        "This Mailchimp segment is already in Odoo.",
    )

    # ------------------------------------------------------------- filter
    def _restriction(self):
        """Contacts ticked for the audience, in its company (or shared)."""
        audience = self.audience_id._origin or self.audience_id
        return [
            ("mailchimp_sync", "=", True),
            ("mailchimp_audience_id", "=", audience.id),
            *company_domain(audience),
        ]

    def _full_domain(self, env):
        """The filter, parsed as ``env``'s user, within the restriction."""
        self.ensure_one()
        return domain_and([self._restriction(), parse_domain(env, self.domain)])

    def _filter_error(self):
        """Why the current user may not use the filter, or None."""
        self.ensure_one()
        try:
            domain = self._full_domain(self.env)
            with self.env.cr.savepoint():
                self.env["res.partner"].search_count(domain, limit=1)
        except SegmentFilterError as error:
            return str(error)
        except FILTER_ERRORS as error:
            return self.env._("you may not search it (%s)", error)
        return None

    @api.depends("domain", "audience_id", "origin")
    def _compute_preview(self):
        Partner = self.env["res.partner"]
        for segment in self:
            segment.preview_count = 0
            segment.preview_partner_ids = Partner
            segment.preview_error = False
            if segment.origin != "odoo" or not segment.audience_id:
                continue
            error = segment._filter_error()
            if error:
                segment.preview_error = error
                continue
            domain = segment._full_domain(self.env)
            segment.preview_count = Partner.search_count(domain)
            segment.preview_partner_ids = Partner.search(domain, limit=PREVIEW_SIZE)

    def _compute_contact_count(self):
        counts = dict(
            self.env["mailchimp.segment.member"]._read_group(
                [("segment_id", "in", self.ids), ("state", "!=", "add")],
                ["segment_id"],
                ["__count"],
            )
        )
        for segment in self:
            segment.contact_count = counts.get(segment, 0)

    @api.constrains("domain", "audience_id", "origin")
    def _check_domain(self):
        for segment in as_acting_user(self).filtered(lambda s: s.origin == "odoo"):
            error = segment._filter_error()
            if error:
                raise ValidationError(
                    self.env._(
                        "The filter of the segment “%(name)s” cannot be used: "
                        "%(error)s.",
                        name=segment.name,
                        error=error,
                    )
                )

    @api.constrains("name", "audience_id", "origin")
    def _check_name(self):
        for segment in self.filtered(lambda s: s.origin == "odoo"):
            if len(segment.name) > NAME_MAX:
                raise ValidationError(
                    self.env._("A tag's name has at most %s characters.", NAME_MAX)
                )
            if self.search_count(
                [
                    ("audience_id", "=", segment.audience_id.id),
                    ("origin", "=", "odoo"),
                    ("name", "=", segment.name),
                    ("id", "!=", segment.id),
                ],
                limit=1,
            ):
                raise ValidationError(
                    self.env._(
                        "The audience already has a segment called “%s”.",
                        segment.name,
                    )
                )

    # ------------------------------------------------------------- CRUD
    def _refreshing(self):
        """Odoo's own refresh from Mailchimp (counts, states, Mailchimp's
        segments): trusted only as superuser, since any caller can put a key
        in its context."""
        return self.env.su and self.env.context.get(CTX_REFRESH)

    @api.model_create_multi
    def create(self, vals_list):
        refresh = self._refreshing()
        for vals in vals_list:
            vals.pop("domain_user_id", None)
            if vals.get("origin", "odoo") == "odoo":
                vals["domain_user_id"] = self.env.uid
            elif not refresh:
                raise UserError(
                    self.env._("Segments made in Mailchimp are imported, not created.")
                )
        return super().create(vals_list)

    def write(self, vals):
        vals.pop("domain_user_id", None)
        if not self._refreshing():
            self._check_writable(vals)
        if {"domain", "audience_id"} & set(vals):
            # the filter is searched as whoever set it, never as an earlier user
            vals["domain_user_id"] = self.env.uid
        return super().write(vals)

    def _check_writable(self, vals):
        theirs = self.filtered(lambda s: s.origin == "mailchimp")
        if theirs and set(vals) - {"active"}:
            raise UserError(
                self.env._(
                    "“%s” was made in Mailchimp: change it in Mailchimp.",
                    theirs[0].name,
                )
            )
        for segment in self.filtered("mailchimp_id"):
            renamed = "name" in vals and vals["name"] != segment.name
            moved = "audience_id" in vals and vals["audience_id"] != (
                segment.audience_id.id
            )
            if renamed or moved:
                raise UserError(
                    self.env._(
                        "The tag “%s” is in Mailchimp already: create a new segment "
                        "instead of renaming or moving this one.",
                        segment.name,
                    )
                )

    def unlink(self):
        """Deleting a segment of Odoo deletes its tag in Mailchimp (every
        member there loses it); Mailchimp's own segments are not deleted."""
        if not self._refreshing():
            check_manager(self, "unlink")
            theirs = self.filtered(lambda s: s.origin == "mailchimp")
            if theirs:
                raise UserError(
                    self.env._(
                        "“%s” was made in Mailchimp: delete it in Mailchimp.",
                        theirs[0].name,
                    )
                )
            for segment in self.filtered("mailchimp_id"):
                segment._delete_tag()
        return super().unlink()

    def _delete_tag(self):
        self.ensure_one()
        audience = self.audience_id
        with mailchimp_user_errors(self.env, ignore_statuses=(404,)):
            audience.account_id._get_client().delete_segment(
                audience.mailchimp_id, int(self.mailchimp_id)
            )

    # ------------------------------------------------------------- buttons
    def action_delete(self):
        """The form's delete button (confirmed in the view)."""
        self.unlink()
        return self.env["ir.actions.act_window"]._for_xml_id(
            "mailchimp_sync.mailchimp_segment_action"
        )

    def action_apply_removals(self):
        """A manager lets the next sync remove the tag the brake held."""
        check_manager(self)
        for segment in self:
            if segment.state != "waiting":
                raise UserError(
                    self.env._("“%s” has no removals waiting.", segment.name)
                )
        self.sudo().write({"removals_confirmed": True})
        return self.env["mailchimp.account"]._notify(
            self.env._(
                "The next sync removes the tag from the contacts that left the "
                "filter (%s).",
                sum(self.mapped("held_removals")),
            ),
            "success",
        )

    def action_sync_now(self):
        """The audience's sync (segments are synced within it), reported
        with this segment's own figures once it is done."""
        check_manager(self)
        self.ensure_one()
        action = self.audience_id.action_sync_now()
        log = self.audience_id.sudo()._last_log()
        if log.state == "done" and not log.notify_when_done:
            self.invalidate_recordset()
            message, kind = self._sync_summary()
            action["params"].update(message=message, type=kind)
        return action

    def _sync_summary(self):
        """``(message, kind)``: what the segment's tag holds after a sync."""
        self.ensure_one()
        if self.state == "error":
            return self.env._(
                "Segment “%(name)s” not synced: %(error)s",
                name=self.name,
                error=self.last_error or self.env._("see the sync log"),
            ), "warning"
        if self.state == "waiting":
            return self.env._(
                "Segment “%(name)s”: removals held by the brake: %(count)s. "
                "Check them, then click “Apply the removals”.",
                name=self.name,
                count=self.held_removals,
            ), "warning"
        return self.env._(
            "Segment “%(name)s” synced: contacts with its tag in Mailchimp: "
            "%(tagged)s.",
            name=self.name,
            tagged=self.contact_count,
        ), "success"

    def action_view_contacts(self):
        """The contacts the filter matches now (as the current user)."""
        self.ensure_one()
        try:
            domain = self._full_domain(self.env)
        except SegmentFilterError as error:
            raise UserError(str(error)) from None
        return {
            "type": "ir.actions.act_window",
            "name": self.name,
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": domain,
        }
