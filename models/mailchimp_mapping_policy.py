"""What a field mapping may read from contacts (and write back to them).

A mapping is configured by a manager and executed by the cron as superuser,
so it is checked when saved (as the saving user) and again when run: only
stored contact data, no restricted field, nothing inside Mailchimp's own
configuration, users, companies, bank accounts or technical models, and
nothing that looks like a secret.
"""

FORBIDDEN_MODELS = frozenset(
    {"res.users", "res.partner.bank", "res.company", "res.groups"}
)
FORBIDDEN_PREFIXES = ("mailchimp.", "ir.", "base.", "bus.", "mail.", "auth.", "iap.")
SECRET_WORDS = ("password", "token", "secret", "api_key", "signature", "totp", "oauth")
# many2one values Mailchimp may set on a contact (matched by name)
WRITABLE_COMODELS = frozenset(
    {"res.country", "res.country.state", "res.partner.title", "res.partner.industry"}
)


def _forbidden_model(name):
    return name in FORBIDDEN_MODELS or name.startswith(FORBIDDEN_PREFIXES)


def path_fields(env, path):
    """``(model, name, field)`` along ``path`` (``a.b.c``) from contacts; the
    last field is None when a name is no field of its model."""
    model = env["res.partner"]
    for part in path.split("."):
        field = model._fields.get(part)
        yield model, part, field
        if field is None:
            return
        if field.relational:
            model = env[field.comodel_name]


def mapping_path_error(env, path, as_user=True):
    """Why ``path`` (a contact field or ``a.b.c``) may not be mapped, or None.

    :param as_user: also require that ``env.user`` may read every model on
        the way (at save time; the cron runs as superuser)."""
    if not path:
        return None
    for model, part, field in path_fields(env, path):
        if field is None:
            return env._("“%s” is not a field of contacts.", path)
        if not field.store or field.groups:
            return env._("“%s” is not stored contact data anyone may read.", path)
        if any(word in part.lower() for word in SECRET_WORDS):
            return env._("“%s” looks like a secret: it is never sent.", path)
        if as_user and not model.has_access("read"):
            return env._("You may not read “%s”.", path)
        # contacts are allowed; each model reached is checked
        if field.relational and _forbidden_model(field.comodel_name):
            return env._(
                "“%(path)s” reads %(model)s, which is never sent.",
                path=path,
                model=field.comodel_name,
            )
    return None


def writable_field_error(env, fname):
    """Why Mailchimp's value may not be written to contact field ``fname``."""
    field = env["res.partner"]._fields.get(fname)
    if field is None or "." in fname:
        return "not a contact field"
    error = mapping_path_error(env, fname, as_user=False)
    if error:
        return error
    if field.readonly or field.related or (field.compute and not field.inverse):
        return "a computed or read-only field"
    if field.type == "many2one" and field.comodel_name not in WRITABLE_COMODELS:
        return "a link Mailchimp may not change"
    if field.type in ("one2many", "many2many"):
        return "a list Mailchimp may not change"
    return None
