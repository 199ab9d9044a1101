"""The sync rules, each written once, for the pull, the webhooks and the
mapper (as ``google_calendar`` keeps its rules beside its sync mixin): plain
functions of the audience, reading no state of their own."""

from odoo.tools import SQL

# member statuses whose merge values never reach a contact: a pending member
# has not confirmed, an archived one has left
SILENT_STATUSES = ("pending", "archived")


def company_domain(audience):
    """Contacts the audience may link or reuse: its company's or shared."""
    return [("company_id", "in", [audience.company_id.id, False])]


def company_sql(audience):
    """:func:`company_domain` as an SQL condition on the partner ``p``."""
    return SQL("(p.company_id IS NULL OR p.company_id = %s)", audience.company_id.id)


def user_partner_ids(env, partner_ids):
    """Partners of users (active or not): Mailchimp never writes them."""
    partner_ids = [pid for pid in partner_ids if pid]
    if not partner_ids:
        return set()
    env.cr.execute(
        SQL("SELECT partner_id FROM res_users WHERE partner_id = ANY(%s)", partner_ids)
    )
    return {row[0] for row in env.cr.fetchall()}


def write_refusal(audience, partner, member_status=None, user_partners=None):
    """Why Mailchimp may not write ``partner`` for ``audience`` (``not_synced``,
    ``other_company``, ``user``, ``silent``), or None when it may.

    :param member_status: the member's status in Mailchimp, when the values
        come from a member (a pending or archived one writes nothing)
    :param user_partners: the users' partner ids, when read for a whole page
    """
    if not partner or not partner._mailchimp_ticked_for(audience):
        return "not_synced"
    if partner.company_id and partner.company_id != audience.company_id:
        return "other_company"
    if user_partners is None:
        user_partners = user_partner_ids(audience.env, [partner.id])
    if partner.id in user_partners:
        return "user"
    if member_status in SILENT_STATUSES:
        return "silent"
    return None


def mailchimp_wins(audience, odoo_changed_at, mailchimp_changed_at):
    """The conflict decision: whether Mailchimp's change is written to the
    contact (else Odoo's values are sent back). ``recent``: the later change
    wins, Mailchimp on a tie or when Odoo changed nothing."""
    policy = audience.conflict_policy
    if policy == "recent":
        return not odoo_changed_at or bool(
            mailchimp_changed_at and mailchimp_changed_at >= odoo_changed_at
        )
    return policy == "mailchimp"
