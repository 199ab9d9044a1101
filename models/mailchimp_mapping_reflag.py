from odoo import api, models


class MailchimpMappingReflag(models.AbstractModel):
    """A row that decides what a push sends for its audience (a field, tag or
    group mapping): changing it sends the audience's ticked contacts again
    (``mailchimp.member._mark_audiences_need_sync``) and drops the cached
    contact fields a push watches."""

    _name = "mailchimp.mapping.reflag"
    _description = "Mailchimp mapping that re-sends its audience"

    # The fields whose change re-sends the audience. Empty: every field, and
    # creating or deleting a row too. Named fields: the rows are Mailchimp's
    # (created and deleted by a refresh); only a change of these re-sends.
    _mailchimp_reflag_fields = frozenset()

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        if not self._mailchimp_reflag_fields:
            records._mailchimp_reflag(records.audience_id)
        return records

    def write(self, vals):
        res = super().write(vals)
        if not self._mailchimp_reflag_fields or (
            self._mailchimp_reflag_fields & set(vals)
        ):
            self._mailchimp_reflag(self.audience_id)
        return res

    def unlink(self):
        audiences = self.audience_id
        res = super().unlink()
        if not self._mailchimp_reflag_fields:
            self._mailchimp_reflag(audiences)
        return res

    def _mailchimp_reflag(self, audiences):
        self.env.registry.clear_cache()  # the contact fields a push watches
        self.env["mailchimp.member"]._mark_audiences_need_sync(audiences)
