import logging
import time
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, email_normalize

from ..services import BATCH_SIZE, MailchimpError, split_name
from .mailchimp_field_mapping import DEFAULT_MAPPINGS
from .mailchimp_member import _parse_dt, remote_fingerprint

_logger = logging.getLogger(__name__)

MEMBER_FIELDS = (
    ",".join(
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
        )
    )
    + ",total_items"
)
FULL_PULL_EVERY = timedelta(hours=24)
NEW_RUN_MIN_GAP = timedelta(minutes=5)


class MailchimpAudience(models.Model):
    _name = "mailchimp.audience"
    _description = "Mailchimp Audience"
    _order = "name, id"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    account_id = fields.Many2one(
        "mailchimp.account", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    mailchimp_id = fields.Char("Audience ID", required=True, copy=False, index=True)
    web_id = fields.Integer(copy=False)
    double_optin = fields.Boolean(
        "Double opt-in", help="New members get 'pending' and confirm by email."
    )
    member_count = fields.Integer(readonly=True)
    unsubscribe_count = fields.Integer(readonly=True)
    cleaned_count = fields.Integer(readonly=True)
    conflict_policy = fields.Selection(
        [
            ("odoo", "Odoo wins"),
            ("mailchimp", "Mailchimp wins"),
            ("recent", "Most recent change wins"),
        ],
        default="recent",
        required=True,
        help="What happens when a mapped field changed in Mailchimp and in Odoo.",
    )
    untick_policy = fields.Selection(
        [
            ("archive", "Archive the member"),
            ("unsubscribe", "Unsubscribe the member"),
            ("keep", "Leave the member as is"),
        ],
        "When the sync is unticked",
        default="archive",
        required=True,
        help="Mailchimp members are never deleted permanently.",
    )
    create_partners = fields.Boolean(
        "Create contacts from Mailchimp",
        help="Members unknown to Odoo create a contact with the sync ticked.",
    )
    blacklist_unsubscribes = fields.Boolean(
        "Blacklist unsubscribes in Odoo",
        help="Members unsubscribed or cleaned in Mailchimp are added to Odoo's "
        "email blacklist.",
    )
    export_categories = fields.Boolean(
        "Contact tags as Mailchimp tags",
        help="The tags (categories) of synced contacts are added as tags on their "
        "Mailchimp member.",
    )
    pull_overlap_minutes = fields.Integer(
        "Clock skew buffer (min)",
        default=10,
        help="Each incremental read starts this many minutes before the last one.",
    )
    pull_cursor = fields.Datetime(
        "Read up to", copy=False, help="Mailchimp changes up to this time are in Odoo."
    )
    last_full_pull = fields.Datetime(copy=False)
    pull_since = fields.Datetime(copy=False)
    pull_before = fields.Datetime(copy=False)
    pull_offset = fields.Integer(copy=False)
    pull_running = fields.Boolean(copy=False)
    pull_full = fields.Boolean(copy=False)
    current_log_id = fields.Many2one("mailchimp.sync.log", copy=False)
    merge_field_ids = fields.One2many("mailchimp.merge.field", "audience_id")
    mapping_ids = fields.One2many("mailchimp.field.mapping", "audience_id")
    member_ids = fields.One2many("mailchimp.member", "audience_id")
    log_ids = fields.One2many("mailchimp.sync.log", "audience_id")
    member_count_odoo = fields.Integer(
        "Members in Odoo", compute="_compute_member_count_odoo"
    )
    pending_count = fields.Integer(
        "Waiting to be sent", compute="_compute_member_count_odoo"
    )

    _sql_constraints = [
        (
            "mailchimp_id_uniq",
            "unique(account_id, mailchimp_id)",
            "This Mailchimp audience is already in Odoo.",
        )
    ]

    def _compute_member_count_odoo(self):
        Member = self.env["mailchimp.member"]
        totals = dict(
            Member._read_group(
                [("audience_id", "in", self.ids)], ["audience_id"], ["__count"]
            )
        )
        pending = dict(
            Member._read_group(
                [("audience_id", "in", self.ids), ("need_sync", "=", True)],
                ["audience_id"],
                ["__count"],
            )
        )
        for audience in self:
            audience.member_count_odoo = totals.get(audience, 0)
            audience.pending_count = pending.get(audience, 0)

    # ------------------------------------------------------------- import
    @api.model
    def _vals_from_remote(self, remote):
        stats = remote.get("stats") or {}
        return {
            "name": remote.get("name") or remote["id"],
            "mailchimp_id": remote["id"],
            "web_id": remote.get("web_id") or 0,
            "double_optin": bool(remote.get("double_optin")),
            "member_count": stats.get("member_count") or 0,
            "unsubscribe_count": stats.get("unsubscribe_count") or 0,
            "cleaned_count": stats.get("cleaned_count") or 0,
        }

    @api.model
    def _import_from_remote(self, account, remote_lists):
        """Create or update audiences from ``GET /lists`` items."""
        existing = {
            a.mailchimp_id: a
            for a in self.with_context(active_test=False).search(
                [("account_id", "=", account.id)]
            )
        }
        audiences = self.browse()
        for remote in remote_lists:
            vals = self._vals_from_remote(remote)
            audience = existing.get(remote["id"])
            if audience:
                audience.write(vals)
            else:
                audience = self.create(dict(vals, account_id=account.id))
            audiences |= audience
        for audience in audiences:
            audience._refresh_merge_fields()
        return audiences

    def _refresh_merge_fields(self):
        """Read all merge fields (``count=1000``) and add default mappings."""
        self.ensure_one()
        try:
            remote_fields = list(
                self.account_id._get_client().iter_merge_fields(self.mailchimp_id)
            )
        except MailchimpError as error:
            raise UserError(str(error)) from None
        MergeField = self.env["mailchimp.merge.field"]
        by_tag = {f.tag: f for f in self.merge_field_ids}
        for remote in remote_fields:
            vals = MergeField._vals_from_remote(remote)
            if remote["tag"] in by_tag:
                by_tag[remote["tag"]].write(vals)
            else:
                by_tag[remote["tag"]] = MergeField.create(
                    dict(vals, audience_id=self.id)
                )
        remote_tags = {f["tag"] for f in remote_fields}
        self.merge_field_ids.filtered(lambda f: f.tag not in remote_tags).unlink()
        self._create_default_mappings()

    def _create_default_mappings(self):
        mapped = set(self.mapping_ids.merge_field_id.mapped("tag"))
        vals_list = []
        for merge_field in self.merge_field_ids:
            default = DEFAULT_MAPPINGS.get(merge_field.tag)
            if not default or merge_field.tag in mapped:
                continue
            source, field_name = default
            vals_list.append(
                {
                    "audience_id": self.id,
                    "merge_field_id": merge_field.id,
                    "source": source,
                    "field_name": field_name,
                }
            )
        return self.env["mailchimp.field.mapping"].create(vals_list)

    # ------------------------------------------------------------- helpers
    def _first_partner_by_email(self, emails):
        """``{email: lowest partner id}`` among flagged contacts of the audience."""
        self.ensure_one()
        if not emails:
            return {}
        self.env["res.partner"].flush_model(
            ["email_normalized", "mailchimp_sync", "mailchimp_audience_id", "active"]
        )
        self.env.cr.execute(
            SQL(
                """SELECT email_normalized, MIN(id) FROM res_partner
                    WHERE mailchimp_sync AND active AND mailchimp_audience_id = %s
                      AND email_normalized = ANY(%s)
                 GROUP BY email_normalized""",
                self.id,
                list(emails),
            )
        )
        return dict(self.env.cr.fetchall())

    def _lock_for_sync(self):
        """The audiences of ``self`` not being synced by another transaction."""
        if not self:
            return self
        self.env.cr.execute(
            SQL(
                "SELECT id FROM mailchimp_audience WHERE id = ANY(%s) "
                "FOR NO KEY UPDATE SKIP LOCKED",
                list(self.ids),
            )
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    # ------------------------------------------------------------- run
    def _start_run(self, trigger="manual", full=False):
        self.ensure_one()
        now = fields.Datetime.now()
        full = (
            full
            or not self.pull_cursor
            or (not self.last_full_pull or self.last_full_pull < now - FULL_PULL_EVERY)
        )
        log = self.env["mailchimp.sync.log"].create(
            {
                "audience_id": self.id,
                "trigger": trigger,
                "kind": "full" if full else "sync",
            }
        )
        since = False
        if not full:
            since = self.pull_cursor - timedelta(minutes=self.pull_overlap_minutes or 0)
        self.write(
            {
                "current_log_id": log.id,
                "pull_running": True,
                "pull_full": full,
                "pull_since": since,
                "pull_before": now,
                "pull_offset": 0,
            }
        )
        return log

    def _sync_step(self):
        """Do one bounded unit of work: a page of 1,000 members read from
        Mailchimp, then batches of 500 members sent. Returns
        ``(units_done, finished)``."""
        self.ensure_one()
        log = self.current_log_id
        try:
            if self.pull_running:
                return self._pull_page(log), False
            members = self._members_to_push(log)
            if not members:
                self._finish_run()
                return 0, True
            log._count("pushed", len(members))
            return members._push(log), False
        except MailchimpError as error:
            _logger.info("Mailchimp sync of audience %s stopped: %s", self.id, error)
            if not log.error_message:
                log._add_error(str(error))
            self._finish_run(failed=True)
            return 0, True

    def _members_to_push(self, log):
        return self.env["mailchimp.member"].search(
            [
                ("audience_id", "=", self.id),
                ("need_sync", "=", True),
                "|",
                ("attempt_log_id", "=", False),
                ("attempt_log_id", "!=", log.id),
            ],
            limit=BATCH_SIZE,
            order="id",
        )

    def _last_log(self):
        self.ensure_one()
        return self.env["mailchimp.sync.log"].search(
            [("audience_id", "=", self.id)], order="id desc", limit=1
        )

    def _finish_run(self, failed=False):
        self.current_log_id._close(failed=failed)
        self.write({"current_log_id": False, "pull_running": False})

    def _run_sync(self, trigger="manual", full=False, time_budget=None):
        """Run (or continue) a sync of each audience until done or out of time.

        Returns True when every audience finished.
        """
        deadline = time.monotonic() + time_budget if time_budget else None
        finished_all = True
        for audience in self:
            if not audience.current_log_id:
                audience._start_run(trigger=trigger, full=full)
            finished = False
            while not finished:
                if deadline and time.monotonic() > deadline:
                    finished_all = False
                    break
                _done, finished = audience._sync_step()
                audience._release_batch()
        return finished_all

    def _release_batch(self):
        """Write the batch and drop the ORM cache: memory stays flat whatever
        the number of members a run goes through."""
        self.env.flush_all()
        self.env.invalidate_all()

    def _remaining_work(self):
        count = 0
        for audience in self:
            if audience.pull_running:
                count += 1000
            if audience.current_log_id:
                count += len(audience._members_to_push(audience.current_log_id))
        return count

    @api.model
    def _cron_sync(self, time_budget=50):
        """Scheduled two-way sync: pull then push for every connected audience,
        in bounded steps; the cron framework commits between calls and calls
        again while work remains (``_notify_progress``)."""
        audiences = self.search([("account_id.state", "=", "connected")])
        now = fields.Datetime.now()
        locked = audiences._lock_for_sync()
        deadline = time.monotonic() + time_budget
        done = 0
        for audience in locked:
            if not audience.current_log_id:
                last = audience._last_log()
                if last and last.date_start > now - NEW_RUN_MIN_GAP:
                    continue
                audience._start_run(trigger="cron")
            finished = False
            while not finished and time.monotonic() < deadline:
                units, finished = audience._sync_step()
                audience._release_batch()
                done += units
        remaining = locked._remaining_work()
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return remaining

    # ------------------------------------------------------------- buttons
    def action_sync_now(self, full=False):
        self.ensure_one()
        self.account_id._check_connected()
        if not self._lock_for_sync():
            raise UserError(self.env._("A sync of this audience is already running."))
        finished = self._run_sync(trigger="manual", full=full, time_budget=20)
        log = self._last_log()
        if not finished:
            self.env.ref("mailchimp_sync.ir_cron_mailchimp_sync")._trigger()
            message = self.env._("The sync goes on in the background.")
            kind = "info"
        else:
            message = self.env._(
                "Sync done: %(sent)s sent, %(read)s read from Mailchimp, "
                "%(err)s errors.",
                sent=log.pushed,
                read=log.pulled,
                err=log.errors,
            )
            kind = "warning" if log.errors or log.state == "failed" else "success"
        return self.account_id._notify(message, kind)

    def action_full_resync(self):
        """Re-read every member and re-send every flagged contact."""
        self.ensure_one()
        self.member_ids.filtered(lambda m: m.partner_id.mailchimp_sync).write(
            {"need_sync": True}
        )
        if self.current_log_id:
            self._finish_run()
        return self.action_sync_now(full=True)

    def write(self, vals):
        res = super().write(vals)
        if "export_categories" in vals:
            self.env.registry.clear_cache()
            self.filtered("export_categories")._flag_members_for_push()
        return res

    def _flag_members_for_push(self):
        """A mapping changed: the flagged contacts are sent again (their values
        are resolved by the audience's conflict policy)."""
        if not self:
            return
        members = self.env["mailchimp.member"].search(
            [
                ("audience_id", "in", self.ids),
                ("need_sync", "=", False),
                ("partner_id.mailchimp_sync", "=", True),
            ]
        )
        members.write({"need_sync": True})

    def action_open_mapping_wizard(self):
        self.ensure_one()
        return self.env["mailchimp.field.mapping.wizard"]._open(self)

    def action_refresh_merge_fields(self):
        self._refresh_merge_fields()
        return True

    def action_view_logs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mailchimp_sync.mailchimp_sync_log_action"
        )
        action["domain"] = [("audience_id", "=", self.id)]
        return action

    def action_view_members(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mailchimp_sync.mailchimp_member_action"
        )
        action["domain"] = [("audience_id", "=", self.id)]
        return action

    # ------------------------------------------------------------- pull
    def _pull_page(self, log):
        """Read one page of changed members (frozen window ``since``..``before``
        so offsets stay stable) and apply it."""
        client = self.account_id._get_client()
        data = client.get_member_page(
            self.mailchimp_id,
            self.pull_offset,
            since=_iso(self.pull_since),
            before=_iso(self.pull_before),
            fields=MEMBER_FIELDS,
        )
        page = data.get("members") or []
        self._apply_remote_members(page, log)
        log._count("pulled", len(page))
        total = data.get("total_items")
        if len(page) < 1000 or (
            total is not None and self.pull_offset + len(page) >= total
        ):
            vals = {"pull_running": False, "pull_cursor": self.pull_before}
            if self.pull_full:
                self._detect_deleted(log)
                vals["last_full_pull"] = self.pull_before
            self.write(vals)
        else:
            self.pull_offset += len(page)
        return len(page)

    def _detect_deleted(self, log):
        """After a full read, members Mailchimp no longer has lose the flag."""
        gone = self.env["mailchimp.member"].search(
            [
                ("audience_id", "=", self.id),
                ("mailchimp_id", "!=", False),
                ("status", "!=", "archived"),
                ("full_pull_mark", "!=", log.id),
            ]
        )
        for member in gone:
            log._add_line(member, "info", "Deleted in Mailchimp: sync turned off.")
        gone.write(
            {"status": "archived", "need_sync": False, "archived_by_odoo": False}
        )
        gone.partner_id.filtered(
            lambda p: p.mailchimp_audience_id == self
        ).with_context(mailchimp_no_sync=True).write({"mailchimp_sync": False})

    def _apply_remote_members(self, page, log):
        """Match a page of remote members and update Odoo (no push flag set)."""
        if not page:
            return
        rows = self._match_rows(page, log)
        if self.pull_full:
            self.env["mailchimp.member"].browse(
                [r.id for r in rows.values()]
            ).full_pull_mark = log.id
        mappings = self.mapping_ids.filtered(lambda m: m.direction != "odoo_to_mc")
        to_create = []
        for remote in page:
            row = rows.get(remote["id"])
            if row:
                self._apply_remote_member(row, remote, mappings, log)
            elif (
                self.create_partners
                and email_normalize(remote.get("email_address") or "")
                and remote.get("status") != "archived"
            ):
                to_create.append(remote)
        if to_create:
            self._create_partners_from_remote(to_create, mappings, log)

    def _match_rows(self, page, log):
        """``{remote id: member row}``: by Mailchimp id, then by the email last
        sent, then by the contact with that email (the one already in this
        audience, else the lowest id; the others are reported). A few queries
        per page, none per member."""
        Member = self.env["mailchimp.member"]
        hashes = [m["id"] for m in page]
        rows = {
            r.mailchimp_id: r
            for r in Member.search(
                [("audience_id", "=", self.id), ("mailchimp_id", "in", hashes)]
            )
        }
        emails = {m["id"]: email_normalize(m.get("email_address") or "") for m in page}
        missing = {emails[h]: h for h in hashes if h not in rows and emails[h]}
        if not missing:
            return rows
        for row in Member.search(
            [("audience_id", "=", self.id), ("email", "in", list(missing))]
        ):
            rows.setdefault(missing.get(email_normalize(row.email or "")), row)
        candidates = {}
        for partner in self.env["res.partner"].search(
            [("email_normalized", "in", list(missing))], order="id"
        ):
            candidates.setdefault(partner.email_normalized, []).append(partner)
        partner_ids = [p.id for group in candidates.values() for p in group]
        row_by_partner = {
            r.partner_id: r
            for r in Member.search(
                [("audience_id", "=", self.id), ("partner_id", "in", partner_ids)]
            )
        }
        to_create = []
        for email, remote_id in missing.items():
            if remote_id in rows or email not in candidates:
                continue
            group = candidates[email]
            linked = [p for p in group if p in row_by_partner]
            partner = (linked or group)[0]
            for other in group:
                if other != partner:
                    log._add_line(
                        Member.new({"partner_id": other.id, "email": email}),
                        "duplicate",
                        f"Same email as contact #{partner.id}, linked instead.",
                    )
            if partner in row_by_partner:
                rows[remote_id] = row_by_partner[partner]
            else:
                to_create.append((remote_id, partner))
        new_rows = Member.create(
            [
                {"audience_id": self.id, "partner_id": p.id, "need_sync": False}
                for _remote_id, p in to_create
            ]
        )
        rows.update(zip([r for r, _p in to_create], new_rows, strict=True))
        return rows

    def _apply_remote_member(self, row, remote, mappings, log):
        status = remote.get("status")
        changed = _parse_dt(remote.get("last_changed"))
        remote_hash = remote_fingerprint(remote)
        if self.gdpr_enabled and remote.get("marketing_permissions"):
            # also when this version is Odoo's own push: consents it lacks
            row._apply_remote_permissions(remote["marketing_permissions"], changed)
        if row.status == status and row.remote_hash == remote_hash:
            return  # this version is already in Odoo (e.g. our own push)
        vals = {
            "mailchimp_id": remote["id"],
            "email": remote.get("email_address"),
            "web_id": remote.get("web_id") or row.web_id,
            "last_changed": changed,
            "remote_hash": remote_hash,
            **row._figures_from_remote(remote),
        }
        partner = row.partner_id.with_context(mailchimp_no_sync=True)
        if status and status != row.status:
            vals.update(status=status, consent_date=changed, consent_source="mailchimp")
            if status in ("unsubscribed", "cleaned") and row.status:
                log._count("unsubscribes")
            if status in ("unsubscribed", "cleaned") and self.blacklist_unsubscribes:
                self.env["mail.blacklist"].sudo()._add(
                    remote.get("email_address"),
                    message=self.env._("Unsubscribed in Mailchimp (%s).", self.name),
                )
            if (
                status == "archived"
                and partner
                and partner.mailchimp_audience_id == self
            ):
                vals["archived_by_odoo"] = False
                partner.mailchimp_sync = False
                log._add_line(row, "info", "Deleted in Mailchimp: sync turned off.")
        vals = {k: v for k, v in vals.items() if row[k] != v}
        if vals:
            row.write(vals)
        if partner and mappings and status != "archived":
            self._apply_merge_values(row, partner, remote, mappings, changed)

    def _apply_merge_values(self, row, partner, remote, mappings, changed):
        """Write Mailchimp's merge values to the partner under the conflict policy.

        Values are compared as Odoo would send them (E.164 phones, address
        parts...), so a difference of format is not a change."""
        merge = remote.get("merge_fields") or {}
        sent, _skipped = self.env["mailchimp.member"]._merge_payload(partner, mappings)
        changed_tags = {
            tag
            for tag in mappings.merge_field_id.mapped("tag")
            if tag in merge and not _same_merge_value(merge[tag], sent.get(tag))
        }
        if not changed_tags:
            return
        remote_vals = self._odoo_vals_from_merge(
            partner, {tag: merge[tag] for tag in changed_tags}, mappings
        )
        diff = {
            fname: value
            for fname, value in remote_vals.items()
            if _differs(partner, fname, value)
        }
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
            row.need_sync = True

    def _odoo_vals_from_merge(self, partner, merge, mappings):
        vals = {}
        first = last = None
        for mapping in mappings:
            tag = mapping.merge_field_id.tag
            if tag not in merge:
                continue
            value = merge[tag]
            if mapping.source == "first_name":
                first = value or ""
            elif mapping.source == "last_name":
                last = value or ""
            elif mapping.source == "address":
                vals.update(self._address_vals(value))
            elif mapping.field_name and "." not in mapping.field_name:
                converted = self._field_value(partner, mapping.field_name, value)
                if converted is not None:
                    vals[mapping.field_name] = converted
        if first is not None or last is not None:
            current_first, current_last = split_name(partner.name)
            name = " ".join(
                p
                for p in (
                    current_first if first is None else first,
                    current_last if last is None else last,
                )
                if p
            )
            if name:
                vals["name"] = name
        return vals

    def _field_value(self, partner, fname, value):
        field = partner._fields[fname]
        if field.type in ("char", "text", "html"):
            return value or False
        if field.type in ("integer", "float", "monetary"):
            try:
                return (
                    field.type == "integer"
                    and int(float(value or 0))
                    or float(value or 0)
                )
            except ValueError:
                return None
        if field.type in ("date", "datetime"):
            try:
                return fields.Date.to_date(value) if value else False
            except ValueError:
                return None
        if field.type == "selection":
            for key, label in field._description_selection(self.env):
                if value in (key, label):
                    return key
            return None
        if field.type == "many2one":
            if not value:
                return False
            found = self.env[field.comodel_name].name_search(
                value, operator="=", limit=1
            )
            return found[0][0] if found else None
        return None

    def _address_vals(self, address):
        if not isinstance(address, dict) or not address.get("addr1"):
            return {}
        country = (
            self.env["res.country"].search(
                [("code", "=", (address.get("country") or "").upper())], limit=1
            )
            if address.get("country")
            else self.env["res.country"]
        )
        vals = {
            "street": address.get("addr1") or False,
            "street2": address.get("addr2") or False,
            "city": address.get("city") or False,
            "zip": address.get("zip") or False,
        }
        if country:
            vals["country_id"] = country.id
        if address.get("state"):
            state = self.env["res.country.state"].search(
                [("code", "=", address["state"])]
                + ([("country_id", "=", country.id)] if country else []),
                limit=1,
            )
            if state:
                vals["state_id"] = state.id
        return vals

    def _create_partners_from_remote(self, remotes, mappings, log):
        Partner = self.env["res.partner"].with_context(mailchimp_no_sync=True)
        vals_list = []
        for remote in remotes:
            merge = remote.get("merge_fields") or {}
            vals = self._odoo_vals_from_merge(Partner, merge, mappings)
            vals.setdefault("name", remote.get("email_address"))
            vals.update(
                email=remote.get("email_address"),
                mailchimp_sync=True,
                mailchimp_audience_id=self.id,
            )
            vals_list.append(vals)
        partners = Partner.create(vals_list)
        members = self.env["mailchimp.member"].create(
            [
                {
                    "audience_id": self.id,
                    "partner_id": partner.id,
                    "mailchimp_id": remote["id"],
                    "email": remote.get("email_address"),
                    "web_id": remote.get("web_id") or 0,
                    "status": remote.get("status"),
                    "last_changed": _parse_dt(remote.get("last_changed")),
                    "consent_date": _parse_dt(remote.get("timestamp_opt"))
                    or _parse_dt(remote.get("last_changed")),
                    "consent_source": "mailchimp",
                    "need_sync": False,
                    "full_pull_mark": log.id,
                }
                for partner, remote in zip(partners, remotes, strict=True)
            ]
        )
        log._count("partners_created", len(partners))
        return members


def _iso(value):
    return value and value.strftime("%Y-%m-%dT%H:%M:%S+00:00") or None


def _same_merge_value(remote, sent):
    """Whether a merge value read from Mailchimp equals the one Odoo sends."""
    if isinstance(remote, dict) or isinstance(sent, dict):
        remote, sent = remote or {}, sent or {}
        if not isinstance(remote, dict) or not isinstance(sent, dict):
            return False
        return all(
            str(remote.get(k) or "").strip() == str(sent.get(k) or "").strip()
            for k in ("addr1", "addr2", "city", "state", "zip", "country")
        )
    if remote in (None, "", False) and sent in (None, "", False, "-"):
        return True
    if isinstance(remote, int | float) or isinstance(sent, int | float):
        try:
            return float(remote) == float(sent)
        except (TypeError, ValueError):
            return False
    return str(remote).strip() == str(sent).strip()


def _differs(partner, fname, value):
    current = partner[fname]
    if hasattr(current, "_name"):
        current = current.id
    return (current or False) != (value or False)
