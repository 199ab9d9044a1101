"""Who a remote member is in Odoo: matching by Mailchimp id, by the email
last sent, then by the contact that owns the email (the mapper's one rule);
the one rule on which contacts Mailchimp may write (used by the pull and the
webhooks); and the conflict policy when both sides changed."""

from odoo import api, models
from odoo.tools import SQL, email_normalize

from .mailchimp_audience_pull import (
    BRAKE_MIN_CONTACTS,
    BRAKE_SHARE,
    MSG_KNOWN_ELSEWHERE,
    MSG_SUPPRESSED,
)
from .mailchimp_mapper import TO_ODOO, Mapper


class MailchimpAudience(models.Model):
    _inherit = "mailchimp.audience"

    @api.model
    def _user_partner_ids(self, partner_ids):
        """Partners of users (active or not): Mailchimp never writes them."""
        partner_ids = [pid for pid in partner_ids if pid]
        if not partner_ids:
            return set()
        self.env.cr.execute(
            SQL(
                "SELECT partner_id FROM res_users WHERE partner_id = ANY(%s)",
                list(partner_ids),
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def _partner_domain(self, emails):
        """Contacts Mailchimp may link: this company's or shared ones."""
        return [
            ("email_normalized", "in", list(emails)),
            ("company_id", "in", [self.company_id.id, False]),
        ]

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
            self._partner_domain(missing), order="id"
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

    def _may_write_partner(self, row, remote, context):
        """Merge values go only to a contact ticked for this audience, in its
        company, not a user's, and never from a pending member."""
        partner = row.partner_id
        return bool(
            partner
            and remote.status not in ("pending", "archived")
            and partner._mailchimp_ticked_for(self)
            and (not partner.company_id or partner.company_id == self.company_id)
            and partner.id not in context["user_partners"]
        )

    def _hold_tag_removals(self, remotes, rows, mapper, log):
        """The brake on mapped tags read back: a tag gone from many contacts of
        a page at once removes no contact tag (the log says so)."""
        if not mapper.groups:
            return
        pairs = [(r, rows[r.id].partner_id) for r in remotes if r.id in rows]
        held = mapper.groups.brake_tag_removals(pairs, BRAKE_SHARE, BRAKE_MIN_CONTACTS)
        for name, count in held.items():
            log._add_line(
                self.env["mailchimp.member"],
                "info",
                f"Mailchimp tag “{name}” gone from {count} contacts at once: their "
                "contact tag is kept (brake); remove it in Odoo if that was meant.",
            )

    def _apply_merge_values(self, row, partner, remote, mapper, changed):
        """Write Mailchimp's merge values to the partner under the conflict
        policy; a value that differs only in format is not a change."""
        tags = mapper.changed_tags(remote, partner) if mapper.mappings else ()
        diff = {
            fname: value
            for fname, value in (
                mapper.to_odoo(remote, partner, tags).items() if tags else ()
            )
            if _differs(partner, fname, value)
        }
        if mapper.groups:
            diff.update(mapper.groups.to_odoo(remote, partner))
        if not diff:
            return
        policy = self.conflict_policy
        if policy == "recent":
            odoo_changed = row.odoo_changed_at
            policy = (
                "mailchimp"
                if not odoo_changed or (changed and changed >= odoo_changed)
                else "odoo"
            )
        if policy == "mailchimp":
            partner.write(diff)
        else:
            row._mark_need_sync()


def _differs(partner, fname, value):
    current = partner[fname]
    if hasattr(current, "_name"):
        current = current.id
    return (current or False) != (value or False)
