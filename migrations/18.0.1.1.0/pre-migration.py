"""Before the trust rules' constraints: one member per Mailchimp id and
audience (later duplicates forget the id and are matched again)."""


def migrate(cr, version):
    cr.execute(
        """UPDATE mailchimp_member m
              SET mailchimp_id = NULL, need_sync = TRUE
            WHERE m.mailchimp_id IS NOT NULL
              AND EXISTS (SELECT 1 FROM mailchimp_member o
                           WHERE o.audience_id = m.audience_id
                             AND o.mailchimp_id = m.mailchimp_id
                             AND o.id < m.id)"""
    )
