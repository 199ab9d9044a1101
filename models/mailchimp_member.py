import hashlib
import json
import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, email_normalize

from ..services import (
    InvalidItem,
    MailchimpError,
    RemoteMember,
    build_merge_fields,
    member_status,
    split_name,
    subscriber_hash,
)

_logger = logging.getLogger(__name__)

MEMBER_STATUSES = [
    ("subscribed", "Subscribed"),
    ("pending", "Pending (double opt-in)"),
    ("unsubscribed", "Unsubscribed"),
    ("cleaned", "Cleaned (bounced)"),
    ("transactional", "Transactional"),
    ("archived", "Archived"),
]
CONSENT_SOURCES = [("odoo", "Odoo"), ("mailchimp", "Mailchimp"), ("import", "Import")]

# Batch-subscribe error messages that will fail again whatever we retry.
PERMANENT_MARKERS = (
    "compliance state",
    "permanently deleted",
    "looks fake or invalid",
    "merge fields were invalid",
    "please enter",
    "is already a list member",
)


def remote_fingerprint(remote):
    """Fingerprint of a member's merge values and figures as Mailchimp
    returns them: an unchanged member is skipped on the next read."""
    data = json.dumps(
        [
            remote.get(key)
            for key in (
                "merge_fields",
                "member_rating",
                "stats",
                "tags",
                "marketing_permissions",
            )
        ],
        sort_keys=True,
        default=str,
    )
    return hashlib.md5(data.encode()).hexdigest()


def is_permanent(message):
    message = (message or "").lower()
    return any(marker in message for marker in PERMANENT_MARKERS)


class MailchimpMember(models.Model):
    _name = "mailchimp.member"
    _description = "Mailchimp Audience Member"
    _order = "audience_id, id"
    _rec_name = "email"

    audience_id = fields.Many2one(
        "mailchimp.audience", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="audience_id.company_id", store=True)
    # set null: a deleted contact's member waits for the un-tick policy
    partner_id = fields.Many2one("res.partner", ondelete="set null", index=True)
    mailchimp_id = fields.Char(
        "Mailchimp ID", index=True, copy=False, help="Subscriber hash in Mailchimp."
    )
    web_id = fields.Integer(copy=False)
    email = fields.Char(help="The email address last sent to or read from Mailchimp.")
    status = fields.Selection(MEMBER_STATUSES, copy=False)
    archived_by_odoo = fields.Boolean(copy=False)
    last_changed = fields.Datetime("Changed in Mailchimp", copy=False)
    consent_date = fields.Datetime(copy=False)
    consent_source = fields.Selection(CONSENT_SOURCES, copy=False)
    need_sync = fields.Boolean(default=True, index=True, copy=False)
    odoo_changed_at = fields.Datetime(
        "Changed in Odoo", help="Last change of a synced contact field in Odoo."
    )
    last_sync = fields.Datetime(copy=False)
    last_error = fields.Text(copy=False)
    last_error_date = fields.Datetime(copy=False)
    attempt_log_id = fields.Many2one("mailchimp.sync.log", copy=False, index=True)
    full_pull_mark = fields.Integer(copy=False)
    member_rating = fields.Selection(
        [("1", "1"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5")],
        help="Mailchimp's engagement stars.",
    )
    avg_open_rate = fields.Float("Average open rate (%)", digits=(5, 1))
    avg_click_rate = fields.Float("Average click rate (%)", digits=(5, 1))
    subscribed_since = fields.Datetime()
    signup_source = fields.Char()
    tags = fields.Char()
    mailchimp_url = fields.Char("Mailchimp page", compute="_compute_mailchimp_url")
    activity_ids = fields.One2many("mailchimp.member.activity", "member_id")
    remote_hash = fields.Char(
        copy=False, help="Fingerprint of the merge values last seen in Mailchimp."
    )

    _sql_constraints = [
        (
            "audience_partner_uniq",
            "unique(audience_id, partner_id)",
            "A contact is a member of an audience once.",
        ),
        (
            "audience_mailchimp_id_uniq",
            "unique(audience_id, mailchimp_id)",
            "A Mailchimp member is linked once per audience.",
        ),
    ]

    @api.depends("web_id", "audience_id.account_id.data_center")
    def _compute_mailchimp_url(self):
        for member in self:
            dc = member.audience_id.account_id.data_center
            member.mailchimp_url = (
                dc
                and member.web_id
                and f"https://{dc}.admin.mailchimp.com/lists/members/view?id={member.web_id}"
            )

    @api.model
    def _figures_from_remote(self, remote):
        stats = remote.get("stats") or {}
        rating = remote.get("member_rating")
        return {
            "member_rating": str(rating) if rating in (1, 2, 3, 4, 5) else False,
            "avg_open_rate": (stats.get("avg_open_rate") or 0) * 100,
            "avg_click_rate": (stats.get("avg_click_rate") or 0) * 100,
            "subscribed_since": _parse_dt(remote.get("timestamp_opt"))
            or _parse_dt(remote.get("timestamp_signup")),
            "signup_source": remote.get("source") or False,
            "tags": ", ".join(t.get("name", "") for t in remote.get("tags") or [])
            or False,
        }

    def action_refresh(self):
        """Re-read this member and its activity feed from Mailchimp now."""
        for member in self.filtered("mailchimp_id"):
            audience = member.audience_id
            client = audience.account_id._get_client()
            try:
                remote = client.get_member(audience.mailchimp_id, member.mailchimp_id)
                feed = client.get_member_activity(
                    audience.mailchimp_id, member.mailchimp_id
                )
            except MailchimpError as error:
                raise UserError(str(error)) from None
            try:
                checked = RemoteMember.from_api(remote)
            except InvalidItem as reason:
                raise UserError(
                    self.env._("Mailchimp sent a malformed member: %s", reason)
                ) from None
            log = self.env["mailchimp.sync.log"].new({"audience_id": audience.id})
            audience._apply_remote_members([checked], log)
            member.write(self._figures_from_remote(checked.as_dict()))
            campaigns = {
                c.mailchimp_id: c.id
                for c in self.env["mailchimp.campaign"].search(
                    [("audience_id", "=", audience.id)]
                )
            }
            self.env["mailchimp.member.activity"]._store(
                [
                    {
                        "member_id": member.id,
                        "campaign_id": campaigns[event["campaign_id"]],
                        "action": event.get("action") or event.get("activity_type"),
                        "timestamp": _parse_dt(event.get("timestamp")),
                        "url": event.get("url") or False,
                    }
                    for event in feed.get("activity") or []
                    if event.get("campaign_id") in campaigns
                ]
            )
        return True

    def _display_status(self):
        return dict(MEMBER_STATUSES).get(self.status, "")

    # ---------------------------------------------------------------- values
    @api.model
    def _mapping_specs(self, mappings):
        """``[(tag, source, field name, merge type)]``: read once per batch,
        not once per contact."""
        if isinstance(mappings, list):
            return mappings
        return [
            (m.merge_field_id.tag, m.source, m.field_name, m.merge_field_id.type)
            for m in mappings
        ]

    @api.model
    def _partner_values(self, partner, mappings):
        """``{tag: plain value}`` for one partner; batch-prefetched by the ORM.

        :param mappings: mapping records or their :meth:`_mapping_specs`
        """
        values = {}
        for tag, source, field_name, mtype in self._mapping_specs(mappings):
            if source in ("first_name", "last_name") and partner.is_company:
                values[tag] = False  # a company is not a person: COMPANY has it
            elif source == "first_name":
                values[tag] = split_name(partner.name)[0]
            elif source == "last_name":
                values[tag] = split_name(partner.name)[1]
            elif source == "address":
                if not (partner.street or partner.city or partner.zip):
                    values[tag] = False
                    continue
                values[tag] = {
                    "addr1": partner.street or "",
                    "addr2": partner.street2 or "",
                    "city": partner.city or "",
                    "state": partner.state_id.code or partner.state_id.name or "",
                    "zip": partner.zip or "",
                    "country": partner.country_id.code or "",
                }
            elif mtype == "phone":
                number = partner[field_name]
                if number:
                    values[tag] = partner._phone_format(
                        number=number,
                        country=partner.country_id,
                        force_format="E164",
                        raise_exception=False,
                    ) or Unparsable(number)
                else:
                    values[tag] = False
            else:
                values[tag] = self._read_path(partner, field_name)
        return values

    @api.model
    def _read_path(self, record, path):
        value = record
        for part in path.split("."):
            if not value:
                return False
            value = value[part]
        if isinstance(value, models.BaseModel):
            return value.display_name if value else False
        field = record._fields.get(path)
        if field is not None and field.type == "selection" and value:
            return dict(field._description_selection(self.env)).get(value, value)
        return value

    @api.model
    def _merge_payload(
        self, partner, mappings, extra_fields=None, field_dicts=None, specs=None
    ):
        """``(merge_fields, [(tag, reason left out)])`` for one partner.

        :param extra_fields: merge fields sent with no value (required ones
            nobody maps get their type's default)
        :param field_dicts: the merge fields as dicts, when already computed
            for a whole batch
        """
        extra_fields = extra_fields or self.env["mailchimp.merge.field"]
        merge_fields = field_dicts or [
            f._as_dict() for f in mappings.merge_field_id | extra_fields
        ]
        values = self._partner_values(partner, specs or mappings)
        values.update(dict.fromkeys(extra_fields.mapped("tag")))
        skipped = []
        for tag, value in values.items():
            if isinstance(value, Unparsable):
                values[tag] = None
                skipped.append((tag, f"phone '{value}' cannot be parsed"))
        merge, refused = build_merge_fields(
            merge_fields, values, default_region=partner.country_id.code or None
        )
        return merge, skipped + refused

    def _push_refusal(self, email, blacklisted, winners):
        """``(reason, kind)`` when this member must not be sent, else None.

        ``blacklisted`` maps an email to the reason it is never sent (Odoo's
        blacklist, or forgotten in Mailchimp)."""
        if not email:
            return "Invalid or missing email address.", "skipped"
        if isinstance(blacklisted, dict) and blacklisted.get(email):
            return blacklisted[email], "skipped"
        winner = winners.get(email)
        if winner and winner != self.partner_id.id:
            return (
                f"Duplicate email: {email} is already sent for contact #{winner}.",
                "duplicate",
            )
        if self.status == "archived" and not self.archived_by_odoo:
            return (
                "Archived in Mailchimp: restore the contact in Mailchimp first.",
                "skipped",
            )
        return None

    # ------------------------------------------------------------------ push
    def _push(self, log):
        """Push one batch (at most 500 members of one audience).

        Returns the number of members handled. Per-member problems land on the
        member rows and in ``log``; a Mailchimp failure of a whole call leaves
        the members of that call flagged for the next run and is re-raised
        after the rows are updated so the run can stop.
        """
        audience = self.audience_id
        audience.ensure_one()
        self.attempt_log_id = log
        client = audience.account_id._get_client()
        now = fields.Datetime.now()
        mappings = audience.mapping_ids.filtered(lambda m: m.direction != "mc_to_odoo")
        # Required fields nobody maps still get their type's default value.
        unmapped_required = audience.merge_field_ids.filtered(
            lambda f: f.required and f not in mappings.merge_field_id
        )
        field_dicts = [
            f._as_dict() for f in mappings.merge_field_id | unmapped_required
        ]
        specs = self._mapping_specs(mappings)
        members = self.with_context(prefetch_fields=True)

        emails = {m: m.partner_id.email_normalized or False for m in members}
        blacklisted = set(
            self.env["mail.blacklist"]
            .search([("email", "in", [e for e in emails.values() if e])])
            .mapped("email")
        )
        blacklisted = dict.fromkeys(
            blacklisted, "The email is blacklisted in Odoo (mail.blacklist)."
        )
        blacklisted.update(
            {
                email: self.env["res.partner"]._mailchimp_forgotten_reason()
                for email, reason in self.env["mailchimp.suppression"]
                ._suppressed(audience, [e for e in emails.values() if e])
                .items()
                if reason == "forgotten"
            }
        )
        winners = audience._first_partner_by_email([e for e in emails.values() if e])

        new_batch, known_batch, patches, archives = {}, {}, [], []
        for member in members:
            partner = member.partner_id
            email = emails[member]
            if not partner or not partner._mailchimp_ticked_for(audience):
                # un-ticked, deleted, archived, or moved to another audience
                member._push_untick(known_batch, archives)
                continue
            refusal = member._push_refusal(email, blacklisted, winners)
            if refusal:
                member._skip(log, *refusal)
                continue
            merge, skipped = self._merge_payload(
                partner, mappings, unmapped_required, field_dicts, specs
            )
            for tag, reason in skipped:
                log._add_line(member, "omitted", f"{tag}: {reason}")
            payload = {"email_address": email, "merge_fields": merge}
            if audience.export_categories and partner.category_id:
                payload["tags"] = partner.category_id.mapped("name")
            if audience.gdpr_enabled and member.consent_ids:
                permissions = member.consent_ids._payload()
                if permissions:
                    payload["marketing_permissions"] = permissions
            known = (
                member.mailchimp_id and member.status and member.status != "archived"
            )
            if known and member.email and email_normalize(member.email) != email:
                patches.append((member, payload))
            elif known:
                payload["status"] = member_status(member.status, audience.double_optin)
                known_batch[email] = (member, payload)
            else:
                payload["status"] = member_status(False, audience.double_optin)
                new_batch[email] = (member, payload)

        handled = len(members)
        try:
            for member, payload in patches:
                member._push_email_change(client, payload, log, now)
            if new_batch:
                exists = self._upsert(client, new_batch, False, log, now)
                for email, (member, payload) in exists.items():
                    remote = client.get_member(audience.mailchimp_id, email)
                    payload["status"] = member_status(remote.get("status"), False)
                    known_batch[email] = (member, payload)
            if known_batch:
                self._upsert(client, known_batch, True, log, now)
            for member in archives:
                member._push_archive(client, log, now)
        except MailchimpError as error:
            pending = self.filtered("need_sync")
            pending.write({"last_error": str(error), "last_error_date": now})
            log._add_error(str(error))
            raise
        return handled

    def _upsert(self, client, batch, update_existing, log, now):
        """One batch-subscribe call; returns the rows Mailchimp already had
        (``ERROR_CONTACT_EXISTS``) when ``update_existing`` is False."""
        audience = self.audience_id[:1] or next(iter(batch.values()))[0].audience_id
        members_payload = [payload for _member, payload in batch.values()]
        result = client.batch_upsert(
            audience.mailchimp_id, members_payload, update_existing=update_existing
        )
        exists, synced = {}, []
        for key, created in (("new_members", True), ("updated_members", False)):
            for remote in result.get(key) or []:
                entry = batch.get((remote.get("email_address") or "").lower())
                if entry:
                    synced.append((entry[0], remote, created))
        self._mark_synced(synced, now)
        log._count("created", int(result.get("total_created") or 0))
        log._count("updated", int(result.get("total_updated") or 0))
        for error in result.get("errors") or []:
            email = (error.get("email_address") or "").lower()
            entry = batch.get(email)
            if not entry:
                continue
            if (
                error.get("error_code") == "ERROR_CONTACT_EXISTS"
                and not update_existing
            ):
                exists[email] = entry
                continue
            message = error.get("error") or "Mailchimp refused the member."
            if error.get("field"):
                message += " ({}: {})".format(
                    error["field"],
                    error.get("field_message") or "",
                )
            entry[0]._mark_error(message, log, now)
        return exists

    @api.model
    def _mark_synced(self, entries, now):
        """Store what Mailchimp answered for ``[(member, remote, created)]``.

        One SQL UPDATE for the whole batch (the rows have no stored
        dependents): this is the hot path of a push.
        """
        if not entries:
            return
        members = self.browse([member.id for member, _r, _c in entries])
        members.flush_recordset()
        rows = []
        for member, remote, created in entries:
            status = remote.get("status") or member.status
            rows.append(
                SQL(
                    "(%s, %s, %s, %s, %s, %s::timestamp, %s, %s)",
                    member.id,
                    remote.get("id") or subscriber_hash(remote.get("email_address")),
                    remote.get("web_id") or member.web_id or 0,
                    remote.get("email_address"),
                    status,
                    _parse_dt(remote.get("last_changed")) or now,
                    bool(created or status != member.status),
                    remote_fingerprint(remote),
                )
            )
        self.env.cr.execute(
            SQL(
                """UPDATE mailchimp_member m
                      SET mailchimp_id = v.mid, web_id = v.web, email = v.email,
                          status = v.status, last_changed = v.changed,
                          need_sync = FALSE, last_sync = %(now)s,
                          last_error = NULL, last_error_date = NULL,
                          archived_by_odoo = FALSE, remote_hash = v.hash,
                          consent_date = CASE WHEN v.consent THEN %(now)s
                                         ELSE m.consent_date END,
                          consent_source = CASE WHEN v.consent THEN 'odoo'
                                           ELSE m.consent_source END,
                          write_date = %(now)s, write_uid = %(uid)s
                     FROM (VALUES %(rows)s)
                       AS v(id, mid, web, email, status, changed, consent, hash)
                    WHERE m.id = v.id""",
                now=now,
                uid=self.env.uid,
                rows=SQL(", ").join(rows),
            )
        )
        members.invalidate_recordset()

    def _mark_error(self, message, log, now):
        permanent = is_permanent(message)
        self.write(
            {
                "last_error": message,
                "last_error_date": now,
                "need_sync": not permanent,
            }
        )
        log._add_line(self, "error", message)

    def _skip(self, log, reason, kind="skipped"):
        self.write(
            {
                "need_sync": False,
                "last_error": reason,
                "last_error_date": fields.Datetime.now(),
            }
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
        self._mark_synced([(self, remote, False)], now)
        log._count("updated")

    def _push_untick(self, known_batch, archives):
        """The contact left the sync: apply the audience's policy."""
        policy = self.audience_id.untick_policy
        if (
            not self.mailchimp_id
            or self.status in ("archived", "unsubscribed", "cleaned")
            or policy == "keep"
        ):
            self.need_sync = False
            return
        if policy == "unsubscribe":
            email = email_normalize(self.email or "") or self.email
            known_batch[email] = (
                self,
                {"email_address": email, "status": "unsubscribed", "merge_fields": {}},
            )
        else:
            archives.append(self)

    def _push_archive(self, client, log, now):
        try:
            client.archive_member(self.audience_id.mailchimp_id, self.mailchimp_id)
        except MailchimpError as error:
            if error.retryable:
                raise
            if error.status == 404:  # already gone in Mailchimp
                self.write({"status": "archived", "need_sync": False})
                return
            self._mark_error(str(error), log, now)
            return
        self.write(
            {
                "status": "archived",
                "archived_by_odoo": True,
                "need_sync": False,
                "last_sync": now,
                "last_error": False,
                "consent_date": now,
                "consent_source": "odoo",
            }
        )
        log._count("archived")


class Unparsable(str):
    """A phone number phone_validation could not parse."""


def _parse_dt(value):
    if not value:
        return False
    try:
        from datetime import datetime, timezone

        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return False
    if parsed.tzinfo:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed
