-- After the upgrade from 18.0.1.1.0 (scripts/upgrade_data.py): one line per
-- check that fails; none when the data has the new shape.
SELECT 'module version ' || latest_version FROM ir_module_module
 WHERE name = 'mailchimp_sync'
   AND (state != 'installed' OR latest_version IS DISTINCT FROM :'version');
-- the run under way moved from the audience to its log
SELECT 'run under way not on its log: ' || row(l.pull_running, l.pull_offset,
       l.pull_before, l.push_batch_id, l.full_read, l.state)::text
  FROM mailchimp_sync_log l JOIN mailchimp_audience a ON a.current_log_id = l.id
 WHERE a.mailchimp_id = 'upg11'
   AND NOT (l.pull_running AND l.pull_offset = 2000
            AND l.pull_before = '2026-11-20 10:00:00'
            AND l.push_batch_id = 'b-upgrade' AND l.full_read
            AND l.state = 'running');
SELECT 'no run under way after the upgrade' WHERE NOT EXISTS (
  SELECT 1 FROM mailchimp_audience WHERE mailchimp_id = 'upg11'
   AND current_log_id IS NOT NULL);
-- finished logs: "Every member read" from what was asked
SELECT 'finished log ' || l.id || ' (' || l.kind || ') full_read=' || l.full_read
  FROM mailchimp_sync_log l JOIN mailchimp_audience a ON a.id = l.audience_id
 WHERE a.mailchimp_id = 'upg11' AND l.state = 'done'
   AND l.full_read IS DISTINCT FROM (l.kind = 'full');
-- COMPANY takes the contact's company name, one way
SELECT 'COMPANY mapping: ' || row(m.source, m.field_name, m.direction)::text
  FROM mailchimp_field_mapping m
  JOIN mailchimp_merge_field f ON f.id = m.merge_field_id
  JOIN mailchimp_audience a ON a.id = m.audience_id
 WHERE a.mailchimp_id = 'upg11' AND f.tag = 'COMPANY'
   AND NOT (m.source = 'company' AND m.field_name IS NULL
            AND m.direction = 'odoo_to_mc');
