from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize

from ..models.mailchimp_access import check_manager
from ..services import MailchimpError

# Mailchimp's language codes are the language's two letters ("en", "fr"),
# with a few regional ones: api-notes section 7 ("a Mailchimp language code
# such as en, fr, es_ES, pt_PT"; the full list is not documented). Odoo's
# language is sent as the code Mailchimp documents for it, else its two
# letters.
REGIONAL_LANGUAGES = ("es_ES", "pt_PT")


def mailchimp_language(odoo_code):
    """Mailchimp's code for an Odoo language code (``fr_BE`` → ``fr``)."""
    if odoo_code in REGIONAL_LANGUAGES:
        return odoo_code
    return (odoo_code or "en").split("_")[0].split("@")[0]


class MailchimpAudienceCreateWizard(models.TransientModel):
    _name = "mailchimp.audience.create.wizard"
    _description = "Create a Mailchimp audience"

    account_id = fields.Many2one(
        "mailchimp.account",
        required=True,
        domain="[('state', '=', 'connected')]",
        default=lambda self: self._default_account(),
    )
    name = fields.Char("Audience name", required=True)
    company = fields.Char(required=True)
    address1 = fields.Char("Address", required=True)
    address2 = fields.Char("Address (2)")
    city = fields.Char(required=True)
    country_id = fields.Many2one("res.country", required=True)
    state_id = fields.Many2one(
        "res.country.state", domain="[('country_id', '=?', country_id)]"
    )
    zip = fields.Char()
    phone = fields.Char()
    permission_reminder = fields.Text(required=True)
    from_name = fields.Char(required=True)
    from_email = fields.Char(required=True)
    subject = fields.Char("Default subject")
    lang_id = fields.Many2one(
        "res.lang",
        "Language",
        required=True,
        domain="[('active', '=', True)]",
        help="The language of the audience's sign-up forms and emails in Mailchimp.",
    )
    email_type_option = fields.Boolean(
        "Let subscribers pick HTML or plain text", default=False
    )
    double_optin = fields.Boolean("Double opt-in")

    @api.model
    def _default_account(self):
        param = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("mailchimp_sync.default_account_id")
        )
        account = self.env["mailchimp.account"].browse(int(param or 0)).exists()
        return account or self.env["mailchimp.account"].search(
            [("state", "=", "connected")], limit=1
        )

    @api.model
    def default_get(self, fields_list):
        vals = super().default_get(fields_list)
        company = self.env.company
        vals.update(
            {
                "name": company.name,
                "company": company.name,
                "address1": company.street,
                "address2": company.street2,
                "city": company.city,
                "state_id": company.state_id.id,
                "zip": company.zip,
                "country_id": company.country_id.id,
                "phone": company.phone,
                "from_name": company.name,
                "from_email": company.email,
                "lang_id": self.env["res.lang"]._lang_get(self.env.lang or "en_US").id,
                "permission_reminder": self.env._(
                    "You are receiving this email because you are a customer of "
                    "%s or signed up on our website.",
                    company.name,
                ),
            }
        )
        return {k: v for k, v in vals.items() if k in fields_list or not fields_list}

    def _check_values(self):
        missing = [
            field._description_string(self.env)
            for name, field in self._fields.items()
            if field.required and not self[name]
        ]
        problems = []
        if missing:
            problems.append(self.env._("Missing: %s.", ", ".join(missing)))
        if self.from_email and not email_normalize(self.from_email):
            problems.append(
                self.env._("“%s” is not a valid email address.", self.from_email)
            )
        if problems:
            raise UserError("\n".join(problems))

    def _payload(self):
        return {
            "name": self.name,
            "contact": {
                "company": self.company,
                "address1": self.address1,
                "address2": self.address2 or "",
                "city": self.city,
                # two-letter ISO 3166 code (api-notes section 4); the
                # state as Mailchimp's own example writes it ("GA")
                "state": self.state_id.code or "",
                "zip": self.zip or "",
                "country": self.country_id.code,
                "phone": self.phone or "",
            },
            "permission_reminder": self.permission_reminder,
            "campaign_defaults": {
                "from_name": self.from_name,
                "from_email": email_normalize(self.from_email),
                "subject": self.subject or "",
                "language": mailchimp_language(self.lang_id.code),
            },
            "email_type_option": self.email_type_option,
            "double_optin": self.double_optin,
        }

    def action_create(self):
        """Create the audience in Mailchimp, then in Odoo, then map its fields."""
        self.ensure_one()
        check_manager(self.account_id, "read")
        self._check_values()
        self.account_id._check_connected()
        try:
            remote = self.account_id._get_client().create_list(self._payload())
        except MailchimpError as error:
            # the dialog keeps what was typed; Mailchimp's field errors are listed
            raise UserError(
                self.env._("Mailchimp refused the audience: %s", error)
            ) from None
        # Mailchimp's new audience, stored by the code after the check
        audience = (
            self.env["mailchimp.audience"]
            .sudo()
            ._import_from_remote(self.account_id, [remote])
            .with_env(self.env)
        )
        return audience.action_open_mapping_wizard()
