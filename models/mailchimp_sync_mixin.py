from odoo import api, fields, models


class MailchimpSyncMixin(models.AbstractModel):
    """Flag records whose synced fields change, in the spirit of Odoo's
    ``google.calendar.sync``: the remote id and the ``need_sync`` flag live on
    the per-audience ``mailchimp.member`` rows; writes that come from
    Mailchimp carry the context key ``mailchimp_no_sync`` and flag nothing, so
    a pull never triggers a push (no ping-pong)."""

    _name = "mailchimp.sync.mixin"
    _description = "Mailchimp synchronization mixin"

    mailchimp_member_ids = fields.One2many(
        "mailchimp.member",
        "partner_id",
        string="Mailchimp Memberships",
        groups="mailchimp_sync.group_mailchimp_user",
    )

    def _mailchimp_synced_fields(self):
        """Field names whose change must reach Mailchimp."""
        return set()

    def _mailchimp_ensure_members(self):
        """Hook: create the member rows the records need (flagged, so the next
        run sends them). Called after create and after a write of a synced
        field, never for writes that come from Mailchimp."""

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        if not self.env.context.get("mailchimp_no_sync"):
            records._mailchimp_ensure_members()
        return records

    def write(self, vals):
        res = super().write(vals)
        if not self.env.context.get("mailchimp_no_sync") and (
            set(vals) & self._mailchimp_synced_fields()
        ):
            self._mailchimp_ensure_members()
            # a synced field changed in Odoo: their members are sent next run
            self.sudo().mailchimp_member_ids._mark_need_sync()
        return res
