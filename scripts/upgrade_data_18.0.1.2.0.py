"""Data of a 18.0.1.2.0 database for the upgrade check (scripts/odoo_checks.sh):
fed to ``odoo shell`` with the 1.2 code. An account, an audience, a ticked
contact with its member, and the second sync worker's scheduled action (1.3
removes it)."""

# ruff: noqa: F821 (env: the odoo shell's)
account = env["mailchimp.account"].create(
    {"name": "Upgrade check", "api_key": "0123456789abcdef0123456789abcdef-us6"}
)
audience = env["mailchimp.audience"].create(
    {"name": "Upgrade check", "account_id": account.id, "mailchimp_id": "upg12"}
)
partner = env["res.partner"].create(
    {
        "name": "Upgrade Person",
        "email": "upgrade.person@example.com",
        "mailchimp_sync": True,
        "mailchimp_audience_id": audience.id,
    }
)
assert env.ref("mailchimp_sync.ir_cron_mailchimp_sync_helper")
env.cr.commit()
print(f"upgrade data: audience {audience.id}, contact {partner.id}")
