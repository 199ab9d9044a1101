"""Reading Mailchimp into Odoo: a page of members at a time.

Who Mailchimp may write (one rule, used by the pull and the webhooks):

* a member is linked to a contact with its email in the audience's company (or
  a shared contact), to record its status and consent;
* merge values are written only to a contact ticked for that audience, never
  to the partner of a user, never from a ``pending`` member;
* removals (members gone from Mailchimp, archived there) untick contacts only
  after a complete read, and a run that would remove many stops and waits for
  a manager ("Apply the removals").
"""

import logging

from odoo import fields, models
from odoo.tools import email_normalize

from ..services import (
    PAGE_SIZE,
    MailchimpClient,
    parallel,
    parse_time,
)
from ..services.echo import echo_key
from .mailchimp_audience import _iso
from .mailchimp_mapper import TO_ODOO, Mapper
from .mailchimp_sync_log import MSG_CREATED, MSG_UNSUBSCRIBED

_logger = logging.getLogger(__name__)

MEMBER_FIELDS = [
    "members." + f
    for f in (
        "id",
        "email_address",
        "status",
        "merge_fields",
        "last_changed",
        "web_id",
        "timestamp_opt",
        "timestamp_signup",
        "member_rating",
        "marketing_permissions",
        "stats",
        "source",
        "tags",
        "interests",
    )
] + ["total_items"]
# The brake: a run that would archive or untick more than this share of an
# audience's members, and more than this many contacts, waits for a manager.
BRAKE_SHARE = 0.10
BRAKE_MIN_CONTACTS = 20
MSG_NOT_CREATED_STATUS = (
    "Not created: {status} in Mailchimp (only subscribed members create contacts)."
)
MSG_KNOWN_ELSEWHERE = (
    "Not created: a contact with this email exists in another company or is "
    "archived."
)
MSG_SUPPRESSED = {
    "deleted": "Not created: this contact was deleted in Odoo.",
    "forgotten": "Forgotten (GDPR): ignored.",
}
MSG_REMOVED = "Deleted in Mailchimp (or archived there): sync turned off."


class MailchimpAudience(models.Model):
    _inherit = "mailchimp.audience"

    # ------------------------------------------------------------- pages
    def _pull_page(self, log, client):
        """Read one page of changed members of the run's frozen window
        (``log.pull_since``..``log.pull_before``, so offsets stay stable) and
        apply it. A page of the wrong shape raises (the run fails, nothing of
        it is applied)."""
        page = self._read_member_page(log, client)  # mailchimp_pull_echo.py
        first = not log.pull_offset
        self._apply_remote_members(page.members, log, from_pull=True)
        self._reject_remote_items(page.rejected, log)
        log._count("pulled", len(page.members))
        incomplete = not first and (
            log.pull_incomplete or page.total_items != log.pull_total
        )
        log.write(
            {
                "pull_read_count": log.pull_read_count + page.size,
                "pull_total": page.total_items if first else log.pull_total,
                "pull_incomplete": incomplete
                or any(raw_id is None for _i, raw_id, _r in page.rejected),
            }
        )
        if not page.size or log.pull_offset + page.size >= page.total_items:
            self._end_pull(log)
        else:
            log.pull_offset += page.size
        return page.size

    def _member_page(self, log, client, member_fields=None):
        """The raw page at the run's offset (``member_fields``: what is
        asked, else every field the pull reads). Once the first page told the
        total, the next pages of the frozen window are read ahead on the run's
        parallel connections (HTTP only; applied here, in order)."""
        args = (self.mailchimp_id,)
        window = {
            "since": _iso(log.pull_since),
            "before": _iso(log.pull_before),
            "fields": member_fields or MEMBER_FIELDS,
        }
        if not log.pull_offset or not log.pull_total:
            return client.get_member_page(*args, log.pull_offset, **window)
        connections = parallel.connections_for(
            client, self.account_id.parallel_connections
        )
        ahead = client.__dict__.setdefault("pages_ahead", {})
        last = min(log.pull_total, log.pull_offset + connections.limit * PAGE_SIZE)
        for offset in range(log.pull_offset, last, PAGE_SIZE):
            if offset not in ahead:
                ahead[offset] = connections.submit(
                    MailchimpClient.get_member_page, *args, offset, **window
                )
        page = ahead.pop(log.pull_offset, None)
        if page is None:  # a short page moved the offsets: read it now
            return client.get_member_page(*args, log.pull_offset, **window)
        return page.result()

    def _reject_remote_items(self, rejected, log):
        """Malformed members are skipped and logged; a valid id still counts
        as seen, so it is never taken for a deleted member."""
        Member = self.env["mailchimp.member"]
        seen = [raw_id for _i, raw_id, _r in rejected if raw_id]
        if seen and log.pull_full:
            Member.search(
                [("audience_id", "=", self.id), ("mailchimp_id", "in", seen)]
            ).full_pull_mark = log.id
        for index, raw_id, reason in rejected:
            _logger.info("Mailchimp member skipped (audience %s): %s", self.id, reason)
            log._add_line(
                Member.new({"email": raw_id or f"#{log.pull_offset + index}"}),
                "skipped",
                f"Malformed member from Mailchimp skipped: {reason}.",
            )

    def _end_pull(self, log):
        """The read is over: move the cursor when it was complete; a complete
        full read also finds the members deleted in Mailchimp."""
        complete = not log.pull_incomplete and log.pull_read_count == log.pull_total
        log.pull_running = False
        vals = {}
        if complete:
            vals["pull_cursor"] = log.pull_before
        removals = log.removal_member_ids
        if log.pull_full and complete:
            removals |= self._members_not_seen(log)
            vals["last_full_pull"] = log.pull_before
            log._supersede_held_removals()
        elif log.pull_full:
            log._add_line(
                self.env["mailchimp.member"],
                "info",
                f"The read was incomplete ({log.pull_read_count} of "
                f"{log.pull_total} members): nothing was taken for deleted; the "
                "next run reads everything again.",
            )
        self.write(vals)
        self._apply_or_hold_removals(removals, log)

    def _members_not_seen(self, log):
        return self.env["mailchimp.member"].search(
            [
                ("audience_id", "=", self.id),
                ("mailchimp_id", "!=", False),
                ("status", "!=", "archived"),
                ("full_pull_mark", "!=", log.id),
            ]
        )

    # ------------------------------------------------------------- removals
    def _removal_base(self):
        return self.env["mailchimp.member"].search_count(
            [("audience_id", "=", self.id), ("mailchimp_id", "!=", False)]
        )

    def _apply_or_hold_removals(self, rows, log):
        """Apply removals, unless there are many: then the log holds them for
        a manager's confirmation and nothing is written."""
        if not rows:
            return
        base = self._removal_base()
        if len(rows) > BRAKE_MIN_CONTACTS and len(rows) > BRAKE_SHARE * base:
            log.write({"removal_member_ids": [fields.Command.set(rows.ids)]})
            log._hold_removals(len(rows), base)
            return
        self._apply_removals(rows, log)
        log.removal_member_ids = [fields.Command.clear()]

    def _apply_removals(self, rows, log):
        for row in rows:
            log._add_line(row, "info", MSG_REMOVED)
        rows.write(
            {"status": "archived", "need_sync": False, "archived_by_odoo": False}
        )
        rows.partner_id.filtered(
            lambda p: p.mailchimp_audience_id == self and p.mailchimp_sync
        ).with_context(mailchimp_no_sync=True).write({"mailchimp_sync": False})

    # ------------------------------------------------------------- apply
    def _apply_remote_members(self, remotes, log, from_pull=False):
        """Match checked remote members and update Odoo (no push flag set).

        :param remotes: :class:`RemoteMember` values
        :param from_pull: removals wait for the end of the read (and the
            brake); a webhook applies its one member at once
        """
        if not remotes:
            return
        Member = self.env["mailchimp.member"]
        emails = {remote.id: email_normalize(remote.email) for remote in remotes}
        for remote in remotes:
            if not emails[remote.id]:
                log._add_line(
                    self.env["mailchimp.member"].new({"email": remote.email}),
                    "skipped",
                    "The email from Mailchimp cannot be normalized: skipped.",
                )
        remotes = [remote for remote in remotes if emails[remote.id]]
        rows, blocked = self._match_rows(remotes, emails, log)
        if from_pull and log.pull_full:
            self.env["mailchimp.member"].browse(
                [r.id for r in rows.values()]
            ).full_pull_mark = log.id
        context = {
            "mapper": Mapper.of(self, TO_ODOO),
            "user_partners": self._user_partner_ids(
                [r.partner_id.id for r in rows.values()]
            ),
            "defer_removal": from_pull,
            "lines": [],  # log lines of this page, created at once
        }
        self._hold_tag_removals(remotes, rows, context["mapper"], log)
        to_create = []
        for remote in remotes:
            row = rows.get(remote.id)
            if row:
                self._apply_remote_member(row, remote, log, context)
            elif self.create_partners:
                reason = self._no_contact_reason(remote, emails, blocked)
                if reason:
                    log._add_line(Member.new({"email": remote.email}), "info", reason)
                else:
                    to_create.append(remote)
        if to_create:
            self._create_partners_from_remote(to_create, context["mapper"], log)
        if context["lines"] and log.id:  # a refresh's log is not stored
            self.env["mailchimp.sync.log.line"].create(context["lines"])

    def _no_contact_reason(self, remote, emails, blocked):
        """Why a member unknown to this audience creates no contact, or None:
        only subscribed members whose email Odoo does not hold elsewhere,
        never deleted in Odoo nor forgotten."""
        if emails[remote.id] in blocked:
            return blocked[emails[remote.id]]
        if remote.status == "archived":
            return "Archived in Mailchimp: no contact created."
        if remote.status != "subscribed":
            return MSG_NOT_CREATED_STATUS.format(status=remote.status)
        return None

    def _apply_remote_member(self, row, remote, log, context):
        changed = remote.changed_at or False
        remote_hash = remote.fingerprint()
        if self.gdpr_enabled and remote.marketing_permissions:
            # also when this version is Odoo's own push: consents it lacks
            row._apply_remote_permissions(list(remote.marketing_permissions), changed)
        if row.status == remote.status and row.remote_hash == remote_hash:
            if remote.web_id and not row.web_id:
                # batch subscribe's answer has none (spec ListMembers5): the
                # first read of a member Odoo created brings it
                row.web_id = remote.web_id
            return  # this version is already in Odoo (e.g. our own push)
        vals = {
            "mailchimp_id": remote.id,
            "email": remote.email,
            "web_id": remote.web_id or row.web_id,
            "last_changed": changed,
            "remote_hash": remote_hash,
            # the version Odoo now holds: Mailchimp going back to the one the
            # push wrote is not taken for an echo (mailchimp_pull_echo.py)
            "echo_key": echo_key(remote, remote_hash),
            **remote.figures(),
        }
        if remote.status != row.status:
            vals.update(self._status_vals(row, remote, changed, log, context))
        vals = {k: v for k, v in vals.items() if row[k] != v}
        if vals:
            row.write(vals)
        mapper = context["mapper"]
        if (mapper.mappings or mapper.groups) and self._may_write_partner(
            row, remote, context
        ):
            partner = row.partner_id.with_context(mailchimp_no_sync=True)
            self._apply_merge_values(row, partner, remote, mapper, changed)

    def _status_vals(self, row, remote, changed, log, context):
        """What a status change read from Mailchimp writes on the member."""
        status = remote.status
        vals = {
            "status": status,
            "consent_date": changed,
            "consent_source": "mailchimp",
        }
        if status in ("unsubscribed", "cleaned") and row.status:
            log._count("unsubscribes")
            context["lines"].append(
                {
                    "log_id": log.id,
                    "kind": "unsubscribe",
                    "partner_id": row.partner_id.id,
                    "email": remote.email,
                    "message": MSG_UNSUBSCRIBED[status],
                }
            )
        if status in ("unsubscribed", "cleaned") and self.blacklist_unsubscribes:
            self.env["mail.blacklist"].sudo()._add(
                remote.email,
                message=self.env._("Unsubscribed in Mailchimp (%s).", self.name),
            )
        if status == "archived" and row.partner_id._mailchimp_ticked_for(self):
            vals["archived_by_odoo"] = False
            if context["defer_removal"]:
                log.removal_member_ids = [fields.Command.link(row.id)]
            else:
                row.partner_id.with_context(
                    mailchimp_no_sync=True
                ).mailchimp_sync = False
                log._add_line(row, "info", MSG_REMOVED)
        return vals

    def _create_partners_from_remote(self, remotes, mapper, log):
        Partner = self.env["res.partner"].with_context(mailchimp_no_sync=True)
        vals_list = self._partner_vals_from_remote(remotes, mapper)
        # linked to their company after creation: Odoo's first-contact rule
        # would copy a new person's address (Mailchimp's data) up to a
        # company contact nobody ticked
        parents = [vals.pop("parent_id", False) for vals in vals_list]
        partners = Partner.create(vals_list)
        _link_to_companies(partners, parents)
        members = self.env["mailchimp.member"].create(
            [
                {
                    "audience_id": self.id,
                    "partner_id": partner.id,
                    "mailchimp_id": remote.id,
                    "email": remote.email,
                    "web_id": remote.web_id,
                    "status": remote.status,
                    "last_changed": remote.changed_at or False,
                    "consent_date": parse_time(remote.timestamp_opt)
                    or remote.changed_at
                    or False,
                    "consent_source": "mailchimp",
                    "need_sync": False,
                    "full_pull_mark": log.id,
                }
                for partner, remote in zip(partners, remotes, strict=True)
            ]
        )
        log._count("partners_created", len(partners))
        self.env["mailchimp.sync.log.line"].create(
            [
                {
                    "log_id": log.id,
                    "kind": "created",
                    "partner_id": partner.id,
                    "email": partner.email,
                    "message": MSG_CREATED,
                }
                for partner in partners
            ]
        )
        return members

    def write(self, vals):
        res = super().write(vals)
        if vals.get("create_partners"):
            # members read before were not created: read them all again
            self.sudo().last_full_pull = False
        return res


def _link_to_companies(partners, parents):
    """Put each new person under its company contact: one write a company,
    after creation (never the first-contact copy of an address upwards)."""
    by_parent = {}
    for partner, parent in zip(partners, parents, strict=True):
        if parent:
            by_parent[parent] = by_parent.get(parent, partners.browse()) | partner
    for parent, people in by_parent.items():
        people.write({"parent_id": parent})
