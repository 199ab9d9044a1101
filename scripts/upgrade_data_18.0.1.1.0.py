"""Data of a 18.0.1.1.0 database for the upgrade check (scripts/odoo_checks.sh):
fed to ``odoo shell`` with the 1.1 code. An account, an audience with a run
under way (a full read, 2,000 members read, a Mailchimp batch waiting), a
finished full resync, and COMPANY mapped to commercial_company_name."""

# ruff: noqa: F821 (env: the odoo shell's)
account = env["mailchimp.account"].create(
    {"name": "Upgrade check", "api_key": "0123456789abcdef0123456789abcdef-us6"}
)
audience = env["mailchimp.audience"].create(
    {"name": "Upgrade check", "account_id": account.id, "mailchimp_id": "upg11"}
)
company = env["mailchimp.merge.field"].create(
    {"audience_id": audience.id, "tag": "COMPANY", "name": "Company", "type": "text"}
)
audience.mapping_ids.filtered(lambda m: m.merge_field_id == company).unlink()
env["mailchimp.field.mapping"].create(
    {
        "audience_id": audience.id,
        "merge_field_id": company.id,
        "source": "field",
        "field_name": "commercial_company_name",
        "direction": "odoo_to_mc",
    }
)
Log = env["mailchimp.sync.log"]
Log.create({"audience_id": audience.id, "kind": "full", "state": "done"})
Log.create({"audience_id": audience.id, "kind": "sync", "state": "done"})
running = Log.create({"audience_id": audience.id, "kind": "sync", "trigger": "cron"})
audience.write(
    {
        "current_log_id": running.id,
        "pull_running": True,
        "pull_full": True,
        "pull_offset": 2000,
        "pull_before": "2026-11-20 10:00:00",
        "push_batch_id": "b-upgrade",
    }
)
env.cr.commit()
print(f"upgrade data: audience {audience.id}, run under way {running.id}")
