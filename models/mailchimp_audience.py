import logging
import time
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..services import BATCH_SIZE, MailchimpError, parse_merge_date, split_name
from .mailchimp_access import check_manager
from .mailchimp_field_mapping import DEFAULT_MAPPINGS
from .mailchimp_mapping_policy import writable_field_error

_logger = logging.getLogger(__name__)

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
    required_policy = fields.Selection(
        [
            ("empty", "Leave it empty"),
            ("default", "Fill with the type's default"),
            ("skip", "Do not send the contact"),
        ],
        "Required fields without a value",
        default="empty",
        required=True,
        help="A merge field Mailchimp requires and the contact has no value for: "
        "left empty (Mailchimp's check is skipped, nothing is invented), filled "
        "with its type's default (0, today, the first choice, '-'), or the "
        "contact is not sent (reported in the log).",
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
            if self.push_batch_id:
                self._poll_push_batch(self.account_id._get_client(), log)
                return 0, False
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
        # members of deleted contacts or of contacts moved to another audience,
        # once Mailchimp got the un-tick policy
        self.env["mailchimp.member"].search(
            [
                ("audience_id", "=", self.id),
                ("need_sync", "=", False),
                "|",
                ("partner_id", "=", False),
                "&",
                ("partner_id.mailchimp_audience_id", "!=", False),
                ("partner_id.mailchimp_audience_id", "!=", self.id),
            ]
        ).unlink()
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
            if audience.push_batch_id:
                count += 1
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
        check_manager(self)
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
        check_manager(self)
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
        check_manager(self)
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
            elif mapping.field_name and not writable_field_error(
                self.env, mapping.field_name
            ):
                converted = self._field_value(
                    partner, mapping.field_name, value, mapping.merge_field_id
                )
                if converted is not None:
                    vals[mapping.field_name] = converted
        if partner.is_company:
            first = last = None  # a company's name is not a person's name
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

    def _field_value(self, partner, fname, value, merge_field=None):
        field = partner._fields[fname]
        if merge_field and merge_field.type in ("date", "birthday"):
            if field.type not in ("date", "datetime"):
                return None
            if not value:
                return False
            known = partner[fname] if partner else False
            parsed = parse_merge_date(
                value,
                merge_field.type,
                merge_field.date_format,
                known=fields.Date.to_date(known) if known else None,
            )
            return parsed if parsed is not None else None
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
