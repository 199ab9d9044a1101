"""Sending members to Mailchimp, 500 at a time, without ever re-subscribing.

* Members Odoo has never sent go through batch subscribe with
  ``update_existing=false``: it can only create, never change a status.
* Members Mailchimp already has (and the ones batch subscribe reports as
  existing) are updated by ``PUT`` operations with ``status_if_new`` and no
  ``status``, bundled in one ``POST /batches`` per 500: their status stays
  whatever Mailchimp holds, and the status Mailchimp answers is stored.
* ``status`` is sent only for a change Odoo states: the un-tick policy
  "unsubscribe", or restoring a member Odoo itself archived.

The mapped values of a push batch, read in bulk: one SQL query for the
500 contacts' own columns (email, whether ticked, name, address, company
name, phones and the plain fields mapped: ``_push_rows``), the ORM only for
what a column does not hold (a path, a relation's name, a selection's label,
a translated field), each member field read for the 500 at once
(``prefetch_fields=False``: never every field of the model). A phone is
formatted by ``phone_validation`` only when it changed: the member keeps the
E.164 form of each number it sent (``phones_sent``, read once a batch).

What Mailchimp answered to a push, stored per member: the members it
confirmed in one SQL UPDATE a batch (``_mark_synced``,
mailchimp_sync_state.py), an error line for the others.
"""

import json

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, email_normalize

from odoo.addons.phone_validation.tools import phone_validation

from ..services import (
    GONE_STATUSES,
    PERMANENT_TITLES,
    REQUIRED_EMPTY,
    REQUIRED_MISSING,
    UNSUBSCRIBED_OR_CLEANED,
    InvalidItem,
    MailchimpError,
    RemoteMember,
    UpsertAnswer,
    member_status,
    refusal_text,
    split_name,
    subscriber_hash,
    upsert,
)
from ..services.batches import member_path, operation
from ..services.payload import address_row
from .mailchimp_mapper import TO_MAILCHIMP, Mapper, Unparsable
from .mailchimp_mapping_policy import mapping_path_error

# field types a plain mapping reads from the contact's own column
COLUMN_TYPES = ("char", "text", "integer", "float", "boolean", "date")
COLUMNS = SQL(
    """p.id, p.name, p.is_company, p.street, p.street2, p.city, p.zip,
       p.commercial_company_name, p.company_name, p.country_id,
       p.email_normalized, p.active, p.mailchimp_sync, p.mailchimp_audience_id,
       s.code AS state_code, c.code AS country_code, c.phone_code"""
)
# the member fields a batch's plan reads, in one query
PLANNED_FIELDS = ["audience_id", "partner_id", "status", "mailchimp_id", "email"]
# Mailchimp's answer to archiving a member it cannot archive (api-notes §3)
NOT_ARCHIVABLE = 405
# statuses a member Odoo archived goes back to when ticked again
RESTORABLE = ("subscribed", "pending", "unsubscribed", "transactional")


class PushPlan:
    """What one push batch sends, by kind of call."""

    def __init__(self, audience):
        # the audience's settings, read once a batch
        self.gdpr = audience.gdpr_enabled
        self.status_if_new = member_status(False, audience.double_optin)
        self.new = {}  # email -> (member, batch subscribe payload)
        # email -> marketing_permissions of a new member: batch subscribe
        # takes none (spec schema AddListMembers; api-notes §7), so they
        # follow in a PUT once Mailchimp created the member
        self.consents = {}
        self.updates = []  # (member, PUT body)
        self.tags = []  # (member, [tag names], [tag names to remove])
        self.tag_rows = []  # (member id, [tag names Odoo sets]): its record
        self.patches = []  # (member, payload) email changes
        self.unsubscribes = []  # members
        self.archives = []  # members
        self.members = self.log = self.now = None  # set by ``_push_prepare``

    def new_call_args(self):
        """``MailchimpClient.batch_upsert``'s arguments for the new members:
        create only (``update_existing=false``)."""
        audience = self.members.audience_id
        payloads = [payload for _member, payload in self.new.values()]
        skip = audience.required_policy == REQUIRED_EMPTY
        return audience.mailchimp_id, payloads, False, skip


class MailchimpMember(models.Model):
    _inherit = "mailchimp.member"

    status_before_archive = fields.Char(
        copy=False, help="Status the member had when Odoo archived it."
    )

    def _push_refusal(self, email, blacklisted, owners, partner_id):
        """``(reason, kind)`` when this member (of contact ``partner_id``)
        must not be sent, else None.

        ``blacklisted`` maps an email to the reason it is never sent (Odoo's
        blacklist, or forgotten in Mailchimp)."""
        if not email:
            return "Invalid or missing email address.", "skipped"
        if blacklisted.get(email):
            return blacklisted[email], "skipped"
        owner = owners.get(email)
        if owner and owner != partner_id:
            # one read for every owner of the batch (the prefetch set)
            name = (
                self.env["res.partner"]
                .browse(owner)
                .with_prefetch(tuple(set(owners.values())))
                .display_name
            )
            return (
                f"Duplicate email: {email} is already sent for “{name}”.",
                "duplicate",
            )
        if self.status == "archived" and not self.archived_by_odoo:
            return (
                "Archived in Mailchimp: restore the contact in Mailchimp first.",
                "skipped",
            )
        return None

    def _never_sent(self, audience, emails):
        """``{email: reason}``: blacklisted in Odoo or forgotten in Mailchimp."""
        reasons = dict.fromkeys(
            self.env["mail.blacklist"]
            .search([("email", "in", emails)])
            .mapped("email"),
            "The email is blacklisted in Odoo (mail.blacklist).",
        )
        forgotten = self.env["res.partner"]._mailchimp_forgotten_reason()
        for email, why in (
            self.env["mailchimp.suppression"]
            ._suppressed(audience, emails, normalized=True)
            .items()
        ):
            if why == "forgotten":
                reasons[email] = forgotten
        return reasons

    # ------------------------------------------------------------------ push
    @api.model
    def _push_mapper(self, audience, log):
        """The mapper of a push step's batches, made once (the mappings do not
        change within its transaction); the mappings it cannot use are
        logged."""
        mapper = Mapper.of(audience, TO_MAILCHIMP)
        self._log_refused_mappings(mapper.mappings, log)
        return mapper

    def _push_prepare(self, log, client, mapper=None):
        """In the run's thread: the plan of this batch, its tags recorded and
        its email changes sent (rare, one call each); ``mapper``: the step's
        (:meth:`_push_mapper`)."""
        # each field read for the 500 at once, never every field of the model
        members = self.with_context(prefetch_fields=False)
        members.fetch(PLANNED_FIELDS)
        audience = members.audience_id
        audience.ensure_one()
        members._attempted(log)
        mapper = mapper or members._push_mapper(audience, log)
        plan = members._push_plan(audience, log, mapper)
        plan.members, plan.log, plan.now = members, log, fields.Datetime.now()
        members._store_pending_tags(plan.tag_rows)
        try:
            for member, payload in plan.patches:
                member._push_email_change(client, payload, log, plan.now)
        except MailchimpError as error:
            members._push_failed(plan, error)
            raise
        return plan

    def _attempted(self, log):
        """These members are tried by ``log``'s run (``_members_to_push``
        leaves them out): one UPDATE."""
        self.env.cr.execute(
            SQL(
                """UPDATE mailchimp_member SET attempt_log_id = %s,
                          write_date = %s, write_uid = %s WHERE id = ANY(%s)""",
                log.id,
                fields.Datetime.now(),
                self.env.uid,
                self.ids,
            )
        )
        self.invalidate_recordset(["attempt_log_id", "write_date", "write_uid"])

    def _push_failed(self, plan, error):
        """A whole call failed: the members stay flagged, with the reason."""
        plan.members.filtered("need_sync").write(
            {"last_error": str(error), "last_error_date": plan.now}
        )
        plan.log._add_error(str(error))

    def _push_answered(self, plan, answer):
        """In the run's thread: apply the batch subscribe ``answer`` (None when
        nothing was new); the ``POST /batches`` operations left to send."""
        if answer is not None:
            plan.updates.extend(self._create_new(answer, plan, plan.log, plan.now))
        return self._batch_operations(plan.members.audience_id, plan)

    def _push_plan(self, audience, log, mapper):
        rows = self._push_rows(mapper)
        emails = {
            m: (rows.get(m.partner_id.id) or {}).get("email_normalized") for m in self
        }
        sendable = [e for e in emails.values() if e]
        never = self._never_sent(audience, sendable)
        owners = mapper.owner_of(sendable)
        prepared = self._push_values(mapper, rows)
        plan = PushPlan(audience)
        for member in self:
            partner, email = member.partner_id, emails[member] or False
            if not _ticked(rows.get(partner.id), audience):
                # un-ticked, deleted, archived, or moved to another audience
                member._plan_untick(plan)
                continue
            refusal = member._push_refusal(email, never, owners, partner.id)
            if refusal:
                member._skip(log, *refusal)
                continue
            merge, skipped = mapper.to_mailchimp(partner, prepared.get(partner.id))
            missing = [tag for tag, reason in skipped if reason == REQUIRED_MISSING]
            if missing:
                member._skip(
                    log,
                    f"Required in Mailchimp and empty: {', '.join(missing)}; not "
                    "sent (the audience's setting).",
                )
                continue
            for tag, reason in skipped:
                log._add_line(member, "omitted", f"{tag}: {reason}")
            member._plan_send(plan, partner, email, merge, mapper.interests(partner))
        return plan

    def _log_refused_mappings(self, mappings, log):
        """A mapping saved before the rules (or forced in the database) is
        never read: the log says why."""
        for mapping in mappings.filtered(lambda m: m.source == "field"):
            error = mapping_path_error(self.env, mapping.field_name, as_user=False)
            if error:
                log._add_line(
                    self.browse(),
                    "error",
                    f"Mapping of {mapping.merge_tag} not used: {error}",
                )

    def _plan_send(self, plan, partner, email, merge, groups=None):
        """Plan the member's write; ``groups`` are the group names Odoo maps
        (sent in the same call, never a status change)."""
        payload = {"email_address": email, "merge_fields": merge}
        if groups:
            payload["interests"] = groups
        if plan.gdpr and self.consent_ids:
            permissions = self.consent_ids._payload()
            if permissions:
                payload["marketing_permissions"] = permissions
        changes = self._tag_changes(partner)
        tags, removed = changes or ([], [])
        if changes is not None:
            plan.tag_rows.append((self.id, tags))
        known = self.mailchimp_id and self.status
        if known and self.email and email_normalize(self.email) != email:
            plan.patches.append((self, payload))
            return
        if not known:
            payload["status"] = plan.status_if_new
            if tags:
                payload["tags"] = tags
            if "marketing_permissions" in payload:
                plan.consents[email] = payload.pop("marketing_permissions")
            plan.new[email] = (self, payload)
            return
        body = upsert.update_body(payload, plan.status_if_new)
        if self.status == "archived" and self.status_before_archive in RESTORABLE:
            # Odoo archived it: ticking again restores what it was
            body = upsert.restore_body(body, self.status_before_archive)
        plan.updates.append((self, body))
        if tags or removed:
            plan.tags.append((self, tags, removed))

    def _plan_untick(self, plan):
        """The contact left the sync: apply the audience's policy."""
        policy = self.audience_id.untick_policy
        if not self.mailchimp_id or self.status in GONE_STATUSES or policy == "keep":
            self._clear_need_sync()
        elif policy == "unsubscribe":
            plan.unsubscribes.append(self)
        else:
            plan.archives.append(self)

    def _create_new(self, result, plan, log, now):
        """The answer of the create-only batch subscribe call; returns
        ``[(member, PUT body)]`` for the addresses Mailchimp already had
        (``ERROR_CONTACT_EXISTS``)."""
        answer = (
            result
            if isinstance(result, UpsertAnswer)
            else UpsertAnswer.from_api(result)
        )
        synced, exists = [], []
        for checked in answer.created:
            entry = plan.new.get(checked.email.lower())
            if entry:
                synced.append((entry[0], checked, True))
                exists.extend(_consents_put(plan, checked.email.lower()))
        self._mark_synced(synced, now)
        self._confirm_tags([member.id for member, _r, _c in synced])
        log._count("created", len(synced))
        for refusal in answer.refused:
            entry = plan.new.get(refusal.email)
            if not entry:
                continue
            member, payload = entry
            if refusal.exists:
                # known to Mailchimp: updated without stating a status
                consents = plan.consents.get(refusal.email)
                if consents:
                    payload = {**payload, "marketing_permissions": consents}
                exists.append((member, upsert.update_body(payload, payload["status"])))
                if payload.get("tags"):
                    plan.tags.append((member, payload["tags"], []))
                continue
            member._mark_error(refusal.message, log, now, refusal.permanent)
        return exists

    def _batch_operations(self, audience, plan):
        list_id = audience.mailchimp_id
        skip = audience.required_policy == REQUIRED_EMPTY
        ops = []
        for member, body in plan.updates:
            kind = "restore" if "status" in body else "put"
            ops.append(
                upsert.update_operation(
                    list_id,
                    member._hash(body["email_address"]),
                    body,
                    f"{member.id}:{kind}",
                    skip,
                )
            )
        for member, tags, removed in plan.tags:
            ops.append(
                upsert.tags_operation(
                    list_id, member._hash(), tags, f"{member.id}:tags", removed
                )
            )
        # the only statuses Odoo states: the un-tick policy
        for member in plan.unsubscribes:
            path = member_path(list_id, member._hash())
            body = {"status": "unsubscribed"}
            ops.append(operation("PATCH", path, f"{member.id}:unsubscribe", body))
        for member in plan.archives:
            path = member_path(list_id, member._hash())
            ops.append(operation("DELETE", path, f"{member.id}:archive"))
        return ops

    def _hash(self, email=None):
        return self.mailchimp_id or subscriber_hash(email or self.email)

    # ------------------------------------------------------------- values

    phones_sent = fields.Json(
        copy=False, help="The E.164 form of each phone number last sent."
    )

    def _push_rows(self, mapper):
        """``{partner id: row}``: the columns of these members' contacts the
        push reads, in one query (each row also holds the plain fields
        mapped, ``_column_specs``)."""
        partners = self.partner_id
        if not partners:
            return {}
        plain = _column_specs(partners, mapper.specs)
        partners.flush_recordset()
        self.env.cr.execute(
            SQL(
                """SELECT %s%s FROM res_partner p
                LEFT JOIN res_country_state s ON s.id = p.state_id
                LEFT JOIN res_country c ON c.id = p.country_id
                    WHERE p.id = ANY(%s)""",
                COLUMNS,
                SQL("").join(SQL(", %s", SQL.identifier("p", f)) for f in plain),
                partners.ids,
            )
        )
        names = [d.name for d in self.env.cr.description]
        return {r[0]: dict(zip(names, r, strict=True)) for r in self.env.cr.fetchall()}

    def _push_values(self, mapper, rows):
        """``{partner id: ({tag: plain value}, region)}`` for these members'
        contacts from their ``rows`` (:meth:`_push_rows`), as
        :meth:`Mapper._partner_values` reads them one by one."""
        plain = _column_specs(self.partner_id, mapper.specs)
        phones = _Phones(self)
        result = {}
        for member in self:
            row = rows.get(member.partner_id.id)
            if row:
                values = {}
                for spec in mapper.specs:
                    values[spec[0]] = _value(mapper, member, row, spec, plain, phones)
                result[row["id"]] = (values, row["country_code"] or None)
        phones.store()
        return result

    # ------------------------------------------------------------- answers

    # ------------------------------------------------------------ results
    def _apply_operation(self, kind, result, log, now, synced):
        """Read one operation's answer; members Mailchimp confirmed are added
        to ``synced`` (stored together, one UPDATE a batch)."""
        self.ensure_one()
        if kind == "tags":
            if not result.ok:
                log._add_line(self, "error", "Tags: " + refusal_text(result.response))
            return
        if kind == "archive":
            return self._archived(result, log, now)
        if not result.ok:
            return self._mark_error(
                refusal_text(result.response), log, now, _permanent(result)
            )
        try:
            remote = RemoteMember.from_api(result.response)
        except InvalidItem as reason:
            return self._mark_error(
                f"Malformed answer from Mailchimp: {reason}", log, now
            )
        synced.append((self, remote, False))
        if kind == "restore":
            log._add_line(
                self,
                "info",
                f"Ticked again: restored to {remote.status} in Mailchimp (Odoo "
                "had archived it).",
            )
        elif remote.status in UNSUBSCRIBED_OR_CLEANED:
            log._add_line(
                self,
                "info",
                f"{remote.status.capitalize()} in Mailchimp (was {self.status}): "
                "values updated, never re-subscribed by Odoo.",
            )

    def _archived(self, result, log, now):
        if result.status_code == NOT_ARCHIVABLE:
            return self._not_archivable(result, log, now)
        if not result.ok and result.status_code != 404:
            return self._mark_error(refusal_text(result.response), log, now)
        self._clear_need_sync(
            {
                "status_before_archive": self.status,
                "status": "archived",
                "archived_by_odoo": result.ok,
                "last_sync": now,
                "last_error": False,
            }
        )
        if result.ok:
            log._count("archived")

    def _not_archivable(self, result, log, now):
        """Mailchimp answers 405 to archiving a bounced (cleaned), pending or
        archived member ("Can not archive a contact that is bounced, pending
        or archived": api-notes §3, §6): it stays as it is in Mailchimp and
        the DELETE is not sent again."""
        self._clear_need_sync({"last_sync": now, "last_error": False})
        log._add_line(
            self,
            "info",
            f"Left in Mailchimp as it is ({self.status}): "
            + refusal_text(result.response),
        )

    def _skip(self, log, reason, kind="skipped"):
        self._clear_need_sync(
            {"last_error": reason, "last_error_date": fields.Datetime.now()}
        )
        log._add_line(self, kind, reason)

    def _push_email_change(self, client, payload, log, now):
        """Update the member in place through its old hash: history is kept."""
        try:
            remote = client.update_member(
                self.audience_id.mailchimp_id, self.mailchimp_id, payload
            )
        except MailchimpError as error:
            if error.retryable:
                raise
            self._mark_error(str(error), log, now)
            return
        try:
            checked = RemoteMember.from_api(remote)
        except InvalidItem as reason:
            self._mark_error(f"Malformed answer from Mailchimp: {reason}", log, now)
            return
        self._mark_synced([(self, checked, False)], now)
        log._count("updated")


def _ticked(row, audience):
    """Whether the contact of ``row`` (None: deleted) is synced with
    ``audience`` (``res.partner._mailchimp_ticked_for`` from its columns)."""
    return bool(
        row
        and row["active"]
        and row["mailchimp_sync"]
        and row["mailchimp_audience_id"] == audience.id
    )


def _consents_put(plan, email):
    """``[(member, PUT body)]`` sending the consents of a member batch
    subscribe just created (none when it has none): ``status_if_new`` and
    no ``status``, so nothing else of the member changes."""
    if email not in plan.consents:
        return []
    member, payload = plan.new[email]
    consents = {
        "email_address": payload["email_address"],
        "marketing_permissions": plan.consents[email],
    }
    return [(member, upsert.update_body(consents, payload["status"]))]


def _column_specs(partners, specs):
    """The plain fields mapped that are a column of the contact's own."""
    names = set()
    for _tag, source, field_name, _mtype in specs:
        field = partners._fields.get(field_name or "")
        if (
            source == "field"
            and field is not None
            and field.store
            and field.type in COLUMN_TYPES
            and not getattr(field, "translate", False)
        ):
            names.add(field_name)
    return sorted(names)


def _value(mapper, member, row, spec, plain, phones):
    tag, source, field_name, mtype = spec
    if source in ("first_name", "last_name"):
        if row["is_company"]:
            return False  # a company is not a person: COMPANY has it
        return split_name(row["name"])[source == "last_name"]
    if source == "address":
        return address_row(row)
    if source == "company":
        return row["commercial_company_name"] or row["company_name"] or False
    if field_name in plain:
        number = row[field_name]
        return phones.format(member, row, number) if mtype == "phone" else number
    partner = member.partner_id
    if mtype == "phone":
        return mapper._phone(partner, partner[field_name])
    return mapper._read_path(partner, field_name)


class _Phones:
    """Phones formatted once: the member's stored E.164 form of a number is
    reused; the new ones are stored with one UPDATE."""

    def __init__(self, members):
        self.members = members
        self.used = {}  # member id -> {country|number: E.164 or False}
        members.flush_recordset(["phones_sent"])
        members.env.cr.execute(
            SQL(
                "SELECT id, phones_sent FROM mailchimp_member WHERE id = ANY(%s)",
                members.ids,
            )
        )
        # member id -> what it sent (read once: the field copies it a read)
        self.sent = {mid: sent or {} for mid, sent in members.env.cr.fetchall()}

    def format(self, member, row, number):
        if not number:
            return False
        if not row["country_id"]:  # Odoo's fallbacks: the company's country
            return Mapper._phone(member.partner_id, number)
        key = f"{row['country_code']}|{number}"
        sent = self.sent.get(member.id, {})
        if key in sent:
            formatted = sent[key]
        else:  # phonenumbers through phone_validation, as Odoo formats
            try:
                formatted = phone_validation.phone_format(
                    number,
                    row["country_code"],
                    row["phone_code"],
                    force_format="E164",
                    raise_exception=True,
                )
            except UserError:
                formatted = False
        self.used.setdefault(member.id, {})[key] = formatted
        return formatted or Unparsable(number)

    def store(self):
        """The numbers each member sent now, where they changed: one UPDATE."""
        changed = {
            mid: used
            for mid, used in self.used.items()
            if used != self.sent.get(mid, {})
        }
        if not changed:
            return
        self.members.env.cr.execute(
            SQL(
                """UPDATE mailchimp_member m SET phones_sent = v.phones
                     FROM unnest(%s::int[], %s::jsonb[]) AS v(id, phones)
                    WHERE m.id = v.id""",
                list(changed),
                [json.dumps(used) for used in changed.values()],
            )
        )
        self.members.invalidate_recordset(["phones_sent"])


def _permanent(result):
    """Whether a refused operation will fail again whatever is retried:
    Mailchimp's error title says so (compliance state, forgotten, invalid
    data); server errors and rate limits are not."""
    title = result.title
    if title:
        return title in PERMANENT_TITLES
    return 400 <= result.status_code < 500 and result.status_code != 429
