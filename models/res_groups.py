from odoo import api, models

from ..compat import apply_series_data
from .mailchimp_access import MANAGER_GROUP, USER_GROUP

# the addon's data that Odoo 18 and 19 spell differently (see compat.py)
GROUPS = (USER_GROUP, MANAGER_GROUP)
CATEGORY = "mailchimp_sync.module_category_mailchimp"
GROUP_USERS = {MANAGER_GROUP: ("base.user_root", "base.user_admin")}
ACTION_GROUPS = {
    "mailchimp_sync.res_partner_action_enable_mailchimp": MANAGER_GROUP,
    "mailchimp_sync.mailchimp_forget_wizard_action": MANAGER_GROUP,
    "mailchimp_sync.mailing_list_action_export_to_mailchimp": MANAGER_GROUP,
    "mailchimp_sync.mailchimp_change_audience_wizard_action": MANAGER_GROUP,
    "mailchimp_sync.mailchimp_resubscribe_wizard_action": MANAGER_GROUP,
}
INLINE_ACTIONS = ("mailchimp_sync.res_config_settings_action",)


class ResGroups(models.Model):
    _inherit = "res.groups"

    @api.model
    def _mailchimp_series_data(self):
        """Called by data/mailchimp_series_data.xml at install and upgrade."""
        apply_series_data(
            self.env, GROUPS, CATEGORY, GROUP_USERS, ACTION_GROUPS, INLINE_ACTIONS
        )
