"""No echo: an incremental read leaves out the members Odoo itself just wrote.

The push stores, for each member Mailchimp confirmed, the key of the version
Mailchimp answered (``echo_key``: its ``last_changed`` and values, see
``services/echo.py``). An incremental read (its window starts where the last
one ended, so it holds every member the last push wrote) first asks Mailchimp
only for the fields of that key (when the window holds at least half a page
of Odoo's writes); a page whose members all carry the key Odoo
stored is done without reading more (their web id, which a batch subscribe
answer lacks, is stored from it). Otherwise the page is read again in full
and its members other than Odoo's own versions are applied as before. A full
read reads everything in full (it also finds the members deleted in
Mailchimp), and so does an audience with GDPR fields (consents Odoo lacks
come from any version, its own included)."""

from odoo import models
from odoo.tools import SQL

from ..services import PAGE_SIZE, MemberPage, parse_member_page
from ..services.echo import ECHO_FIELDS, echo_key
from .mailchimp_audience import _iso
from .mailchimp_audience_pull import MEMBER_FIELDS

# members Odoo wrote in the read window for the light read to be worth it
ECHO_READ_MIN = PAGE_SIZE // 2


class MailchimpAudience(models.Model):
    _inherit = "mailchimp.audience"

    def _read_member_page(self, log, client):
        """The checked page at the run's offset, less Odoo's own versions."""
        if log.pull_full or self.gdpr_enabled:
            return parse_member_page(self._member_page(log, client))
        if not self._echoes_expected(log, client):  # a full page: one call
            page = parse_member_page(self._member_page(log, client))
            echoes = self._echoes(page.members)
            members = tuple(m for m in page.members if m.id not in echoes)
            return MemberPage(members, page.rejected, page.total_items, page.size)
        light = parse_member_page(self._member_page(log, client, ECHO_FIELDS))
        echoes = self._echoes(light.members)
        if len(echoes) == len(light.members):  # malformed items: skipped as ever
            return MemberPage((), light.rejected, light.total_items, light.size)
        full = parse_member_page(
            client.get_member_page(
                self.mailchimp_id,
                log.pull_offset,
                since=_iso(log.pull_since),
                before=_iso(log.pull_before),
                fields=MEMBER_FIELDS,
            )
        )
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

    def _echoes_expected(self, log, client):
        """Whether the read window holds many of Odoo's own writes (at least
        half a page): then the light read first, else the pages in full (a
        page with a change would cost two calls). Asked once a run."""
        cached = client.__dict__.get("echoes_expected")
        if cached is None:
            self.env["mailchimp.member"].flush_model(["last_sync", "echo_key"])
            self.env.cr.execute(
                SQL(
                    """SELECT count(*) FROM mailchimp_member
                        WHERE audience_id = %s AND echo_key IS NOT NULL
                          AND last_sync >= %s""",
                    self.id,
                    log.pull_since,
                )
            )
            cached = self.env.cr.fetchone()[0] >= ECHO_READ_MIN
            client.echoes_expected = cached
        return cached

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
