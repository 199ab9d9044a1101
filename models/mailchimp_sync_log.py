from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

from .mailchimp_access import check_manager

_lt = LazyTranslate(__name__)

# export counter -> sync log line kind
LINE_KINDS = {
    "duplicates": "duplicate",
    "errors": "error",
    "blacklisted": "skipped",
    "address_omitted": "address",
}
MSG_CREATED = "Contact created from Mailchimp."
MSG_UNSUBSCRIBED = {
    "unsubscribed": "Unsubscribed in Mailchimp.",
    "cleaned": "Cleaned in Mailchimp (the address bounced).",
}

# The figures of a list export, as the statistics screen labels them: a
# figure's records open under the same title.
EXPORT_FIGURES = {
    "list_contacts": _lt("Contacts in the list"),
    "opted_out": _lt("Opted out"),
    "created": _lt("Added to Mailchimp"),
    "updated": _lt("Updated in Mailchimp"),
    "tagged": _lt("Tagged"),
    "untagged": _lt("Tag removed"),
    "duplicates": _lt("Skipped: duplicate email"),
    "invalid": _lt("Invalid or missing email"),
    "blacklisted": _lt("Blacklisted in Odoo"),
    "not_tagged": _lt("Unsubscribed or cleaned: not tagged"),
    "address_omitted": _lt("Address left out (incomplete)"),
    "errors": _lt("Errors"),
}


class MailchimpSyncLog(models.Model):
    _name = "mailchimp.sync.log"
    _description = "Mailchimp Sync Log"
    _order = "id desc"

    name = fields.Char(compute="_compute_name")
    requested_by_id = fields.Many2one(
        "res.users", string="Started by", readonly=True, ondelete="set null"
    )
    notify_when_done = fields.Boolean(readonly=True)
    audience_id = fields.Many2one(
        "mailchimp.audience", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="audience_id.company_id", store=True)
    kind = fields.Selection(
        [
            ("sync", "Sync"),
            ("full", "Full resync"),
            ("export", "List export"),
            ("webhook", "Webhook"),
        ],
        default="sync",
        required=True,
        help="What was asked: a sync (Sync now, the scheduled action), a full "
        "resync (the Full resync button), a list export or webhook deliveries.",
    )
    full_read = fields.Boolean(
        "Every member read",
        compute="_compute_full_read",
        store=True,
        readonly=False,
        copy=False,
        help="This run read every member of the audience, not only the changed "
        "ones (a full resync, the first sync, or the daily full read): members "
        "deleted in Mailchimp are found then.",
    )
    trigger = fields.Selection(
        [("cron", "Scheduled"), ("manual", "Manual"), ("webhook", "Webhook")],
        default="manual",
        required=True,
    )
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        default="running",
        required=True,
    )
    date_start = fields.Datetime(default=fields.Datetime.now, required=True)
    date_end = fields.Datetime()
    pushed = fields.Integer("Sent to Mailchimp")
    created = fields.Integer("Created in Mailchimp")
    updated = fields.Integer("Updated in Mailchimp")
    archived = fields.Integer("Archived in Mailchimp")
    pulled = fields.Integer("Read from Mailchimp")
    partners_created = fields.Integer("Contacts created")
    unsubscribes = fields.Integer("Unsubscribes received")
    skipped = fields.Integer()
    errors = fields.Integer()
    error_message = fields.Text()
    line_ids = fields.One2many("mailchimp.sync.log.line", "log_id")
    # removals Mailchimp asked for, held by the brake
    removal_member_ids = fields.Many2many(
        "mailchimp.member",
        "mailchimp_sync_log_removal_rel",
        "log_id",
        "member_id",
        string="Removals",
        copy=False,
    )
    removal_state = fields.Selection(
        [
            ("held", "Waiting for confirmation"),
            ("applied", "Applied"),
            ("superseded", "Superseded by a later read"),
        ],
        copy=False,
        readonly=True,
    )
    # list exports
    mailing_list_id = fields.Many2one("mailing.list", ondelete="set null", index=True)
    tag_name = fields.Char("Tag")
    list_contacts = fields.Integer("Contacts in the list")
    opted_out = fields.Integer(
        "Opted out", help="Subscriptions to the list that opted out: not exported."
    )
    tagged = fields.Integer()
    untagged = fields.Integer("Tag removed")
    duplicates = fields.Integer("Duplicate emails")
    invalid = fields.Integer("Invalid or missing email")
    blacklisted = fields.Integer("Blacklisted in Odoo")
    not_tagged = fields.Integer("Unsubscribed or cleaned (not tagged)")
    address_omitted = fields.Integer("Address left out")
    not_tagged_message = fields.Char(compute="_compute_not_tagged_message")

    @api.depends("not_tagged")
    def _compute_not_tagged_message(self):
        for log in self:
            log.not_tagged_message = log.not_tagged and self.env._(
                "Some of the emails provided were not tagged. Check the Mailchimp "
                "marketing subscription statuses."
            )

    @api.depends("kind")
    def _compute_full_read(self):
        # a run states it when it starts; older logs: a full resync read all
        for log in self:
            log.full_read = log.kind == "full"

    def action_open_export_records(self):
        """The mailing contacts behind one figure of an export, under the
        figure's label; a figure of 0 opens nothing."""
        self.ensure_one()
        figure = self.env.context.get("figure")
        if figure not in EXPORT_FIGURES or not self[figure]:
            return False
        return {
            "type": "ir.actions.act_window",
            "name": str(EXPORT_FIGURES[figure]),
            "res_model": "mailing.contact",
            "view_mode": "list,form",
            "domain": self._export_figure_domain(figure),
            "context": {"create": False},
        }

    def _export_figure_domain(self, figure):
        if figure in ("list_contacts", "opted_out"):
            subscriptions = [
                ("list_id", "=", self.mailing_list_id.id),
                ("opt_out", "=", figure == "opted_out"),
            ]
            return [("subscription_ids", "any", subscriptions)]
        if figure in ("created", "updated", "tagged"):
            rows = self.env["mailchimp.list.export.member"].search(
                [("log_id", "=", self.id)]
                + (
                    [("tagged", "=", True)]
                    if figure == "tagged"
                    else [("outcome", "=", "added" if figure == "created" else figure)]
                )
            )
            return [("id", "in", rows.contact_id.ids)]
        kind = LINE_KINDS.get(figure, figure)
        lines = self.line_ids.filtered(lambda line: line.kind == kind)
        return [("id", "in", lines.mailing_contact_id.ids)]

    @api.depends("audience_id", "date_start", "kind")
    def _compute_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for log in self:
            log.name = "{} — {} — {}".format(
                log.audience_id.name or "",
                kinds.get(log.kind, ""),
                fields.Datetime.to_string(log.date_start) or "",
            )

    def _count(self, counter, number=1):
        """Increment a counter (kept in cache; flushed with the batch)."""
        for log in self:
            log[counter] += number

    def _add_line(self, member, kind, message):
        self.ensure_one()
        if kind == "duplicate" and self._has_duplicate_line(member):
            return  # one line per duplicate contact and run (read, then push)
        self.env["mailchimp.sync.log.line"].create(
            {
                "log_id": self.id,
                "kind": kind,
                "partner_id": member.partner_id.id,
                "email": member.partner_id.email or member.email,
                "message": message,
            }
        )
        if kind in ("skipped", "duplicate"):
            self.skipped += 1
        elif kind == "error":
            self.errors += 1

    def _has_duplicate_line(self, member):
        partner = member.partner_id
        return bool(partner) and bool(
            self.env["mailchimp.sync.log.line"].search_count(
                [
                    ("log_id", "=", self.id),
                    ("kind", "=", "duplicate"),
                    ("partner_id", "=", partner.id),
                ],
                limit=1,
            )
        )

    def _add_error(self, message):
        self.ensure_one()
        self.write({"error_message": message, "errors": self.errors + 1})

    def action_open_created_partners(self):
        """The contacts this run created from Mailchimp members."""
        self.ensure_one()
        partners = self.line_ids.filtered(
            lambda line: line.partner_id
            and (
                line.kind == "created"
                # logs written before the "created" kind
                or (line.kind == "info" and line.message == MSG_CREATED)
            )
        ).partner_id
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Contacts created from Mailchimp"),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("id", "in", partners.ids)],
        }

    def _hold_removals(self, count, base):
        self.ensure_one()
        self.removal_state = "held"
        self._add_line(
            self.env["mailchimp.member"],
            "info",
            f"Mailchimp would archive or untick {count} of {base} members: more "
            "than the brake allows, so nothing was removed. Check the members "
            "listed under Removals, then click “Apply the removals”.",
        )

    def _supersede_held_removals(self):
        """A complete read replaces the removals older runs held."""
        self.ensure_one()
        self.search(
            [
                ("audience_id", "=", self.audience_id.id),
                ("removal_state", "=", "held"),
                ("id", "!=", self.id),
            ]
        ).write({"removal_state": "superseded"})

    def action_apply_removals(self):
        """A manager confirms the removals a run held: members not changed in
        Mailchimp since are archived and their contacts unticked."""
        self.ensure_one()
        check_manager(self, "read")
        log = self.sudo()  # the sync's own records, written by its code
        if log.removal_state != "held":
            raise UserError(self.env._("These removals are no longer waiting."))
        rows = log.removal_member_ids.filtered(
            lambda m: not m.last_changed or m.last_changed <= log.date_start
        )
        log.audience_id._apply_removals(rows, log)
        log.removal_state = "applied"
        return self.env["mailchimp.account"]._notify(
            self.env._("Removals applied: %s.", len(rows)), "success"
        )

    def _push_summary(self, still_running=False):
        """``(message, kind)`` of a push started by hand, with its counts."""
        env = self.env
        counts = {
            name: sum(self.mapped(name))
            for name in ("created", "updated", "archived", "skipped", "errors")
        }
        message = env._(
            "Sent to Mailchimp: %(created)s created, %(updated)s updated, "
            "%(archived)s archived, %(skipped)s skipped; errors: %(errors)s.",
            **counts,
        )
        if still_running:
            message += " " + env._("Mailchimp is still processing some of them.")
        if all(log.deferred for log in self):
            message = env._(
                "A sync of this audience is running: it sends these contacts."
            )
        failed = any(log.state == "failed" for log in self)
        if failed:
            message = env._(
                "Mailchimp could not be reached: %s", self[:1].error_message
            )
        kind = "danger" if failed else "warning" if counts["errors"] else "success"
        return message, kind

    def _close(self, failed=False):
        self.write(
            {"state": "failed" if failed else "done", "date_end": fields.Datetime.now()}
        )

    def _run_summary(self):
        """``(message, kind)`` of a finished run, with its counts."""
        self.ensure_one()
        if self.state == "failed":
            return (
                self.env._(
                    "The sync of %(audience)s stopped: %(error)s",
                    audience=self.audience_id.name,
                    error=self.error_message or self.env._("see the sync log"),
                ),
                "danger",
            )
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        message = self.env._(
            "%(run)s of %(audience)s done: %(sent)s sent, %(read)s read from "
            "Mailchimp; contacts created: %(created)s, unsubscribes received: "
            "%(unsub)s, errors: %(err)s.",
            run=kinds[self.kind],  # what was asked: Sync or Full resync
            audience=self.audience_id.name,
            sent=self.pushed,
            read=self.pulled,
            created=self.partners_created,
            unsub=self.unsubscribes,
            err=self.errors,
        )
        return message, "warning" if self.errors else "success"

    def _notify_requester(self):
        """The run went on in the background: tell who started it."""
        self.ensure_one()
        message, kind = self._run_summary()
        self.requested_by_id._bus_send(
            "simple_notification",
            {
                "type": kind,
                "title": self.env._("Mailchimp"),
                "message": message,
                "sticky": kind != "success",
            },
        )
        self.notify_when_done = False


class MailchimpSyncLogLine(models.Model):
    _name = "mailchimp.sync.log.line"
    _description = "Mailchimp Sync Log Line"
    _order = "id desc"

    log_id = fields.Many2one(
        "mailchimp.sync.log", required=True, ondelete="cascade", index=True
    )
    kind = fields.Selection(
        [
            ("skipped", "Skipped"),
            ("duplicate", "Duplicate"),
            ("omitted", "Value left out"),
            ("error", "Error"),
            ("info", "Info"),
            ("invalid", "Invalid email"),
            ("not_tagged", "Not tagged"),
            ("untagged", "Tag removed"),
            ("address", "Address left out"),
            ("unsubscribe", "Unsubscribe received"),
            ("created", "Contact created"),
        ],
        required=True,
    )
    partner_id = fields.Many2one("res.partner", ondelete="set null", index=True)
    mailing_contact_id = fields.Many2one(
        "mailing.contact", ondelete="set null", index="btree_not_null"
    )
    email = fields.Char()
    message = fields.Text()
