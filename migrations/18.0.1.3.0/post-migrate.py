"""1.3 removes the second sync worker: one audience's run is one cron call
at a time. Its scheduled action was loaded as ``noupdate`` data, which an
upgrade keeps: it is removed here, with its server action, and so is the
chunk model's table (Odoo drops the table only of a model still in the
registry). Its model record, access rule and the log's fields go with the
module's other removed records at the end of the upgrade."""

from odoo import SUPERUSER_ID, api

HELPER_CRON = "mailchimp_sync.ir_cron_mailchimp_sync_helper"


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    cron = env.ref(HELPER_CRON, raise_if_not_found=False)
    if cron:
        action = cron.ir_actions_server_id
        cron.unlink()
        action.unlink()
    cr.execute("DROP TABLE IF EXISTS mailchimp_push_chunk CASCADE")
