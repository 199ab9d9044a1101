"""A contact's life beyond the happy path: deleted, merged, asked to subscribe
again (README "A contact's life"; forgotten: ``res_partner_forget.py``)."""

from odoo import models

from ..services import GONE_STATUSES, UNSUBSCRIBED_OR_CLEANED


class ResPartner(models.Model):
    _inherit = "res.partner"

    # ------------------------------------------------------------ audience
    def write(self, vals):
        follow = self._mailchimp_following_company(vals)
        res = super().write(vals)
        for partner in follow:
            audience = partner._mailchimp_default_audience()
            if audience and audience != partner.sudo().mailchimp_audience_id:
                # the code moves it with its company, whoever changed the company
                partner.sudo().mailchimp_audience_id = audience
        return res

    def _mailchimp_following_company(self, vals):
        """Contacts whose audience is their company's default: a new company
        takes them to its own default audience."""
        if "company_id" not in vals or "mailchimp_audience_id" in vals:
            return self.browse()
        return self.sudo().filtered(
            lambda p: p.mailchimp_audience_id
            and p.mailchimp_audience_id == p._mailchimp_default_audience()
        )

    # ------------------------------------------------------------ delete
    def unlink(self):
        self._mailchimp_before_removal(tombstone=True)
        return super().unlink()

    def _mailchimp_before_removal(self, tombstone):
        """Member rows outlive their contact until the un-tick policy reached
        Mailchimp (the next run); rows Mailchimp never had simply go."""
        rows = self.sudo().mailchimp_member_ids
        if not rows:
            return
        if tombstone:
            Suppression = self.env["mailchimp.suppression"]
            for audience in rows.audience_id:
                audience_rows = rows.filtered(lambda r, a=audience: r.audience_id == a)
                emails = audience_rows.mapped(
                    "email"
                ) + audience_rows.partner_id.mapped("email_normalized")
                Suppression._record(audience, [e for e in emails if e], "deleted")
        known = rows.filtered(
            lambda r: r.mailchimp_id and r.status not in GONE_STATUSES
        )
        self.env["mailchimp.push.intent"]._forget(
            (rows - known).filtered("mailchimp_id")
        )
        (rows - known).unlink()
        known.write({"partner_id": False})
        known._mark_need_sync()

    # ------------------------------------------------------------ merge
    def _mailchimp_merge_into(self, destination):
        """Called by the merge wizard before the merged-away contacts (``self``)
        lose their links: a member of the same person moves to the surviving
        contact (or folds into its member, an unsubscribe winning); other
        members get the un-tick policy."""
        kept = destination.sudo().mailchimp_member_ids
        for row in self.sudo().mailchimp_member_ids:
            twin = kept.filtered(lambda k, r=row: k.audience_id == r.audience_id)
            same_person = (row.email or "").lower() == (
                destination.email_normalized or ""
            ) or (twin and row.mailchimp_id and row.mailchimp_id == twin.mailchimp_id)
            if same_person and twin and not twin.mailchimp_id:
                kept -= twin  # the survivor was never sent: this member replaces it
                twin.unlink()
                twin = None
            if same_person and not twin:
                row.partner_id = destination  # moved: status and history kept
                kept |= row
            elif same_person:
                if row.status in UNSUBSCRIBED_OR_CLEANED:
                    # an unsubscribe on either side survives the merge
                    twin._clear_need_sync({"status": row.status})
                row.unlink()
        self.invalidate_recordset(["mailchimp_member_ids"])
        self._mailchimp_before_removal(tombstone=False)

    def _mailchimp_merge_sync_fields(self, sources):
        """Odoo's merge fills the surviving contact's (``self``) empty fields
        from the merged ones, the last one's first, but only the fields its
        user may read. The sync's box and audience are filled by the code,
        whoever merges, and together: an unticked survivor takes the box and
        the audience of the last ticked merged contact whose audience may
        hold it (the survivor's company, or a shared contact). The member
        moved to it stays synced (never archived because the user had no
        Mailchimp role), never in an audience it was not ticked for, and a
        Mailchimp reader's merge is not refused as a change of the sync."""
        survivor = self.sudo()
        if survivor.mailchimp_sync:
            return
        company = survivor.company_id
        for source in reversed(sources.sudo()):
            audience = source.mailchimp_audience_id
            if source.mailchimp_sync and (
                not company or not audience or audience.company_id == company
            ):
                survivor.write(
                    {"mailchimp_sync": True, "mailchimp_audience_id": audience.id}
                )
                return
