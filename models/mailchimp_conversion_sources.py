"""Where "became a customer" is read from: whatever is installed, without
hard dependencies. Each source is a model (used only when it is in the
registry at run time) and the SQL of its conversion records: the commercial
entity of the contact, when it happened, and (for orders and invoices) the
untaxed amount in the company's currency.

A date without a time (an invoice date) counts at the end of its day, so a
click on the day of the invoice comes before it."""

from dataclasses import dataclass

from odoo.tools import SQL

# Revenue is read from orders first, else from invoices: an invoice usually
# comes from an order, and counting both would count the sale twice.
PRIORITY_ORDER = 1
PRIORITY_INVOICE = 2
PRIORITY_OPPORTUNITY = 3
END_OF_DAY = "INTERVAL '1 day' - INTERVAL '1 second'"


@dataclass(frozen=True)
class ConversionSource:
    """One kind of conversion record (constant SQL snippets, never user
    input). ``alias`` names the source table in the snippets."""

    model: str
    table: str
    alias: str
    at: str  # the moment of the conversion (a timestamp expression)
    amount: str  # untaxed amount in company currency, or NULL
    where: str  # what makes a record a conversion
    priority: int
    joins: str = ""

    def available(self, env):
        return self.model in env

    def flush(self, env):
        env[self.model].flush_model()

    def select(self, company_id, partner_ids):
        """The conversion records of the commercial entities ``partner_ids``
        in the company (or without company): ``cp, at, model, priority,
        res_id, amount``."""
        alias = SQL.identifier(self.alias)
        return SQL(
            """SELECT rp.commercial_partner_id AS cp, %(at)s AS at,
                      %(model)s AS model, %(priority)s AS priority,
                      %(alias)s.id AS res_id, %(amount)s::numeric AS amount
                 FROM %(table)s %(alias)s %(joins)s
                 JOIN res_partner rp ON rp.id = %(alias)s.partner_id
                WHERE %(where)s
                  AND rp.commercial_partner_id = ANY(%(partners)s)
                  AND (%(company)s IS NULL OR %(alias)s.company_id IS NULL
                       OR %(alias)s.company_id = %(company)s)""",
            at=SQL(self.at),
            model=self.model,
            priority=self.priority,
            alias=alias,
            amount=SQL(self.amount),
            table=SQL.identifier(self.table),
            joins=SQL(self.joins),
            where=SQL(self.where),
            partners=partner_ids,
            company=company_id,
        )


SALE_ORDER = ConversionSource(
    model="sale.order",
    table="sale_order",
    alias="so",
    at="so.date_order",
    # sale's own reporting: the order's currency back to the company's
    amount="so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1.0)",
    where="so.state IN ('sale', 'done')",
    priority=PRIORITY_ORDER,
)
CUSTOMER_INVOICE = ConversionSource(
    model="account.move",
    table="account_move",
    alias="am",
    at=f"am.invoice_date + {END_OF_DAY}",
    amount="am.amount_untaxed_signed",
    where="am.move_type = 'out_invoice' AND am.state = 'posted' "
    "AND am.invoice_date IS NOT NULL",
    priority=PRIORITY_INVOICE,
)
WON_OPPORTUNITY = ConversionSource(
    model="crm.lead",
    table="crm_lead",
    alias="cl",
    at="cl.date_closed",
    amount="NULL",
    joins="JOIN crm_stage cs ON cs.id = cl.stage_id",
    where="cl.active AND cs.is_won AND cl.date_closed IS NOT NULL",
    priority=PRIORITY_OPPORTUNITY,
)
CONVERSION_SOURCES = (SALE_ORDER, CUSTOMER_INVOICE, WON_OPPORTUNITY)
