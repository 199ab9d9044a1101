"""The audience's Sync now and Full resync buttons: every run started by hand
ends with a notification carrying its counts, at once when it finishes within
the button's time, else from the background when it is done."""

from odoo import fields, models
from odoo.exceptions import UserError

from .mailchimp_access import check_manager
from .mailchimp_sync_run import MANUAL_TIME_BUDGET


class MailchimpSyncLog(models.Model):
    _inherit = "mailchimp.sync.log"

    requested_by_id = fields.Many2one(
        "res.users", string="Started by", readonly=True, ondelete="set null"
    )
    notify_when_done = fields.Boolean(readonly=True)

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
        message = self.env._(
            "Sync of %(audience)s done: %(sent)s sent, %(read)s read from "
            "Mailchimp; contacts created: %(created)s, unsubscribes received: "
            "%(unsub)s, errors: %(err)s.",
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


class MailchimpAudience(models.Model):
    _inherit = "mailchimp.audience"

    def action_sync_now(self, full=False):
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
