"""Mailing lists exported to a Mailchimp audience as tags (as Clock PMS+ does).

One audience can hold all of a company's mailing lists: each list is a tag on
its members. An export sends the list's contacts in batches of 500 (create
first, then update the ones Mailchimp already has, keeping their status),
tags them in the same batch-subscribe call, and removes the tag from the
members who left the list since the previous export.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..services import BATCH_SIZE, MailchimpError, chunks, subscriber_hash
from ..services.payload import build_merge_fields, split_name
from .mailchimp_access import check_manager
from .mailchimp_list_export_update import update_known

# statuses Mailchimp lets us tag
TAGGABLE = {"subscribed", "pending", "transactional"}
# below this number, unknown statuses are read one member at a time
STATUS_READS = 10
NOT_TAGGED_MESSAGE = (
    "Some of the emails provided were not tagged. Check the Mailchimp "
    "marketing subscription statuses."
)
# export counter -> sync log line kind
LINE_KINDS = {
    "duplicates": "duplicate",
    "errors": "error",
    "blacklisted": "skipped",
    "address_omitted": "address",
}


class MailchimpListExport(models.Model):
    _name = "mailchimp.list.export"
    _description = "Mailing list exported to Mailchimp"
    _order = "id desc"

    mailing_list_id = fields.Many2one(
        "mailing.list", required=True, ondelete="cascade", index=True
    )
    audience_id = fields.Many2one(
        "mailchimp.audience", required=True, ondelete="cascade", index=True
    )
    tag_name = fields.Char(required=True)
    segment_id = fields.Integer("Mailchimp tag id")
    last_log_id = fields.Many2one("mailchimp.sync.log", ondelete="set null")
    member_ids = fields.One2many("mailchimp.list.export.member", "export_id")
    queued = fields.Boolean(help="Waiting for the background export job.")
    requested_by_id = fields.Many2one("res.users", ondelete="set null")

    _sql_constraints = [
        (
            "list_audience_tag_uniq",
            "unique(mailing_list_id, audience_id, tag_name)",
            "A mailing list is exported once per audience and tag.",
        )
    ]

    # ------------------------------------------------------------------ run
    def _run(self):
        """Export the list; returns its log. Mailchimp refusing the audience
        itself (deleted list, wrong key) raises a UserError before anything
        changes in Odoo."""
        self.ensure_one()
        audience = self.audience_id
        client = audience.account_id._get_client()
        Log = self.env["mailchimp.sync.log"]
        log = Log.create(
            {
                "audience_id": audience.id,
                "kind": "export",
                "mailing_list_id": self.mailing_list_id.id,
                "tag_name": self.tag_name,
            }
        )
        run = _ExportRun(self, client, log)
        try:
            run.execute()
        except MailchimpError as error:
            if error.status == 404:
                raise UserError(
                    self.env._(
                        "The audience “%s” no longer exists in Mailchimp. Import the "
                        "account's audiences again or choose another audience.",
                        audience.name,
                    )
                ) from None
            raise UserError(
                self.env._(
                    "Exporting “%(list)s” to the Mailchimp audience “%(audience)s” "
                    "failed: %(error)s",
                    list=self.mailing_list_id.name,
                    audience=audience.name,
                    error=error,
                )
            ) from None
        log._close()
        self.last_log_id = log
        return log

    # --------------------------------------------------------------- queue
    def _queue(self):
        """Big lists are exported by a background job; the user who asked is
        notified when it is done."""
        self.write({"queued": True, "requested_by_id": self.env.uid})
        self.env.ref("mailchimp_sync.ir_cron_mailchimp_list_export")._trigger()

    @api.model
    def _cron_run_queued(self):
        """One queued export per call; the scheduler calls again while some
        remain (``_notify_progress``)."""
        queued = self.search([("queued", "=", True)], order="id")
        export = queued[:1]
        if export:
            export.queued = False
            user = export.requested_by_id
            try:
                with self.env.cr.savepoint():
                    log = export._run()
            except UserError as error:
                user._bus_send(
                    "simple_notification",
                    {
                        "type": "danger",
                        "title": self.env._("Mailchimp export failed"),
                        "message": str(error),
                        "sticky": True,
                    },
                )
            else:
                user._bus_send(
                    "simple_notification",
                    {
                        "type": "success",
                        "title": self.env._("Mailchimp export done"),
                        "message": self.env._(
                            "“%(list)s”: %(added)s added, %(updated)s updated, "
                            "%(tagged)s tagged, %(errors)s errors. The statistics "
                            "are in the Mailchimp sync logs.",
                            list=export.mailing_list_id.name,
                            added=log.created,
                            updated=log.updated,
                            tagged=log.tagged,
                            errors=log.errors,
                        ),
                        "sticky": True,
                    },
                )
        self.env["ir.cron"]._notify_progress(
            done=len(export), remaining=len(queued) - len(export)
        )


class MailchimpListExportMember(models.Model):
    """Who holds the list's tag in Mailchimp after the last export (so a
    contact who left the list loses the tag next time)."""

    _name = "mailchimp.list.export.member"
    _description = "Exported mailing list member"
    _log_access = False

    export_id = fields.Many2one(
        "mailchimp.list.export", required=True, ondelete="cascade", index=True
    )
    contact_id = fields.Many2one("mailing.contact", ondelete="set null", index=True)
    email = fields.Char(required=True)
    status = fields.Char()
    outcome = fields.Selection(
        [("added", "Added"), ("updated", "Updated"), ("error", "Error")]
    )
    tagged = fields.Boolean()
    log_id = fields.Many2one("mailchimp.sync.log", ondelete="set null")

    _sql_constraints = [
        (
            "export_email_uniq",
            "unique(export_id, email)",
            "An email is exported once per list export.",
        )
    ]


class MailingList(models.Model):
    _inherit = "mailing.list"

    mailchimp_audience_id = fields.Many2one(
        "mailchimp.audience",
        "Mailchimp audience",
        help="Audience this list is exported to (remembered from the last export).",
    )
    mailchimp_tag = fields.Char(
        "Mailchimp tag", help="Tag of the list's contacts in the Mailchimp audience."
    )
    mailchimp_export_ids = fields.One2many("mailchimp.list.export", "mailing_list_id")

    def action_export_to_mailchimp(self):
        check_manager(self)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Export to Mailchimp"),
            "res_model": "mailchimp.list.export.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": "mailing.list", "active_ids": self.ids},
        }


class _ExportRun:
    """One export of one list: plain Python state kept out of the ORM."""

    def __init__(self, export, client, log):
        self.export = export
        self.env = export.env
        self.audience = export.audience_id
        self.list_id = self.audience.mailchimp_id
        self.client = client
        self.log = log
        self.counts = dict.fromkeys(
            (
                "list_contacts",
                "created",
                "updated",
                "tagged",
                "untagged",
                "duplicates",
                "invalid",
                "blacklisted",
                "not_tagged",
                "address_omitted",
                "errors",
            ),
            0,
        )
        self.lines = []
        self.statuses = None  # the audience's {email: status}, read when needed
        mappings = self.audience.mapping_ids.filtered(
            lambda m: m.direction != "mc_to_odoo"
        )
        self.mappings = mappings
        self.required = self.audience.merge_field_ids.filtered(
            lambda f: f.required and f not in mappings.merge_field_id
        )
        self.field_dicts = [
            f._as_dict() for f in mappings.merge_field_id | self.required
        ]
        self.field_types = {f["tag"]: f["type"] for f in self.field_dicts}
        self.specs = self.env["mailchimp.member"]._mapping_specs(mappings)
        self.new_status = "pending" if self.audience.double_optin else "subscribed"

    # -------------------------------------------------------------- queue
    def _queue(self):
        """``[(contact_id, email)]`` to send: the list's subscribed contacts,
        first contact per email, valid and not blacklisted emails only."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """SELECT c.id, c.email, c.email_normalized, bl.id IS NOT NULL
                     FROM mailing_subscription s
                     JOIN mailing_contact c ON c.id = s.contact_id
                LEFT JOIN mail_blacklist bl
                       ON bl.email = c.email_normalized AND bl.active
                    WHERE s.list_id = %s AND NOT COALESCE(s.opt_out, FALSE)
                 ORDER BY c.id""",
                self.export.mailing_list_id.id,
            )
        )
        queue, first = [], {}
        for contact_id, raw, email, blacklisted in self.env.cr.fetchall():
            self.counts["list_contacts"] += 1
            if not email:
                self._line(
                    "invalid",
                    contact_id,
                    raw,
                    "Invalid or missing email address." if raw else "No email address.",
                )
            elif blacklisted:
                self._line(
                    "blacklisted", contact_id, email, "Blacklisted in Odoo: not sent."
                )
            elif email in first:
                self._line(
                    "duplicates",
                    contact_id,
                    email,
                    f"Duplicate email: only contact #{first[email]} is exported.",
                )
            else:
                first[email] = contact_id
                queue.append((contact_id, email))
        return self._drop_forgotten(queue)

    def _drop_forgotten(self, queue):
        """People forgotten in Mailchimp (GDPR) are never exported again."""
        suppressed = self.env["mailchimp.suppression"]._suppressed(
            self.audience, [email for _c, email in queue]
        )
        forgotten = {e for e, reason in suppressed.items() if reason == "forgotten"}
        for contact_id, email in queue:
            if email in forgotten:
                self._line(
                    "blacklisted",
                    contact_id,
                    email,
                    "Forgotten in Mailchimp (GDPR): never exported again.",
                )
        return [(c, e) for c, e in queue if e not in forgotten]

    # -------------------------------------------------------------- payload
    def _payloads(self, batch):
        """``{email: payload}`` for a batch: mapped fields for contacts that
        match a partner, the mailing contact's own data for the others."""
        Contact = self.env["mailing.contact"]
        Partner = self.env["res.partner"]
        Member = self.env["mailchimp.member"]
        contacts = Contact.browse([cid for cid, _e in batch]).with_context(
            prefetch_fields=True
        )
        partners = {}
        for partner in Partner.with_context(active_test=True).search(
            [("email_normalized", "in", [e for _c, e in batch])], order="id desc"
        ):
            # the push's owner of an email wins: the lowest id among contacts
            # ticked for the audience, else the lowest id
            current = partners.get(partner.email_normalized)
            if not current or partner._mailchimp_ticked_for(
                self.audience
            ) >= current._mailchimp_ticked_for(self.audience):
                partners[partner.email_normalized] = partner
        payloads = {}
        for contact, (contact_id, email) in zip(contacts, batch, strict=True):
            partner = partners.get(email)
            if partner:
                merge, skipped = Member._merge_payload(
                    partner, self.mappings, self.required, self.field_dicts, self.specs
                )
            else:
                merge, skipped = build_merge_fields(
                    self.field_dicts,
                    self._contact_values(contact),
                    default_region=contact.country_id.code or None,
                )
            for tag, reason in skipped:
                if self.field_types.get(tag) == "address":
                    self._line("address_omitted", contact_id, email, f"{tag}: {reason}")
                else:
                    self._line("omitted", contact_id, email, f"{tag}: {reason}")
            payloads[email] = {"email_address": email, "merge_fields": merge}
        return payloads

    def _contact_values(self, contact):
        first, last = split_name(contact.name)
        values = {}
        for tag, source, field_name, _mtype in self.specs:
            root = (field_name or "").split(".")[0]
            if source == "first_name":
                values[tag] = contact.first_name or first
            elif source == "last_name":
                values[tag] = contact.last_name or last
            elif source == "address":
                # a mailing contact has a country only: Mailchimp needs more
                country = contact.country_id.code
                values[tag] = {"country": country} if country else False
            elif root in ("commercial_company_name", "company_name", "parent_name"):
                values[tag] = contact.company_name or False
            elif root == "country_id":
                values[tag] = contact.country_id.name or False
            elif root in ("name", "email"):
                values[tag] = contact[root] or False
        return values

    # -------------------------------------------------------------- run
    def execute(self):
        export = self.export
        previous = self.env["mailchimp.list.export.member"].search_count(
            [("export_id", "=", export.id)]
        )
        queue = self._queue()
        if previous > STATUS_READS:
            # a re-export: one read of the audience's statuses instead of
            # sending everything twice (create, then update)
            self._load_statuses()
        for batch in chunks(queue, BATCH_SIZE):
            self._send(batch)
            self.env.flush_all()
            self.env.invalidate_all()  # memory stays flat over big lists
        self._remove_leavers()
        self._write_log()

    def _send(self, batch):
        payloads = self._payloads(batch)
        contact_of = {email: cid for cid, email in batch}
        results = {}  # email -> (outcome, status)
        known, unknown = {}, {}
        for email, payload in payloads.items():
            status = self.statuses.get(email) if self.statuses is not None else None
            (known if status else unknown)[email] = payload
            if status:
                payload["status"] = status
        if unknown:
            for payload in unknown.values():
                payload["status"] = self.new_status
                payload["tags"] = [self.export.tag_name]
            exists = self._upsert(unknown, False, contact_of, results)
            if exists:
                statuses = self._statuses_of(list(exists))
                for email, payload in exists.items():
                    payload["status"] = statuses.get(email) or self.new_status
                    known[email] = payload
        for email, payload in list(known.items()):
            status = payload["status"]
            payload.pop("tags", None)
            if status in TAGGABLE:
                payload["tags"] = [self.export.tag_name]
            elif status != "unsubscribed":
                # cleaned and archived members cannot be updated by the API
                del known[email]
                self._line(
                    "not_tagged",
                    contact_of[email],
                    email,
                    f"{status.capitalize()} in Mailchimp: not updated, not tagged.",
                )
        if known:
            update_known(self, known, contact_of, results)
        self._store(results, contact_of)

    def _upsert(self, batch, update_existing, contact_of, results):
        """One batch-subscribe call; returns ``{email: payload}`` Mailchimp
        already had (create-only calls)."""
        answer = self.client.batch_upsert(
            self.list_id,
            list(batch.values()),
            update_existing=update_existing,
            skip_merge_validation=self.audience.required_policy == "empty",
        )
        for key, outcome in (("new_members", "added"), ("updated_members", "updated")):
            for remote in answer.get(key) or []:
                email = (remote.get("email_address") or "").lower()
                if email in batch:
                    results[email] = (outcome, remote.get("status"))
        exists = {}
        for error in answer.get("errors") or []:
            email = (error.get("email_address") or "").lower()
            if email not in batch:
                continue
            if (
                error.get("error_code") == "ERROR_CONTACT_EXISTS"
                and not update_existing
            ):
                exists[email] = batch[email]
                continue
            message = error.get("error") or "Mailchimp refused the contact."
            if error.get("field"):
                message += f" ({error['field']}: {error.get('field_message') or ''})"
            results[email] = ("error", None)
            self._line("errors", contact_of[email], email, message)
        return exists

    def _load_statuses(self):
        self.statuses = {}
        for page in self.client.iter_member_pages(
            self.list_id, fields="members.email_address,members.status,total_items"
        ):
            for remote in page:
                self.statuses[(remote.get("email_address") or "").lower()] = remote.get(
                    "status"
                )

    def _statuses_of(self, emails):
        """Current Mailchimp status of members that already exist."""
        if self.statuses is None and len(emails) > STATUS_READS:
            self._load_statuses()
        if self.statuses is not None:
            return {e: self.statuses.get(e) for e in emails}
        return {
            e: self.client.get_member(self.list_id, subscriber_hash(e)).get("status")
            for e in emails
        }

    # -------------------------------------------------------------- state
    def _store(self, results, contact_of):
        counts = self.counts
        rows = []
        for email, (outcome, status) in results.items():
            tagged = outcome in ("added", "updated") and status in TAGGABLE
            if outcome == "added":
                counts["created"] += 1
            elif outcome == "updated":
                counts["updated"] += 1
            if tagged:
                counts["tagged"] += 1
            elif outcome == "updated":
                self._line(
                    "not_tagged",
                    contact_of[email],
                    email,
                    f"{(status or '').capitalize()} in Mailchimp: updated, not tagged.",
                )
            if outcome in ("added", "updated", "error"):
                rows.append(
                    SQL(
                        "(%s, %s, %s, %s, %s, %s, %s)",
                        self.export.id,
                        contact_of[email],
                        email,
                        status,
                        outcome,
                        tagged,
                        self.log.id,
                    )
                )
        if not rows:
            return
        self.env.cr.execute(
            SQL(
                """INSERT INTO mailchimp_list_export_member
                       (export_id, contact_id, email, status, outcome, tagged, log_id)
                   VALUES %s
                   ON CONFLICT (export_id, email) DO UPDATE
                      SET contact_id = EXCLUDED.contact_id,
                          status = EXCLUDED.status,
                          outcome = EXCLUDED.outcome,
                          tagged = EXCLUDED.tagged OR (
                              mailchimp_list_export_member.tagged
                              AND EXCLUDED.outcome = 'error'),
                          log_id = EXCLUDED.log_id""",
                SQL(", ").join(rows),
            )
        )

    def _remove_leavers(self):
        """Members tagged by an earlier export and no longer in the list (or
        opted out) lose the tag; they stay in Mailchimp."""
        cr = self.env.cr
        cr.execute(
            SQL(
                """SELECT id, email, contact_id, tagged
                     FROM mailchimp_list_export_member
                    WHERE export_id = %s AND (log_id IS NULL OR log_id != %s)
                 ORDER BY id""",
                self.export.id,
                self.log.id,
            )
        )
        leavers = cr.fetchall()
        tagged = [row for row in leavers if row[3]]
        segment_id = self._segment_id() if tagged else False
        for batch in chunks(tagged, BATCH_SIZE) if segment_id else ():
            answer = self.client.batch_segment(
                self.list_id, segment_id, remove=[row[1] for row in batch]
            )
            failed = {
                e.lower()
                for error in answer.get("errors") or []
                for e in error.get("email_addresses") or []
            }
            for _id, email, contact_id, _tagged in batch:
                if email in failed:
                    continue  # no longer in the audience: nothing to remove
                self._line(
                    "untagged",
                    contact_id,
                    email,
                    "Left the mailing list: tag removed in Mailchimp.",
                )
        if leavers:
            cr.execute(
                SQL(
                    "DELETE FROM mailchimp_list_export_member WHERE id = ANY(%s)",
                    [row[0] for row in leavers],
                )
            )

    def _segment_id(self):
        """The Mailchimp id of the list's tag (a static segment)."""
        export = self.export
        if export.segment_id:
            return export.segment_id
        for segment in self.client.iter_segments(self.list_id):
            if segment.get("name") == export.tag_name:
                export.segment_id = segment["id"]
                return segment["id"]
        return False

    # -------------------------------------------------------------- log
    def _line(self, counter, contact_id, email, message):
        if counter in self.counts:
            self.counts[counter] += 1
        self.lines.append(
            {
                "log_id": self.log.id,
                "kind": LINE_KINDS.get(counter, counter),
                "mailing_contact_id": contact_id,
                "email": email or "",
                "message": message,
            }
        )

    def _write_log(self):
        counts = self.counts
        self.log.write(
            dict(
                counts,
                pushed=counts["created"] + counts["updated"],
                skipped=counts["duplicates"]
                + counts["invalid"]
                + counts["blacklisted"],
            )
        )
        if self.lines:
            self.env["mailchimp.sync.log.line"].create(self.lines)
