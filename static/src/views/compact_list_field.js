/** @odoo-module **/
// A table inside a form without the blank rows Odoo 18 adds under a short
// list (ListRenderer.getEmptyRowIds pads every x2many list to 4 rows): the
// contact's Mailchimp tab shows as many rows as there are records.
import { registry } from "@web/core/registry";
import { ListRenderer } from "@web/views/list/list_renderer";
import { X2ManyField, x2ManyField } from "@web/views/fields/x2many/x2many_field";

export class CompactListRenderer extends ListRenderer {
    get getEmptyRowIds() {
        return [];
    }
}

export class CompactX2ManyField extends X2ManyField {
    static components = { ...X2ManyField.components, ListRenderer: CompactListRenderer };
}

registry.category("fields").add("mailchimp_compact_list", {
    ...x2ManyField,
    component: CompactX2ManyField,
});
