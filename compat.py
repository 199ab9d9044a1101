"""What differs between Odoo 18.0 and Odoo 19.0, in one place.

The addon runs on both series from the same files; every difference between
them that the addon meets is answered here, by the series that imported it
(``odoo.release``), never by ``if version`` elsewhere:

* SQL constraints: ``_sql_constraints`` (18) became ``models.Constraint``
  attributes (19, which ignores the list). :class:`Constraint` is written the
  19 way on both; on 18 it fills ``_sql_constraints``. The database names are
  the same on both (``<table>_<attribute without its underscore>``).
* Domains: ``odoo.osv.expression`` (18) became ``odoo.fields.Domain`` (19):
  :func:`domain_and`, :func:`domain_or`.
* Scheduled actions: ``ir.cron._notify_progress`` (18) became
  ``_commit_progress`` (19): :func:`cron_progress`.
* ``@api.constrains`` methods run as superuser on 19: :func:`as_acting_user`.
* Field names: ``groups_id`` of actions and users became ``group_ids``,
  ``res.groups.users`` became ``user_ids``, ``res.partner.mobile`` is gone on
  19 (:data:`GROUPS`, :data:`GROUP_USERS`, :data:`PARTNER_PHONE_FIELDS`); the
  web client's menus moved and the PostgreSQL application name's variable
  was renamed (:data:`LOAD_MENUS_URL`, :data:`PGAPPNAME_VARIABLE`, for the
  tests).
* Data the two series do not accept in the same XML (the groups' application
  category, which 19 reaches through ``res.groups.privilege``; the groups of
  actions; the settings action's ``inline`` target, gone in 19) is written by
  :func:`apply_series_data`, called by ``data/mailchimp_series_data.xml`` at
  every install and upgrade (``models/res_groups.py`` names the records).
"""

from odoo import models, release

SERIES = release.series
ODOO_MAJOR = release.version_info[0]
ODOO_19 = ODOO_MAJOR >= 19

# field names that differ
GROUPS = "group_ids" if ODOO_19 else "groups_id"  # of actions and users
GROUP_USERS = "user_ids" if ODOO_19 else "users"  # of res.groups
# contact fields a phone merge field may hold (19 has no separate mobile)
PARTNER_PHONE_FIELDS = ("phone",) if ODOO_19 else ("phone", "mobile")
# the environment variable that names a process's PostgreSQL application
PGAPPNAME_VARIABLE = "PGAPPNAME" if ODOO_19 else "ODOO_PGAPPNAME"
# the web client's menus (18 needs a cache-busting path segment)
LOAD_MENUS_URL = "/web/webclient/load_menus" + ("" if ODOO_19 else "/1")


class _Constraint18:
    """A SQL constraint declared the Odoo 19 way, kept by Odoo 18: the
    attribute ``_name = Constraint(definition, message)`` becomes the entry
    ``(name, definition, message)`` of the class's ``_sql_constraints``."""

    def __init__(self, definition, message=""):
        self.definition = definition
        self.message = message

    def __set_name__(self, owner, name):
        assert name.startswith("_"), "a constraint's attribute starts with '_'"
        if "_sql_constraints" not in vars(owner):
            owner._sql_constraints = []
        owner._sql_constraints.append((name[1:], self.definition, self.message))


Constraint = models.Constraint if ODOO_19 else _Constraint18


def domain_and(domains):
    """The conjunction of ``domains``, as a list both series search with."""
    if ODOO_19:
        from odoo.fields import Domain

        return list(Domain.AND(domains))
    from odoo.osv import expression

    return expression.AND(domains)


def domain_or(domains):
    """The disjunction of ``domains``, as a list both series search with."""
    if ODOO_19:
        from odoo.fields import Domain

        return list(Domain.OR(domains))
    from odoo.osv import expression

    return expression.OR(domains)


def cron_progress(env, done, remaining):
    """Tell the scheduler how much a scheduled call did and how much is left
    (it calls again while some is). On 19 this commits: only inside a
    scheduled run, whose work is committed at this point anyway."""
    if not ODOO_19:
        env["ir.cron"]._notify_progress(done=done, remaining=remaining)
    elif env.context.get("ir_cron_progress_id"):
        env["ir.cron"]._commit_progress(done, remaining=remaining)


def as_acting_user(records):
    """``records`` as the user who made the change, without superuser rights:
    19 runs ``@api.constrains`` methods as superuser, 18 as that user."""
    return records.sudo(False)


def apply_series_data(env, groups, category, group_users, action_groups, inline):
    """The data the two series spell differently, written for this one.

    ``groups``: xml ids of the addon's groups, put in the application
    ``category`` (an ``ir.module.category`` xml id; 19 through a privilege of
    the same name). ``group_users``: {group xml id: user xml ids} (users the
    group is given to). ``action_groups``: {action xml id: group xml id} (the
    groups that see the action). ``inline``: settings actions opened inline
    on 18 (19 has no such target and opens them in the main window).
    """
    ref = env.ref
    category = ref(category)
    if ODOO_19:
        privilege = _privilege(env, category)
        for xmlid in groups:
            ref(xmlid).privilege_id = privilege
    else:
        for xmlid in groups:
            ref(xmlid).category_id = category
    for group, users in group_users.items():
        links = [(4, ref(user).id) for user in users]
        ref(group).write({GROUP_USERS: links})
    for action, group in action_groups.items():
        ref(action).write({GROUPS: [(4, ref(group).id)]})
    if not ODOO_19:
        for action in inline:
            ref(action).target = "inline"


def _privilege(env, category):
    """The addon's ``res.groups.privilege`` (19), in ``category``, owned by
    the addon (removed with it)."""
    module, name = category.get_external_id()[category.id].split(".")
    xmlid = f"{module}.privilege_{name.removeprefix('module_category_')}"
    privilege = env.ref(xmlid, raise_if_not_found=False)
    values = {
        "name": category.name,
        "category_id": category.id,
        "sequence": category.sequence,
    }
    if privilege:
        privilege.write(values)
        return privilege
    return env["res.groups.privilege"]._load_records(
        [{"xml_id": xmlid, "values": values, "noupdate": False}]
    )
