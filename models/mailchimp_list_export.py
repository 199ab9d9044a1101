"""Mailing lists exported to a Mailchimp audience as tags (as Clock PMS+ does):
one audience can hold all of a company's mailing lists, each a tag on its
members (the run itself: ``mailchimp_list_export_run.py``)."""

import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..compat import Constraint, cron_progress
from ..services import MailchimpError
from .mailchimp_access import check_manager
from .mailchimp_list_export_run import EXPORT_CRON, _ExportRun
from .mailchimp_sync_run import BATCH_RECHECK, drive

_logger = logging.getLogger(__name__)


class MailchimpListExport(models.Model):
    _name = "mailchimp.list.export"
    _description = "Mailing list exported to Mailchimp"
    _order = "id desc"

    mailing_list_id = fields.Many2one(
        "mailing.list", required=True, ondelete="cascade", index=True
    )
    audience_id = fields.Many2one(
        "mailchimp.audience", required=True, ondelete="cascade", index=True
    )
    tag_name = fields.Char(required=True)
    segment_id = fields.Integer("Mailchimp tag id")
    last_log_id = fields.Many2one("mailchimp.sync.log", ondelete="set null")
    member_ids = fields.One2many("mailchimp.list.export.member", "export_id")
    queued = fields.Boolean(help="Waiting for the background export job.")
    requested_by_id = fields.Many2one("res.users", ondelete="set null")

    _list_audience_tag_uniq = Constraint(
        "unique(mailing_list_id, audience_id, tag_name)",
        "A mailing list is exported once per audience and tag.",
    )

    # ------------------------------------------------------------------ run
    def _run(self):
        """Export the list with the run loop; returns its log. Mailchimp
        refusing the audience itself (deleted list, wrong key) raises a
        UserError before anything changes in Odoo."""
        self.ensure_one()
        audience = self.audience_id
        log = self.env["mailchimp.sync.log"].create(
            {
                "audience_id": audience.id,
                "kind": "export",
                "mailing_list_id": self.mailing_list_id.id,
                "tag_name": self.tag_name,
            }
        )
        try:
            _done, finished = drive(_ExportRun(self, log))
        except MailchimpError as error:
            if error.status == 404:
                raise UserError(
                    self.env._(
                        "The audience “%s” no longer exists in Mailchimp. Import the "
                        "account's audiences again or choose another audience.",
                        audience.name,
                    )
                ) from None
            raise UserError(
                self.env._(
                    "Exporting “%(list)s” to the Mailchimp audience “%(audience)s” "
                    "failed: %(error)s",
                    list=self.mailing_list_id.name,
                    audience=audience.name,
                    error=error,
                )
            ) from None
        self.last_log_id = log
        if not finished:  # the export job reads Mailchimp's batches later
            self.queued = True
            self.requested_by_id = self.requested_by_id or self.env.user
        return log

    # --------------------------------------------------------------- queue
    def _queue(self):
        """Big lists are exported by a background job; the user who asked is
        notified when it is done."""
        self.write({"queued": True, "requested_by_id": self.env.uid})
        self.env.ref(EXPORT_CRON)._trigger()

    @api.model
    def _cron_run_queued(self):
        """Exports waiting for Mailchimp's batches are checked (once each),
        then one queued export runs; the scheduler calls again while some
        remain (``compat.cron_progress``), and comes back later for batches."""
        queued = self.search([("queued", "=", True)], order="id")
        waiting = queued.filtered("last_log_id.push_batch_id")
        for export in waiting:
            export._finish_when_done()
        ready = queued - waiting
        export = ready[:1]
        if export:
            export.queued = False
            try:
                with self.env.cr.savepoint():
                    log = export._run()
            except UserError as error:
                export._notify_requester(
                    "danger", self.env._("Mailchimp export failed"), str(error)
                )
            else:
                if not log.push_batch_id:
                    export._notify_done(log)
        cron_progress(self.env, len(export), len(ready) - len(export))

    def _finish_when_done(self):
        """The export's run goes on with the loop: its finished batches are
        read; once none is left its log is closed and the user who asked is
        told."""
        try:
            with self.env.cr.savepoint():
                _done, finished = drive(_ExportRun(self, self.last_log_id, sent=True))
        except MailchimpError as error:  # read again on the next call
            _logger.info("Mailchimp export %s: batch not read: %s", self.id, error)
            recheck = fields.Datetime.now() + BATCH_RECHECK
            self.env.ref(EXPORT_CRON)._trigger(at=recheck)
            return
        if finished:
            self.queued = False
            self._notify_done(self.last_log_id)

    def _notify_done(self, log):
        message = self.env._(
            "“%(list)s”: %(added)s added, %(updated)s updated, %(tagged)s "
            "tagged, %(errors)s errors. The statistics are in the Mailchimp sync "
            "logs.",
            list=self.mailing_list_id.name,
            added=log.created,
            updated=log.updated,
            tagged=log.tagged,
            errors=log.errors,
        )
        self._notify_requester("success", self.env._("Mailchimp export done"), message)

    def _notify_requester(self, kind, title, message):
        self.requested_by_id._bus_send(
            "simple_notification",
            {"type": kind, "title": title, "message": message, "sticky": True},
        )


class MailchimpListExportMember(models.Model):
    """Who holds the list's tag in Mailchimp after the last export (so a
    contact who left the list loses the tag next time)."""

    _name = "mailchimp.list.export.member"
    _description = "Exported mailing list member"
    _log_access = False

    export_id = fields.Many2one(
        "mailchimp.list.export", required=True, ondelete="cascade", index=True
    )
    contact_id = fields.Many2one("mailing.contact", ondelete="set null", index=True)
    email = fields.Char(required=True)
    status = fields.Char()
    outcome = fields.Selection(
        [("added", "Added"), ("updated", "Updated"), ("error", "Error")]
    )
    tagged = fields.Boolean()
    log_id = fields.Many2one("mailchimp.sync.log", ondelete="set null")

    _export_email_uniq = Constraint(
        "unique(export_id, email)",
        "An email is exported once per list export.",
    )


class MailingList(models.Model):
    _inherit = "mailing.list"

    # the Mailchimp roles only, as on contacts
    mailchimp_audience_id = fields.Many2one(
        "mailchimp.audience",
        "Mailchimp audience",
        groups="mailchimp_sync.group_mailchimp_user",
        help="Audience this list is exported to (remembered from the last export).",
    )
    mailchimp_tag = fields.Char(
        "Mailchimp tag",
        groups="mailchimp_sync.group_mailchimp_user",
        help="Tag of the list's contacts in the Mailchimp audience.",
    )

    def action_export_to_mailchimp(self):
        check_manager(self)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Export to Mailchimp"),
            "res_model": "mailchimp.list.export.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": "mailing.list", "active_ids": self.ids},
        }
