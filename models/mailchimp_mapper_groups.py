"""Groups (interests) and mapped tags in the two-way mapper: which group
names a contact belongs to, from its mapped field, and back; which mapped
Mailchimp tags give it a contact tag. Only the group names Odoo maps are ever
sent: Mailchimp keeps the others as they are."""

from odoo import fields

from .mailchimp_interest import group_field_error
from .mailchimp_mapper import LEFT_OUT


class GroupMapper:
    """The mapped groups of one audience in one direction, read once per
    batch: ``[(field name, field type, [(interest id, Odoo value)])]``."""

    def __init__(self, audience, direction):
        self.env = audience.env
        self.specs = []
        categories = audience.interest_category_ids.filtered(
            lambda c: c.field_id
            and c.direction != LEFT_OUT[direction]
            # checked again when run: the cron reads and writes as superuser
            and not group_field_error(self.env, c.field_id, c.direction, as_user=False)
        )
        partner_fields = self.env["res.partner"]._fields
        for category in categories:
            field = partner_fields.get(category.field_id.name)
            values = [
                (i.mailchimp_id, i.value_ref)
                for i in category.interest_ids
                if i.value_ref
            ]
            if field is not None and values:
                self.specs.append((field.name, field.type, values))
        # Mailchimp tag name -> contact tag id, read back when mapped so
        self.tag_specs = [
            (m.name, m.category_id.id)
            for m in audience.tag_mapping_ids
            if m.direction != LEFT_OUT[direction]
        ]

        self.held_tags = set()  # tags whose removals the brake holds

    def __bool__(self):
        return bool(self.specs or self.tag_specs)

    def brake_tag_removals(self, pairs, share, minimum):
        """Before a page is applied: a mapped tag gone from many of its
        contacts at once (deleted or renamed in Mailchimp) removes no contact
        tag. ``pairs``: ``[(remote, partner)]``. Returns ``{tag: count}``
        held."""
        held = {}
        for name, category_id in self.tag_specs:
            gone = sum(
                1
                for remote, partner in pairs
                if remote.tags_known
                and name not in remote.tag_names
                and category_id in partner.category_id.ids
            )
            if gone > minimum and gone > share * len(pairs):
                held[name] = gone
                self.held_tags.add(name)
        return held

    @staticmethod
    def _holds(partner, fname, ftype, value):
        current = partner[fname]
        if ftype == "selection":
            return (current or "") == value
        return value.isdigit() and int(value) in current.ids

    def to_mailchimp(self, partner):
        """``{interest id: bool}`` for the group names Odoo maps."""
        return {
            interest_id: self._holds(partner, fname, ftype, value)
            for fname, ftype, values in self.specs
            for interest_id, value in values
        }

    def to_odoo(self, remote, partner):
        """Contact values from the member's groups: only what differs, and
        only for group names Mailchimp stated (never a guess)."""
        vals = {}
        for fname, ftype, values in self.specs:
            stated = [
                (value, remote.interests[iid])
                for iid, value in values
                if iid in remote.interests
            ]
            if not stated:
                continue
            if ftype == "many2many":
                commands = [
                    fields.Command.link(int(v)) if on else fields.Command.unlink(int(v))
                    for v, on in stated
                    if v.isdigit()
                    and on != self._holds(partner, fname, ftype, v)
                    and (on or partner)
                ]
                if commands:
                    vals[fname] = commands
                continue
            chosen = next((v for v, on in stated if on), None)
            if chosen is None or self._holds(partner, fname, ftype, chosen):
                continue
            if ftype == "selection":
                vals[fname] = chosen
            elif chosen.isdigit():
                vals[fname] = int(chosen)
        tags = self._tag_commands(remote, partner)
        if tags:
            vals.setdefault("category_id", []).extend(tags)
        return vals

    def _tag_commands(self, remote, partner):
        """Contact tags from mapped Mailchimp tags, when the answer listed
        the member's tags (a webhook does not)."""
        if not self.tag_specs or not remote.tags_known:
            return []
        names, held = remote.tag_names, set(partner.category_id.ids)
        commands = []
        for name, category_id in self.tag_specs:
            if name in names and category_id not in held:
                commands.append(fields.Command.link(category_id))
            elif (
                name not in names and category_id in held and name not in self.held_tags
            ):
                commands.append(fields.Command.unlink(category_id))
        return commands
