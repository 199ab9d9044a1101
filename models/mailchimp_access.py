"""One access rule for every button that reaches Mailchimp: checked before
any remote call, so a refused user never causes one."""

from odoo.exceptions import AccessError

MANAGER_GROUP = "mailchimp_sync.group_mailchimp_manager"
USER_GROUP = "mailchimp_sync.group_mailchimp_user"
ADMIN_GROUP = "base.group_system"  # Odoo's settings: the OAuth app, webhook security


def check_manager(records, operation="write"):
    """Mailchimp managers only, and only on records they may change."""
    env = records.env
    if not env.su and not env.user.has_group(MANAGER_GROUP):
        raise AccessError(
            env._("Only Mailchimp managers can do this (Mailchimp / Manager).")
        )
    if records:
        records.check_access(operation)
