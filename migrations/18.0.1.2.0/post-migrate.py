"""1.2 keeps the state of a run under way on its sync log, not on the
audience: the window, offset and counters of a read in progress and the
Mailchimp batch a push waits for move to the log, and whether that run reads
every member (``pull_full``) becomes the log's ``full_read`` (the old columns
stay, unread, as Odoo leaves dropped fields' columns)."""

MOVED = (
    ("pull_running", "pull_running"),
    ("pull_since", "pull_since"),
    ("pull_before", "pull_before"),
    ("pull_offset", "pull_offset"),
    ("pull_read_count", "pull_read_count"),
    ("pull_total", "pull_total"),
    ("pull_incomplete", "pull_incomplete"),
)


def _columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
        (table,),
    )
    return {row[0] for row in cr.fetchall()}


def migrate(cr, version):
    # 1.2 maps COMPANY to the contact's company name, not a technical field
    cr.execute(
        """UPDATE mailchimp_field_mapping
              SET source = 'company', field_name = NULL, direction = 'odoo_to_mc'
            WHERE source = 'field' AND field_name = 'commercial_company_name'"""
    )
    old = _columns(cr, "mailchimp_audience")
    moved = [(a, b) for a, b in MOVED if a in old]
    if moved:
        sets = ", ".join(f"{b} = a.{a}" for a, b in moved)
        cr.execute(
            f"""UPDATE mailchimp_sync_log l SET {sets}
                  FROM mailchimp_audience a
                 WHERE a.current_log_id = l.id"""  # noqa: S608 (names above)
        )
    if "pull_full" in old:
        # a run under way that reads every member (the first sync, the daily
        # full read) says so on its log: its end looks for deleted members
        cr.execute(
            """UPDATE mailchimp_sync_log l SET full_read = TRUE
                 FROM mailchimp_audience a
                WHERE a.current_log_id = l.id AND a.pull_full"""
        )
    if "push_batch_id" in old:
        # the batch goes to the run under way, else to the audience's last log
        cr.execute(
            """UPDATE mailchimp_sync_log l SET push_batch_id = a.push_batch_id
                 FROM mailchimp_audience a
                WHERE a.push_batch_id IS NOT NULL
                  AND l.id = COALESCE(a.current_log_id, (
                        SELECT MAX(id) FROM mailchimp_sync_log
                         WHERE audience_id = a.id))"""
        )
