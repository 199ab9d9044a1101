"""Who chooses which contacts are synced: a Mailchimp manager ticks "Sync
with Mailchimp", chooses the audience, or runs "Enable Mailchimp sync" and
"Stop syncing" — also without the right to change contacts (Contact
Creation). Those two fields, and nothing else of the contact, are then
written as superuser, on contacts the manager may read, to an audience the
manager may read. The contact's link to its member row is the sync's."""

from odoo import api, models
from odoo.exceptions import AccessError

from .mailchimp_access import MANAGER_GROUP

# what is synced: only a Mailchimp manager changes it
SYNC_CONTROL_FIELDS = frozenset({"mailchimp_sync", "mailchimp_audience_id"})
# what only the synchronization writes on a contact
SYNC_OWNED_FIELDS = frozenset({"mailchimp_member_id"})


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                self._mailchimp_check_not_owned(vals)
            if any(vals.get(f) for vals in vals_list for f in SYNC_CONTROL_FIELDS):
                self._check_sync_control()
            for vals in vals_list:
                self._mailchimp_check_audience(vals)
        return super().create(vals_list)

    def write(self, vals):
        if self.env.su:
            return super().write(vals)
        self._mailchimp_check_not_owned(vals)
        if not self._mailchimp_sync_control_changes(vals):
            return super().write(vals)
        self._check_sync_control()
        # the audience is one the manager may read, with other fields too
        self._mailchimp_check_audience(vals)
        if set(vals) <= SYNC_CONTROL_FIELDS:
            # exactly the sync's two fields: the contacts the manager's to
            # see, then written as the code
            self.check_access("read")
            return super(ResPartner, self.sudo()).write(vals)
        return super().write(vals)

    def _mailchimp_check_audience(self, vals):
        """A contact is synced only to an audience its writer may read
        (never another company's): the one written, or the one a contact
        ticked without it already has."""
        audiences = self.env["mailchimp.audience"]
        if vals.get("mailchimp_audience_id"):
            audiences = audiences.browse(vals["mailchimp_audience_id"])
        elif "mailchimp_audience_id" not in vals and vals.get("mailchimp_sync"):
            ticked = self.sudo().filtered(lambda p: not p.mailchimp_sync)
            audiences = ticked.mailchimp_audience_id.with_env(self.env)
        if audiences:  # none: nothing to check (the model's rights included)
            audiences.check_access("read")

    def _mailchimp_sync_control_changes(self, vals):
        """Whether ``vals`` changes which contacts are synced, or where."""
        changed = SYNC_CONTROL_FIELDS.intersection(vals)
        return any(
            (p[f].id if f == "mailchimp_audience_id" else p[f]) != (vals[f] or False)
            for p in self.sudo()
            for f in changed
        )

    def _mailchimp_check_not_owned(self, vals):
        if SYNC_OWNED_FIELDS.intersection(vals):
            raise AccessError(
                self.env._(
                    "A contact's Mailchimp membership is kept by the Mailchimp "
                    "synchronization: it cannot be changed by hand."
                )
            )

    def _check_sync_control(self):
        """Ticking "Sync with Mailchimp" or choosing the audience is a
        Mailchimp manager's decision (the read-only role cannot enrol
        contacts). Only the superuser (the cron, the webhook, Odoo's own
        writes done with sudo) skips the check (the callers' ``env.su``): a
        context key proves nothing, any caller can set one."""
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._(
                    "Only Mailchimp managers can choose which contacts are synced "
                    "with Mailchimp (Mailchimp / Manager)."
                )
            )

    def action_mailchimp_enable(self):
        """Tick "Sync with Mailchimp" on these contacts; the notification says
        how many, and how many still wait for an audience."""
        self.write({"mailchimp_sync": True})
        waiting = self.sudo().filtered(lambda p: not p.mailchimp_audience_id)
        if len(self) == 1:
            message = self.env._(
                "Mailchimp sync enabled on %s: it is sent at the next "
                "synchronization.",
                self.display_name,
            )
        else:
            message = self.env._(
                "Mailchimp sync enabled on %(count)s contacts: they are sent at "
                "the next synchronization.",
                count=len(self),
            )
        if waiting:
            message += " " + self._mailchimp_waiting_message(waiting)
        return self.env["mailchimp.account"]._notify(
            message, "warning" if waiting else "success"
        )

    def _mailchimp_waiting_message(self, waiting):
        if len(waiting) == 1:
            return self.env._(
                "%s has no audience: choose one on the contact, or a default "
                "audience in Mailchimp → Mailchimp settings.",
                waiting.display_name,
            )
        return self.env._(
            "%(count)s have no audience: choose one on the contact, or a "
            "default audience in Mailchimp → Mailchimp settings.",
            count=len(waiting),
        )

    def action_mailchimp_disable(self):
        """Untick "Sync with Mailchimp": the next synchronization applies the
        audience's un-tick policy in Mailchimp."""
        self.write({"mailchimp_sync": False})
        if len(self) == 1:
            message = self.env._(
                "Mailchimp sync stopped on %s: the next synchronization applies "
                "the audience's un-tick policy.",
                self.display_name,
            )
        else:
            message = self.env._(
                "Mailchimp sync stopped on %(count)s contacts: the next "
                "synchronization applies the audience's un-tick policy.",
                count=len(self),
            )
        return self.env["mailchimp.account"]._notify(message, "success")
