"""One run of a mailing list export, driven by the run loop like the
audience's sync: its first step sends the list in batches of 500 (create
first, then update the members Mailchimp has without a status, then untag
those who left the list); the update batches Mailchimp has not finished go on
the run's log, as the push's, and are read by the next steps, never waited
for."""

from odoo.tools import SQL

from ..services import (
    BATCH_SIZE,
    chunks,
    email_and_status,
    parallel,
    subscriber_hash,
    upsert,
)
from .mailchimp_list_export_update import (
    TAGGABLE,
    ExportTagging,
    apply_update_results,
    update_known,
)
from .mailchimp_mapper import TO_MAILCHIMP, Mapper
from .mailchimp_sync_log import LINE_KINDS
from .mailchimp_sync_run import Run

EXPORT_CRON = "mailchimp_sync.ir_cron_mailchimp_list_export"
COUNTERS = (
    "list_contacts opted_out created updated tagged untagged duplicates invalid "
    "blacklisted not_tagged address_omitted errors"
).split()

# below this number, unknown statuses are read one member at a time
STATUS_READS = 10


class _Planned:
    """One batch of an export: ``{email: contact id}`` and its payloads, by
    what Mailchimp has."""

    def __init__(self, contact_of):
        self.contact_of = contact_of
        self.known = {}  # email -> payload (status known)
        self.unknown = {}  # email -> payload (to create)


class _ExportRun(ExportTagging, Run):
    """One export of one list: plain Python state kept out of the ORM.
    ``sent``: the list was sent by an earlier call, its batches are read."""

    cron = EXPORT_CRON

    def __init__(self, export, log, sent=False):
        account = export.audience_id.account_id
        super().__init__(
            export.env, account._get_client(), account.parallel_connections
        )
        self.export = export
        self.audience = export.audience_id
        self.list_id = self.audience.mailchimp_id
        self.log = log
        self.sent = sent
        self.counts = dict.fromkeys(COUNTERS, 0)
        self.lines = []
        # (Mailchimp batch id, [[email, contact id], ...]) not finished yet
        self.pending = []
        self.statuses = None  # the audience's {email: status}, read when needed
        self.mapper = Mapper.of(self.audience, TO_MAILCHIMP)
        self.new_status = "pending" if self.audience.double_optin else "subscribed"

    # -------------------------------------------------------------- queue
    def _queue(self):
        """``[(contact_id, email)]`` to send: the list's subscribed contacts,
        first contact per email, valid and not blacklisted emails only;
        opted-out subscriptions are counted, not sent."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """SELECT c.id, c.name, c.email, c.email_normalized,
                          bl.id IS NOT NULL, COALESCE(s.opt_out, FALSE)
                     FROM mailing_subscription s
                     JOIN mailing_contact c ON c.id = s.contact_id
                LEFT JOIN mail_blacklist bl
                       ON bl.email = c.email_normalized AND bl.active
                    WHERE s.list_id = %s
                 ORDER BY c.id""",
                self.export.mailing_list_id.id,
            )
        )
        rows = self.env.cr.fetchall()
        queue, first = [], {}
        for contact_id, name, raw, email, blacklisted, opt_out in rows:
            if opt_out:
                self.counts["opted_out"] += 1
                continue
            self.counts["list_contacts"] += 1
            if self._left_out(contact_id, raw, email, blacklisted, first):
                continue
            first[email] = (name or raw, raw)
            queue.append((contact_id, email))
        return self._drop_forgotten(queue)

    def _left_out(self, contact_id, raw, email, blacklisted, first):
        """Whether a subscribed row is left out (with its line): invalid,
        blacklisted, or an email whose first contact ``first[email]`` (name,
        email) is exported."""
        if not email:
            message = (
                "Invalid or missing email address." if raw else "No email address."
            )
            self._line("invalid", contact_id, raw, message)
        elif blacklisted:
            self._line(
                "blacklisted", contact_id, email, "Blacklisted in Odoo: not sent."
            )
        elif email in first:
            message = "Duplicate email: only “{}” <{}> is exported.".format(
                *first[email]
            )
            self._line("duplicates", contact_id, email, message)
        else:
            return False
        return True

    def _drop_forgotten(self, queue):
        """People forgotten in Mailchimp (GDPR) are never exported again."""
        suppressed = self.env["mailchimp.suppression"]._suppressed(
            self.audience, [email for _c, email in queue], normalized=True
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
        """``{email: payload}`` for a batch: the values the push sends for the
        contact that owns the email (the mapper's one rule), the mailing
        contact's own data when no contact has it."""
        contacts = (
            self.env["mailing.contact"]
            .browse([cid for cid, _e in batch])
            .with_context(prefetch_fields=True)
        )
        owners = self.mapper.owner_of([e for _c, e in batch])
        partners = self.env["res.partner"].browse(owners.values())
        by_id = {partner.id: partner for partner in partners}
        payloads = {}
        for contact, (contact_id, email) in zip(contacts, batch, strict=True):
            source = by_id.get(owners.get(email)) or contact
            merge, skipped = self.mapper.to_mailchimp(source)
            for tag, reason in skipped:
                if self.mapper.field_types.get(tag) == "address":
                    self._line("address_omitted", contact_id, email, f"{tag}: {reason}")
                else:
                    self._line("omitted", contact_id, email, f"{tag}: {reason}")
            payloads[email] = {"email_address": email, "merge_fields": merge}
        return payloads

    # -------------------------------------------------------------- run
    def step(self):
        """The list sent (the first step), else the unfinished batches read;
        the run waits while Mailchimp runs one, and ends with its log."""
        if self.sent:
            done = self._read_batches()
        else:
            done, self.sent = self._send(), True
        # a batch still running is read by a later call, never waited for
        self.waiting = bool(self.log.push_batch_id)
        if not self.waiting:
            self.log._close()
        return done, not self.waiting

    def _send(self):
        """The whole list, in batches of 500; the contacts sent."""
        export = self.export
        previous = self.env["mailchimp.list.export.member"].search_count(
            [("export_id", "=", export.id)]
        )
        queue = self._queue()
        if previous > STATUS_READS:
            # a re-export: one read of the audience's statuses instead of
            # sending everything twice (create, then update)
            self._load_statuses()
        # the create calls go out on the run's parallel connections; their
        # answers are applied here, in order (``services/parallel.py``)
        pipeline = parallel.Pipeline(self.connections, self._answered)
        for batch in chunks(queue, BATCH_SIZE):
            planned = self._plan(batch)
            if pipeline.error:
                break
            if planned.unknown:
                pipeline.send(
                    planned,
                    upsert.create_members,
                    self.list_id,
                    list(planned.unknown.values()),
                    False,  # create only
                    self.audience.required_policy == "empty",
                )
            else:
                self._answered(planned, None, None)
        pipeline.drain()  # every answer applied, then the first error raised
        self._hold_pending()
        self._remove_leavers()
        self.log.push_batch_id = " ".join(batch for batch, _m in self.pending) or False
        if self.pending:
            count = sum(len(members) for _batch, members in self.pending)
            self.log._add_line(
                self.env["mailchimp.member"],
                "info",
                f"Mailchimp is still processing the updates of {count} members: "
                "their figures are added when it is done.",
            )
        sent = len(queue)
        self._write_log()
        return sent

    def _read_batches(self):
        """The update batches Mailchimp finished (``_read_batches`` of the
        log): their results complete the log's figures. The members read."""
        held = self.export.member_ids.filtered(lambda m: m.log_id == self.log)
        contact_of = {member.email: member.contact_id.id for member in held}
        read = {}

        def apply(batch_results):
            results = {}
            apply_update_results(self, contact_of, results, batch_results)
            self._store(results, contact_of)
            self._write_log()
            read.update(results)

        self.log._read_batches(self.client, apply)
        return len(read)

    def _plan(self, batch):
        """The batch's payloads, split into the members Mailchimp has (their
        status known) and the ones to create."""
        planned = _Planned({email: cid for cid, email in batch})
        for email, payload in self._payloads(batch).items():
            status = self.statuses.get(email) if self.statuses is not None else None
            if status:
                payload["status"] = status
                planned.known[email] = payload
            else:
                payload["status"] = self.new_status
                payload["tags"] = [self.export.tag_name]
                planned.unknown[email] = payload
        return planned

    def _answered(self, planned, answer, error):
        """In order, in the run's thread: the create call's ``answer``, then
        the members Mailchimp already had, updated without a status."""
        if error is not None:
            return  # the run stops: these contacts are sent by the next export
        known, contact_of, results = planned.known, planned.contact_of, {}
        if answer is not None:
            exists = self._created(answer, planned.unknown, contact_of, results)
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
        self.env.flush_all()
        self.env.invalidate_all()  # memory stays flat over big lists

    def _created(self, answer, batch, contact_of, results):
        """The checked answer of a create-only batch subscribe call; returns
        ``{email: payload}`` Mailchimp already had."""
        for outcome, members in (
            ("added", answer.created),
            ("updated", answer.updated),
        ):
            for remote in members:
                email = remote.email.lower()
                if email in batch:
                    results[email] = (outcome, remote.status)
        exists = {}
        for refusal in answer.refused:
            email = refusal.email
            if email not in batch:
                continue
            if refusal.exists:
                exists[email] = batch[email]
                continue
            results[email] = ("error", None)
            self._line("errors", contact_of[email], email, refusal.message)
        return exists

    def _load_statuses(self):
        self.statuses = {}
        for page in self.client.iter_member_pages(
            self.list_id, fields="members.email_address,members.status,total_items"
        ):
            for email, status in map(email_and_status, page):
                if email:
                    self.statuses[email] = status

    def _statuses_of(self, emails):
        """Current Mailchimp status of members that already exist."""
        if self.statuses is None and len(emails) > STATUS_READS:
            self._load_statuses()
        if self.statuses is not None:
            return {e: self.statuses.get(e) for e in emails}
        return {
            e: email_and_status(
                self.client.get_member(self.list_id, subscriber_hash(e))
            )[1]
            for e in emails
        }

    # -------------------------------------------------------------- state
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
        """Add the run's figures to its log (a batch read later adds its
        own)."""
        counts, log = self.counts, self.log
        figures = dict(
            counts,
            pushed=counts["created"] + counts["updated"],
            skipped=counts["duplicates"] + counts["invalid"] + counts["blacklisted"],
        )
        log.write({name: log[name] + value for name, value in figures.items()})
        if self.lines:
            self.env["mailchimp.sync.log.line"].create(self.lines)
        self.counts = dict.fromkeys(COUNTERS, 0)  # added once
        self.lines = []
