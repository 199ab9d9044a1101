"""A signing secret typed before 1.1 keeps its deliveries checked: the webhook
counts as signed."""


def migrate(cr, version):
    cr.execute(
        """UPDATE mailchimp_audience
              SET webhook_signed = TRUE
            WHERE COALESCE(webhook_signing_key, '') != ''"""
    )
