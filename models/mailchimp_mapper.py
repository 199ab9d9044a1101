"""Mailchimp's merge values back to contact fields (the reverse mapping), under
the audience's conflict policy; values are compared as Odoo would send them."""

import logging

from odoo import fields, models

from ..services import parse_merge_date, split_name
from .mailchimp_mapping_policy import writable_field_error

_logger = logging.getLogger(__name__)


class MailchimpAudience(models.Model):
    _inherit = "mailchimp.audience"

    def _apply_merge_values(self, row, partner, remote, mappings, changed):
        """Write Mailchimp's merge values to the partner under the conflict policy.

        Values are compared as Odoo would send them (E.164 phones, address
        parts...), so a difference of format is not a change."""
        merge = remote.merge_fields
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
            row._mark_need_sync()

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
