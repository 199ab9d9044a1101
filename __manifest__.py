{
    "name": "Mailchimp Sync",
    "summary": "Two-way contact sync with Mailchimp audiences: batch push, incremental "
    "pull, mailing lists as tags, campaign history on contacts",
    "version": "18.0.1.0.0",
    "category": "Marketing/Email Marketing",
    "website": "https://github.com/mailchimp-sync/mailchimp_sync",
    "author": "Mailchimp Sync contributors",
    "maintainers": ["mailchimp-sync"],
    "license": "LGPL-3",
    "development_status": "Beta",
    "application": False,
    "depends": ["contacts", "mass_mailing", "phone_validation"],
    "external_dependencies": {"python": ["mailchimp-marketing", "phonenumbers"]},
    "data": [
        "security/mailchimp_security.xml",
        "security/ir.model.access.csv",
    ],
    "demo": [],
    "installable": True,
}
