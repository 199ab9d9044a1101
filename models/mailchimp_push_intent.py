"""What a push is about to create in Mailchimp, recorded before the batch
subscribe call in a transaction of its own: a cron call killed during the
call rolls back its own work, never this. After the next run's pull, a member
of it whose contact left the sync meanwhile is taken as known to Mailchimp
(by its email's hash) and gets the un-tick policy (a 404 if it never got
there)."""

from odoo import api, fields, models
from odoo.tools import SQL

from ..services import subscriber_hash


class MailchimpPushIntent(models.Model):
    _name = "mailchimp.push.intent"
    _description = "Member sent to Mailchimp's batch subscribe"
    _log_access = False

    # no foreign keys: written by another transaction, which may not see an
    # audience or member created by the run's; the member may be gone later
    audience_id = fields.Integer(required=True, index=True)
    member_id = fields.Integer(required=True)
    email = fields.Char(required=True)

    @api.model
    def _record(self, audience, members_by_email):
        """``{email: member}`` about to be sent: committed at once, in a
        cursor of its own (never the run's, which a kill rolls back)."""
        rows = [
            SQL("(%s, %s, %s)", audience.id, member.id, email)
            for email, member in members_by_email.items()
        ]
        with self._cursor() as cr:
            cr.execute(
                SQL(
                    "INSERT INTO mailchimp_push_intent (audience_id, member_id, email)"
                    " VALUES %s",
                    SQL(", ").join(rows),
                )
            )

    def _cursor(self):
        """A cursor of its own, committed when closed (tests give theirs)."""
        return self.env.registry.cursor()

    @api.model
    def _forget(self, members):
        """``members`` Mailchimp has, whose rows go with their contact: Odoo
        already decided what Mailchimp keeps of them (an unsubscribed member
        stays as it is), their records must not bring them back."""
        if members:
            self.env.cr.execute(
                SQL(
                    "DELETE FROM mailchimp_push_intent WHERE member_id = ANY(%s)",
                    members.ids,
                )
            )

    @api.model
    def _forget_after_commit(self, member_ids):
        """The answer of the batch subscribe call that created these members
        is stored: once the run's transaction holding it is committed, their
        records are moot. Deleted then, in a cursor of its own: the run's
        snapshot cannot see records committed after it began, and a kill
        before the commit must leave them (the next run reads them)."""
        ids = list(member_ids)

        def forget():
            with self._cursor() as cr:
                cr.execute(
                    SQL(
                        "DELETE FROM mailchimp_push_intent WHERE member_id = ANY(%s)",
                        ids,
                    )
                )

        if ids:
            self.env.cr.postcommit.add(forget)

    @api.model
    def _adopt(self, audience):
        """The pull is over: the records of earlier runs are read and dropped;
        members without a Mailchimp id whose contact left the sync get the
        hash of the email sent (a deleted contact's member comes back for
        it, without a contact), flagged for the push."""
        self.env.cr.execute(
            SQL(
                "DELETE FROM mailchimp_push_intent WHERE audience_id = %s"
                " RETURNING member_id, email",
                audience.id,
            )
        )
        sent = dict(self.env.cr.fetchall())
        Member = self.env["mailchimp.member"]
        members = Member.browse(sent).exists()
        taken = set(
            Member.search(
                [
                    ("audience_id", "=", audience.id),
                    ("mailchimp_id", "in", [subscriber_hash(e) for e in sent.values()]),
                ]
            ).mapped("mailchimp_id")
        )  # Mailchimp's member has its row already: nothing to adopt
        for member in members.filtered(lambda m: not m.mailchimp_id):
            partner, email = member.partner_id, sent[member.id]
            left = not partner or not partner._mailchimp_ticked_for(audience)
            if left and subscriber_hash(email) not in taken:
                taken.add(subscriber_hash(email))
                member.write({"mailchimp_id": subscriber_hash(email), "email": email})
                member._mark_need_sync(odoo_change=False)
        gone = {email for mid, email in sent.items() if mid not in members.ids}
        suppressed = self.env["mailchimp.suppression"]._suppressed(
            audience, list(gone), normalized=True
        )
        Member.create(
            [
                {"audience_id": audience.id, "email": email, "mailchimp_id": key}
                for email, why in suppressed.items()
                if why == "deleted" and (key := subscriber_hash(email)) not in taken
            ]
        )._mark_need_sync(odoo_change=False)
