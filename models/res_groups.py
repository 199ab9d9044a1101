from odoo import api, models

from ..compat import apply_series_data

# the addon's data that Odoo 18 and 19 spell differently (see compat.py)
GROUPS = (
    "mailchimp_sync.group_mailchimp_user",
    "mailchimp_sync.group_mailchimp_manager",
)
CATEGORY = "mailchimp_sync.module_category_mailchimp"
GROUP_USERS = {
    "mailchimp_sync.group_mailchimp_manager": ("base.user_root", "base.user_admin"),
}
MANAGER = "mailchimp_sync.group_mailchimp_manager"
ACTION_GROUPS = {
    "mailchimp_sync.res_partner_action_enable_mailchimp": MANAGER,
    "mailchimp_sync.res_partner_action_mailchimp_forget": MANAGER,
    "mailchimp_sync.mailing_list_action_export_to_mailchimp": MANAGER,
    "mailchimp_sync.mailchimp_change_audience_wizard_action": MANAGER,
    "mailchimp_sync.mailchimp_resubscribe_wizard_action": MANAGER,
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
