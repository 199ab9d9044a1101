"""A view as the web client gets it, and what it shows for a record: its
``invisible`` and ``decoration-*`` expressions evaluated on the record."""

from lxml import etree

from odoo.tools.safe_eval import safe_eval


def arch_of(model, view_type="form"):
    views = model.get_views([(False, view_type)])["views"]
    return etree.fromstring(views[view_type]["arch"])


def values_of(record, expression):
    """The record's values of the field names in ``expression``."""
    names = {n for n in record._fields if n in expression}
    return {name: record[name] for name in names}


def shown(node, record):
    """Whether ``node`` (and each element holding it) is visible for ``record``."""
    while node is not None:
        expression = node.get("invisible")
        if expression and safe_eval(expression, values_of(record, expression)):
            return False
        node = node.getparent()
    return True


def decorations(list_arch, record):
    return {
        key.removeprefix("decoration-")
        for key, expression in list_arch.attrib.items()
        if key.startswith("decoration-")
        and safe_eval(expression, values_of(record, expression))
    }
