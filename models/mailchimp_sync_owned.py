"""State that Mailchimp or the synchronization owns (statuses, ids, sync
times, consent history, errors, counters, the webhook's security) is written
by the synchronization's own code only: the cron and the webhook run as
superuser, and each button runs its work as superuser after checking the
user's role and the record's access. A user's own write of such a field is
refused on the server, whatever the view shows or the RPC call's context says
(any caller can put a key in its context; only ``env.su`` proves the call
comes from the code)."""

from odoo import api, models
from odoo.exceptions import AccessError

from .mailchimp_access import ADMIN_GROUP

# what Odoo itself writes on every record
LOG_ACCESS_FIELDS = frozenset(models.LOG_ACCESS_COLUMNS)


class MailchimpSyncOwned(models.AbstractModel):
    _name = "mailchimp.sync.owned"
    _description = "State written by the Mailchimp synchronization only"

    # The fields a user may write (with the model's access rights); every
    # other stored field is the synchronization's. One2many fields are
    # checked on their own model.
    _mailchimp_user_fields = frozenset()
    # Fields administrators may also write (the webhook's security).
    _mailchimp_admin_fields = frozenset()
    # True: records created and deleted by the synchronization only.
    _mailchimp_sync_records = False

    @api.model_create_multi
    def create(self, vals_list):
        if self.env.su:
            return super().create(vals_list)
        if self._mailchimp_sync_records:
            raise AccessError(self._mailchimp_records_message())
        for vals in vals_list:
            self._mailchimp_check_owned(vals)
        # context defaults name fields too: never the synchronization's
        context = {
            key: value
            for key, value in self.env.context.items()
            if not (
                key.startswith("default_")
                and self._mailchimp_owned_names({key[len("default_") :]})
            )
        }
        records = self.with_env(self.env(context=context))
        return super(MailchimpSyncOwned, records).create(vals_list)

    def write(self, vals):
        if not self.env.su:
            self._mailchimp_check_owned(vals)
        return super().write(vals)

    def unlink(self):
        if self._mailchimp_sync_records and not self.env.su:
            raise AccessError(self._mailchimp_records_message())
        return super().unlink()

    def _mailchimp_owned_names(self, names):
        """Those of ``names`` that the synchronization owns."""
        owned = set()
        for name in names:
            field = self._fields.get(name)
            if (
                field is None
                or not field.store
                or field.type == "one2many"
                or name in LOG_ACCESS_FIELDS
                or name in self._mailchimp_user_fields
            ):
                continue
            owned.add(name)
        if owned & self._mailchimp_admin_fields and self.env.user.has_group(
            ADMIN_GROUP
        ):
            owned -= self._mailchimp_admin_fields
        return owned

    def _mailchimp_check_owned(self, vals):
        owned = self._mailchimp_owned_names(vals)
        if not owned:
            return
        labels = ", ".join(
            sorted(self._fields[name]._description_string(self.env) for name in owned)
        )
        if owned <= self._mailchimp_admin_fields:
            raise AccessError(
                self.env._(
                    "Only administrators can change the webhook's security "
                    "settings (%(fields)s).",
                    fields=labels,
                )
            )
        raise AccessError(
            self.env._(
                "%(fields)s (%(model)s) is kept by the Mailchimp synchronization: "
                "it cannot be changed by hand.",
                fields=labels,
                model=self._mailchimp_model_label(),
            )
        )

    def _mailchimp_records_message(self):
        return self.env._(
            "%(model)s records are kept by the Mailchimp synchronization: they "
            "cannot be created or deleted by hand.",
            model=self._mailchimp_model_label(),
        )

    def _mailchimp_model_label(self):
        return self.env["ir.model"].sudo()._get(self._name).name
