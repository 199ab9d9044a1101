"""Sending members to Mailchimp, 500 at a time, without ever re-subscribing.

* Members Odoo has never sent go through batch subscribe with
  ``update_existing=false``: it can only create, never change a status.
* Members Mailchimp already has (and the ones batch subscribe reports as
  existing) are updated by ``PUT`` operations with ``status_if_new`` and no
  ``status``, bundled in one ``POST /batches`` per 500: their status stays
  whatever Mailchimp holds, and the status Mailchimp answers is stored.
* ``status`` is sent only for a change Odoo states: the un-tick policy
  "unsubscribe", or restoring a member Odoo itself archived.
"""

from odoo import fields, models
from odoo.tools import email_normalize

from ..services import (
    GONE_STATUSES,
    REQUIRED_EMPTY,
    REQUIRED_MISSING,
    MailchimpError,
    UpsertAnswer,
    member_status,
    subscriber_hash,
    upsert,
)
from ..services.batches import member_path, operation
from .mailchimp_mapper import TO_MAILCHIMP, Mapper
from .mailchimp_mapping_policy import mapping_path_error

# statuses a member Odoo archived goes back to when ticked again
RESTORABLE = ("subscribed", "pending", "unsubscribed", "transactional")


class PushPlan:
    """What one push batch sends, by kind of call."""

    def __init__(self):
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

    def _push_refusal(self, email, blacklisted, owners):
        """``(reason, kind)`` when this member must not be sent, else None.

        ``blacklisted`` maps an email to the reason it is never sent (Odoo's
        blacklist, or forgotten in Mailchimp)."""
        if not email:
            return "Invalid or missing email address.", "skipped"
        if blacklisted.get(email):
            return blacklisted[email], "skipped"
        owner = owners.get(email)
        if owner and owner != self.partner_id.id:
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
    def _push_prepare(self, log, client):
        """In the run's thread: the plan of this batch, its tags recorded and
        its email changes sent (rare, one call each)."""
        audience = self.audience_id
        audience.ensure_one()
        self.attempt_log_id = log
        plan = self._push_plan(audience, log)
        plan.members, plan.log, plan.now = self, log, fields.Datetime.now()
        self._store_pending_tags(plan.tag_rows)
        try:
            for member, payload in plan.patches:
                member._push_email_change(client, payload, log, plan.now)
        except MailchimpError as error:
            self._push_failed(plan, error)
            raise
        return plan

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

    def _push_plan(self, audience, log):
        mapper = Mapper.of(audience, TO_MAILCHIMP)
        self._log_refused_mappings(mapper.mappings, log)
        members = self.with_context(prefetch_fields=True)
        emails = {m: m.partner_id.email_normalized or False for m in members}
        sendable = [e for e in emails.values() if e]
        never = self._never_sent(audience, sendable)
        owners = mapper.owner_of(sendable)
        prepared = members._push_values(mapper)  # mailchimp_push_values.py
        plan = PushPlan()
        for member in members:
            partner, email = member.partner_id, emails[member]
            if not partner or not partner._mailchimp_ticked_for(audience):
                # un-ticked, deleted, archived, or moved to another audience
                member._plan_untick(plan)
                continue
            refusal = member._push_refusal(email, never, owners)
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
            member._plan_send(plan, email, merge, mapper.interests(partner))
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

    def _plan_send(self, plan, email, merge, groups=None):
        """Plan the member's write; ``groups`` are the group names Odoo maps
        (sent in the same call, never a status change)."""
        audience, partner = self.audience_id, self.partner_id
        payload = {"email_address": email, "merge_fields": merge}
        if groups:
            payload["interests"] = groups
        if audience.gdpr_enabled and self.consent_ids:
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
            payload["status"] = member_status(False, audience.double_optin)
            if tags:
                payload["tags"] = tags
            if "marketing_permissions" in payload:
                plan.consents[email] = payload.pop("marketing_permissions")
            plan.new[email] = (self, payload)
            return
        body = upsert.update_body(payload, member_status(False, audience.double_optin))
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
