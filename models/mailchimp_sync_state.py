"""A member's push flag, written here only (as Odoo's ``google.calendar.sync``
alone sets ``need_sync``): ``need_sync`` says the member is sent on the next
run, ``odoo_changed_at`` when Odoo's data last changed (what "most recent
change wins" compares with Mailchimp's change time). Every other file sets and
clears them through these methods; scripts/check_files.py fails on a write
elsewhere.

The contacts' side: ``mailchimp.sync.mixin`` (on ``res.partner``) calls them
when a synced field changes in Odoo; writes that come from Mailchimp carry the
context key ``mailchimp_no_sync`` and flag nothing, so a pull never triggers a
push (no ping-pong)."""

from odoo import api, fields, models
from odoo.tools import SQL

from ..services import is_permanent_reason, parse_time
from ..services.echo import echo_key

# the parameters of ``_mark_synced``'s UPDATE, one array each, in the order of
# ``_synced_row``
SYNCED_COLUMNS = (
    "ids",
    "mids",
    "webs",
    "emails",
    "statuses",
    "changed",
    "consent_dates",
    "consent_sources",
    "hashes",
    "echoes",
)
SYNCED_UPDATE = """UPDATE mailchimp_member m
          SET mailchimp_id = v.mid, web_id = v.web, email = v.email,
              status = v.status, last_changed = v.changed,
              need_sync = FALSE, last_sync = %(now)s,
              last_error = NULL, last_error_date = NULL,
              archived_by_odoo = FALSE, remote_hash = v.hash,
              echo_key = v.echo,
              consent_date = COALESCE(v.consent_date, m.consent_date),
              consent_source = COALESCE(v.consent_source, m.consent_source),
              write_date = %(now)s, write_uid = %(uid)s
         FROM unnest(%(ids)s::int[], %(mids)s::varchar[],
                     %(webs)s::int[], %(emails)s::varchar[],
                     %(statuses)s::varchar[], %(changed)s::timestamp[],
                     %(consent_dates)s::timestamp[],
                     %(consent_sources)s::varchar[],
                     %(hashes)s::varchar[], %(echoes)s::varchar[])
           AS v(id, mid, web, email, status, changed, consent_date,
                consent_source, hash, echo)
        WHERE m.id = v.id"""


class MailchimpSyncMixin(models.AbstractModel):
    """Flag records whose synced fields change, in the spirit of Odoo's
    ``google.calendar.sync``: the remote id and the ``need_sync`` flag live on
    the per-audience ``mailchimp.member`` rows; writes that come from
    Mailchimp carry the context key ``mailchimp_no_sync`` and flag nothing, so
    a pull never triggers a push (no ping-pong)."""

    _name = "mailchimp.sync.mixin"
    _description = "Mailchimp synchronization mixin"

    mailchimp_member_ids = fields.One2many(
        "mailchimp.member",
        "partner_id",
        string="Mailchimp Memberships",
        groups="mailchimp_sync.group_mailchimp_user",
    )

    def _mailchimp_synced_fields(self):
        """Field names whose change must reach Mailchimp."""
        return set()

    def _mailchimp_ensure_members(self):
        """Hook: create the member rows the records need (flagged, so the next
        run sends them). Called after create and after a write of a synced
        field, never for writes that come from Mailchimp."""

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        if not self.env.context.get("mailchimp_no_sync"):
            records._mailchimp_ensure_members()
        return records

    def write(self, vals):
        res = super().write(vals)
        if not self.env.context.get("mailchimp_no_sync") and (
            set(vals) & self._mailchimp_synced_fields()
        ):
            self._mailchimp_ensure_members()
            # a synced field changed in Odoo: their members are sent next run
            self.sudo().mailchimp_member_ids._mark_need_sync()
        return res


class MailchimpMember(models.Model):
    _inherit = "mailchimp.member"

    need_sync = fields.Boolean("Waiting to be sent", index=True, copy=False)
    odoo_changed_at = fields.Datetime(
        "Changed in Odoo", help="Last change of a synced contact field in Odoo."
    )
    # the key of the version Odoo itself last wrote (``services/echo.py``):
    # the next incremental read leaves that version out
    echo_key = fields.Char(
        copy=False,
        help="Key of the version Mailchimp answered to Odoo's last write "
        "(its time of change and values): read back unchanged, it is skipped.",
    )

    @api.model
    def _create_flagged(self, vals_list):
        """New members of contacts ticked in Odoo: sent on the next run."""
        now = fields.Datetime.now()
        return self.create(
            [dict(vals, need_sync=True, odoo_changed_at=now) for vals in vals_list]
        )

    def _mark_need_sync(self, odoo_change=True):
        """These members are sent on the next run. ``odoo_changed_at`` is
        stamped when the reason is a change of Odoo's data (the default); a
        re-send that changes no data (a new mapping, a full resync, "Sync
        now") keeps it, so it never hides an edit made in Mailchimp."""
        vals = {"need_sync": True}
        if odoo_change:
            vals["odoo_changed_at"] = fields.Datetime.now()
        self.sudo().write(vals)

    @api.model
    def _mark_audiences_need_sync(self, audiences):
        """What a push sends for ``audiences`` changed (a mapping): their
        ticked contacts are sent again, their values resolved by the
        audience's conflict policy."""
        if audiences:
            self.search(
                [
                    ("audience_id", "in", audiences.ids),
                    ("need_sync", "=", False),
                    ("partner_id.mailchimp_sync", "=", True),
                ]
            )._mark_need_sync(odoo_change=False)

    def _clear_need_sync(self, values=None):
        """Nothing is left to send for these members (Mailchimp has Odoo's
        values, refused them for good, or the member left): the flag is
        cleared in the same write as ``values``."""
        self.write(dict(values or {}, need_sync=False))

    def _mark_error(self, message, log, now, permanent=None):
        """Mailchimp refused these members: sent again on the next run, unless
        the refusal is permanent (by Mailchimp's error title when known, else
        by its message): then they wait until the contact changes."""
        if permanent is None:
            permanent = is_permanent_reason(message)
        self.write(
            {"last_error": message, "last_error_date": now, "need_sync": not permanent}
        )
        log._add_line(self, "error", message)

    @api.model
    def _mark_synced(self, entries, now):
        """Store what Mailchimp answered for ``[(member, remote, created)]``.

        One SQL UPDATE for the whole batch (the rows have no stored
        dependents): this is the hot path of a push. The consent date and
        source change only when consent changes: now and Odoo for a member
        Odoo created; Mailchimp's own opt-in time the first time Odoo links a
        member Mailchimp had; Mailchimp's change time when it changed status."""
        if not entries:
            return
        members = self.browse([member.id for member, _r, _c in entries])
        members = members.with_context(prefetch_fields=False)
        partners = members.partner_id  # their related Mailchimp fields
        members.flush_recordset()
        # one array a column (unnest): the 500 rows in one parameter each
        columns = list(
            zip(
                *(
                    _synced_row(member, remote, created, now)
                    for member, remote, created in entries
                ),
                strict=True,
            )
        )
        self.env.cr.execute(
            SQL(
                SYNCED_UPDATE,
                now=now,
                uid=self.env.uid,
                **dict(zip(SYNCED_COLUMNS, map(list, columns), strict=True)),
            )
        )
        members.invalidate_recordset()
        partners.invalidate_recordset()


def _synced_row(member, remote, created, now):
    """One row of the batch UPDATE (``SYNCED_COLUMNS``), from a checked
    :class:`RemoteMember`."""
    changed = remote.changed_at or now
    consent_date = consent_source = None
    if created:
        consent_date, consent_source = now, "odoo"
    elif not member.status:  # Mailchimp had it first: its own opt-in
        consent_date = parse_time(remote.timestamp_opt) or changed
        consent_source = "mailchimp"
    elif remote.status != member.status:
        consent_date, consent_source = changed, "mailchimp"
    fingerprint = remote.fingerprint()
    return (
        member.id,
        remote.id,
        remote.web_id or member.web_id or 0,
        remote.email,
        remote.status,
        changed,
        consent_date,
        consent_source,
        fingerprint,
        # the key of the version Odoo wrote: the next read leaves it out
        echo_key(remote, fingerprint) if remote.last_changed else None,
    )
