from odoo import models


class MergePartnerAutomatic(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _update_foreign_keys(self, src_partners, dst_partner):
        # before Odoo re-points (or drops) the member rows of merged contacts
        src_partners._mailchimp_merge_into(dst_partner)
        return super()._update_foreign_keys(src_partners, dst_partner)

    def _update_values(self, src_partners, dst_partner):
        # the sync's fields are merged whoever merges (before Odoo's own,
        # which leaves out the fields its user may not read)
        dst_partner._mailchimp_merge_sync_fields(src_partners)
        return super()._update_values(src_partners, dst_partner)
