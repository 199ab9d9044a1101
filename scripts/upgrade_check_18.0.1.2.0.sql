-- After the upgrade from 18.0.1.2.0 (scripts/upgrade_data_18.0.1.2.0.py): one
-- line per check that fails; none when the data has the new shape.
SELECT 'module version ' || latest_version FROM ir_module_module
 WHERE name = 'mailchimp_sync'
   AND (state != 'installed' OR latest_version IS DISTINCT FROM :'version');
-- the second sync worker is gone: its scheduled action, model and fields
SELECT 'second sync worker left: ' || name FROM ir_model_data
 WHERE module = 'mailchimp_sync'
   AND (name = 'ir_cron_mailchimp_sync_helper' OR name LIKE '%push_chunk%');
SELECT 'scheduled action left: ' || cron_name FROM ir_cron
 WHERE cron_name::text LIKE '%second sync worker%';
SELECT 'chunk table left' FROM information_schema.tables
 WHERE table_name = 'mailchimp_push_chunk';
SELECT 'log column left: ' || column_name FROM information_schema.columns
 WHERE table_name = 'mailchimp_sync_log'
   AND column_name IN ('push_shared', 'run_log_id');
-- the data is kept
SELECT 'contact or member lost' WHERE NOT EXISTS (
  SELECT 1 FROM res_partner p
    JOIN mailchimp_member m ON m.partner_id = p.id
    JOIN mailchimp_audience a ON a.id = m.audience_id
   WHERE p.email = 'upgrade.person@example.com' AND p.mailchimp_sync
     AND a.mailchimp_id = 'upg12');
