"""Reading Mailchimp into Odoo, a page of members at a time (README "How it
works": a pulled member's way, and "No echo" for the light read).

Removals (members gone from Mailchimp or archived there) untick contacts only
after a complete read, and a run that would remove many waits for a manager.
A new member whose COMPANY merge value names a company is created under that
company contact (exact name, in the audience's company scope, else created).
"""

import logging

from odoo import fields, models
from odoo.tools import SQL, email_normalize

from ..services import (
    PAGE_SIZE,
    UNSUBSCRIBED_OR_CLEANED,
    MailchimpClient,
    MemberPage,
    parse_member_page,
    parse_time,
)
from ..services.echo import ECHO_FIELDS, echo_key
from .mailchimp_audience import _iso
from .mailchimp_mapper import COMPANY_SOURCES, TO_ODOO, Mapper, without_address
from .mailchimp_sync_log import MSG_CREATED, MSG_UNSUBSCRIBED
from .mailchimp_sync_rules import (
    company_domain,
    mailchimp_wins,
    user_partner_ids,
    write_refusal,
)

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
# contact fields (roots of a mapping's path) that hold a contact's company
COMPANY_FIELDS = (*COMPANY_SOURCES, "parent_id")


class MailchimpAudience(models.Model):
    _inherit = "mailchimp.audience"

    # ------------------------------------------------------------- pages
    def _pull_page(self, log, run):
        """Read one page of changed members of the run's frozen window
        (``log.pull_since``..``log.pull_before``, so offsets stay stable) and
        apply it. A page of the wrong shape raises (the run fails, nothing of
        it is applied)."""
        page = self._read_member_page(log, run)
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

    def _member_page(self, log, run, member_fields=None, ahead=True):
        """The raw page at the run's offset (``member_fields``: what is
        asked, else every field the pull reads). Once the first page told the
        total, the next pages of the frozen window are read ahead on the run's
        parallel connections (HTTP only; applied here, in order)."""
        client = run.client
        args = (self.mailchimp_id,)
        window = {
            "since": _iso(log.pull_since),
            "before": _iso(log.pull_before),
            "fields": member_fields or MEMBER_FIELDS,
        }
        if not ahead or not log.pull_offset or not log.pull_total:
            return client.get_member_page(*args, log.pull_offset, **window)
        connections, ahead = run.connections, run.pages_ahead
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
            removals |= self.env["mailchimp.member"].search(
                [
                    ("audience_id", "=", self.id),
                    ("mailchimp_id", "!=", False),
                    ("status", "!=", "archived"),
                    ("full_pull_mark", "!=", log.id),
                ]
            )
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

    # ------------------------------------------------------------- removals
    def _apply_or_hold_removals(self, rows, log):
        """Apply removals, unless there are many: then the log holds them for
        a manager's confirmation and nothing is written."""
        if not rows:
            return
        base = self.env["mailchimp.member"].search_count(
            [("audience_id", "=", self.id), ("mailchimp_id", "!=", False)]
        )
        if len(rows) > BRAKE_MIN_CONTACTS and len(rows) > BRAKE_SHARE * base:
            log.write({"removal_member_ids": [fields.Command.set(rows.ids)]})
            log._hold_removals(len(rows), base)
            return
        self._apply_removals(rows, log)
        log.removal_member_ids = [fields.Command.clear()]

    def _apply_removals(self, rows, log):
        for row in rows:
            log._add_line(row, "info", MSG_REMOVED)
        rows._clear_need_sync({"status": "archived", "archived_by_odoo": False})
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
                    Member.new({"email": remote.email}),
                    "skipped",
                    "The email from Mailchimp cannot be normalized: skipped.",
                )
        remotes = [remote for remote in remotes if emails[remote.id]]
        rows, blocked = self._match_rows(remotes, emails, log)
        if from_pull and log.pull_full:
            Member.browse([r.id for r in rows.values()]).full_pull_mark = log.id
        context = {
            "mapper": Mapper.of(self, TO_ODOO),
            "user_partners": user_partner_ids(
                self.env, [r.partner_id.id for r in rows.values()]
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
            # push wrote is not taken for an echo (tests/test_push_echo.py)
            "echo_key": echo_key(remote, remote_hash),
            **remote.figures(),
        }
        if remote.status != row.status:
            vals.update(self._status_vals(row, remote, changed, log, context))
        vals = {k: v for k, v in vals.items() if row[k] != v}
        if vals:
            row.write(vals)
        mapper = context["mapper"]
        if mapper.reads_back and not write_refusal(
            self, row.partner_id, remote.status, context["user_partners"]
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
        if status in UNSUBSCRIBED_OR_CLEANED and row.status:
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
        if status in UNSUBSCRIBED_OR_CLEANED and self.blacklist_unsubscribes:
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
        self.env["mailchimp.member"].create(
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

    def write(self, vals):
        res = super().write(vals)
        if vals.get("create_partners"):
            # members read before were not created: read them all again
            self.sudo().last_full_pull = False
        return res

    # ------------------------------------------------------------- matching

    def _match_rows(self, remotes, emails, log):
        """``({remote id: member row}, {emails Odoo has elsewhere})``: by
        Mailchimp id, then by the email last sent, then by the contact with
        that email in this company (the one already in this audience, else
        the one ticked for it, else the lowest id). A few queries per page,
        none per member."""
        Member = self.env["mailchimp.member"]
        hashes = [remote.id for remote in remotes]
        rows = {
            r.mailchimp_id: r
            for r in Member.search(
                [("audience_id", "=", self.id), ("mailchimp_id", "in", hashes)]
            )
        }
        missing = {emails[h]: h for h in hashes if h not in rows}
        if not missing:
            return rows, set()
        for row in Member.search(
            [("audience_id", "=", self.id), ("email", "in", list(missing))]
        ):
            rows.setdefault(missing.get(email_normalize(row.email or "")), row)
        missing = {e: h for e, h in missing.items() if h not in rows}
        blocked = {
            email: MSG_SUPPRESSED[reason]
            for email, reason in self.env["mailchimp.suppression"]
            ._suppressed(self, list(missing))
            .items()
        }
        forgotten = {
            e for e, msg in blocked.items() if msg == MSG_SUPPRESSED["forgotten"]
        }
        missing = {e: h for e, h in missing.items() if e not in forgotten}
        candidates = {}
        for partner in self.env["res.partner"].search(
            [("email_normalized", "in", list(missing)), *company_domain(self)],
            order="id",
        ):
            candidates.setdefault(partner.email_normalized, []).append(partner)
        unmatched = set(missing) - set(candidates)
        if unmatched:
            for partner in (
                self.env["res.partner"]
                .with_context(active_test=False)
                .search([("email_normalized", "in", list(unmatched))])
            ):
                blocked.setdefault(partner.email_normalized, MSG_KNOWN_ELSEWHERE)
        rows.update(self._link_candidates(missing, candidates, log))
        return rows, blocked

    def _link_candidates(self, missing, candidates, log):
        """New member rows for remote members matched to a contact by email."""
        Member = self.env["mailchimp.member"]
        partner_ids = [p.id for group in candidates.values() for p in group]
        row_by_partner = {
            r.partner_id: r
            for r in Member.search(
                [("audience_id", "=", self.id), ("partner_id", "in", partner_ids)]
            )
        }
        owners = Mapper.of(self, TO_ODOO).owner_of(list(candidates))
        rows, to_create = {}, []
        for email, remote_id in missing.items():
            group = candidates.get(email)
            if not group:
                continue
            partner = next((p for p in group if p.id == owners.get(email)), group[0])
            for other in group:
                if other != partner:
                    log._add_line(
                        Member.new({"partner_id": other.id, "email": email}),
                        "duplicate",
                        f"Same email as “{partner.display_name}”, linked instead.",
                    )
            if partner in row_by_partner:
                rows[remote_id] = row_by_partner[partner]
            else:
                to_create.append((remote_id, partner))
        new_rows = Member.create(
            [
                {"audience_id": self.id, "partner_id": p.id}
                for _remote_id, p in to_create
            ]
        )
        for row in new_rows:
            if not row.partner_id._mailchimp_ticked_for(self):
                log._add_line(
                    row, "info", row.partner_id._mailchimp_not_synced_message(self)
                )
        rows.update(zip([r for r, _p in to_create], new_rows, strict=True))
        return rows

    def _hold_tag_removals(self, remotes, rows, mapper, log):
        """The brake on mapped tags read back: a tag gone from many contacts of
        a page at once removes no contact tag (the log says so)."""
        pairs = [(r, rows[r.id].partner_id) for r in remotes if r.id in rows]
        held = mapper.brake_tag_removals(pairs, BRAKE_SHARE, BRAKE_MIN_CONTACTS)
        for name, count in held.items():
            log._add_line(
                self.env["mailchimp.member"],
                "info",
                f"Mailchimp tag “{name}” gone from {count} contacts at once: their "
                "contact tag is kept (brake); remove it in Odoo if that was meant.",
            )

    def _apply_merge_values(self, row, partner, remote, mapper, changed):
        """Write Mailchimp's changes to the partner when the conflict decision
        lets it; else Odoo's values are sent back."""
        diff = mapper.changes(remote, partner)
        if not diff:
            return
        if mailchimp_wins(self, row.odoo_changed_at, changed):
            partner.write(diff)
        else:
            row._mark_need_sync()

    def _company_merge_tag(self):
        """The merge field tag holding the member's company, or None."""
        for mapping in self.mapping_ids:
            root = (mapping.field_name or "").split(".")[0]
            if mapping.source == "company" or (
                mapping.source == "field" and root in COMPANY_FIELDS
            ):
                return mapping.merge_field_id.tag
        return None

    def _partner_vals_from_remote(self, remotes, mapper):
        """Values of the contacts to create for ``remotes``: mapped fields,
        groups, the email, the sync ticked, and the company contact (found or
        created) as parent when COMPANY names one."""
        Partner = self.env["res.partner"].with_context(mailchimp_no_sync=True)
        tag = self._company_merge_tag()
        names = [_company_name(remote, tag) for remote in remotes]
        companies = self._companies_named({name for name in names if name})
        vals_list = []
        for remote, company_name in zip(remotes, names, strict=True):
            vals = mapper.to_odoo(remote, Partner)
            vals.setdefault("name", remote.email)
            vals.update(
                email=remote.email,
                mailchimp_sync=True,
                mailchimp_audience_id=self.id,
            )
            if company_name:
                for fname in COMPANY_FIELDS:
                    vals.pop(fname, None)
                without_address(Partner, vals)
                vals["parent_id"] = companies[company_name]
            vals_list.append(vals)
        return vals_list

    def _companies_named(self, names):
        """``{name: company contact id}`` for ``names``: the existing company
        contact of that exact name (of the audience's company or shared,
        lowest id), the missing ones created at once."""
        if not names:
            return {}
        Partner = self.env["res.partner"].with_context(mailchimp_no_sync=True)
        found = Partner.search(
            [
                ("is_company", "=", True),
                ("name", "in", list(names)),
                *company_domain(self),
            ],
            order="id desc",
        )
        companies = {company.name: company.id for company in found}
        missing = sorted(names - companies.keys())
        created = Partner.create(
            [{"name": name, "is_company": True} for name in missing]
        )
        companies.update(zip(missing, created.ids, strict=True))
        return companies

    # ------------------------------------------------------------- no echo
    def _read_member_page(self, log, run):
        """The checked page at the run's offset, less Odoo's own versions.

        An incremental read's first page is read in full (one call, whatever
        it holds); when every member of it was Odoo's own version (the run
        after a push), the next pages are first asked for the echo's fields
        only (``log.pull_light``), and a page holding someone else's change
        is read again in full."""
        if log.pull_full or self.gdpr_enabled:
            return parse_member_page(self._member_page(log, run))
        if not log.pull_light:
            page = parse_member_page(self._member_page(log, run))
            echoes = self._echoes(page.members)
            if not log.pull_offset:
                log.pull_light = bool(page.members) and len(echoes) == page.size
            members = tuple(m for m in page.members if m.id not in echoes)
            return MemberPage(members, page.rejected, page.total_items, page.size)
        light = parse_member_page(self._member_page(log, run, ECHO_FIELDS))
        echoes = self._echoes(light.members)
        if len(echoes) == len(light.members):  # malformed items: skipped as ever
            return MemberPage((), light.rejected, light.total_items, light.size)
        full = parse_member_page(self._member_page(log, run, ahead=False))
        # an item malformed in the light read is reported once, from it
        bad_ids = {raw_id for _i, raw_id, _r in light.rejected}
        bad_indexes = {index for index, _id, _r in light.rejected}
        echoes |= self._echoes(full.members)
        members = tuple(
            m for m in full.members if m.id not in echoes and m.id not in bad_ids
        )
        rejected = light.rejected + tuple(
            item for item in full.rejected if item[0] not in bad_indexes
        )
        return MemberPage(members, rejected, full.total_items, full.size)

    def _echoes(self, remotes):
        """The ids of ``remotes`` whose version is the one Odoo last wrote;
        their web id is stored when Odoo has none (one UPDATE)."""
        if not remotes:
            return set()
        Member = self.env["mailchimp.member"]
        Member.flush_model(
            ["audience_id", "mailchimp_id", "echo_key", "web_id", "status"]
            + ["remote_hash"]
        )
        self.env.cr.execute(
            SQL(
                """SELECT mailchimp_id, id, echo_key, web_id, status, remote_hash
                     FROM mailchimp_member
                    WHERE audience_id = %s AND mailchimp_id = ANY(%s)""",
                self.id,
                [remote.id for remote in remotes],
            )
        )
        stored = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        echoes, web_ids = set(), []
        for remote in remotes:
            member_id, key, web_id, status, known_hash = stored.get(
                remote.id, (None,) * 5
            )
            fingerprint = remote.fingerprint()
            # the version Odoo wrote, and Odoo's row still holds it (a status
            # Odoo changed since, e.g. a re-subscription asked, is read back)
            if (
                key
                and key == echo_key(remote, fingerprint)
                and (status, known_hash) == (remote.status, fingerprint)
            ):
                echoes.add(remote.id)
                if remote.web_id and not web_id:
                    web_ids.append(SQL("(%s, %s)", member_id, remote.web_id))
        if web_ids:
            self.env.cr.execute(
                SQL(
                    """UPDATE mailchimp_member m SET web_id = v.web
                         FROM (VALUES %s) AS v(id, web) WHERE m.id = v.id""",
                    SQL(", ").join(web_ids),
                )
            )
            Member.invalidate_model(["web_id"])
        return echoes


def _company_name(remote, tag):
    """The company a member's COMPANY merge value names, or ''."""
    value = remote.merge_fields.get(tag) if tag else None
    return value.strip() if isinstance(value, str) else ""


def _link_to_companies(partners, parents):
    """Put each new person under its company contact: one write a company,
    after creation (never the first-contact copy of an address upwards)."""
    by_parent = {}
    for partner, parent in zip(partners, parents, strict=True):
        if parent:
            by_parent[parent] = by_parent.get(parent, partners.browse()) | partner
    for parent, people in by_parent.items():
        people.write({"parent_id": parent})
