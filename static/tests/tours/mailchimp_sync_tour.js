/** @odoo-module **/
// The user's path, walked in a real browser by tests/test_tour.py with
// Mailchimp faked at the HTTP level.
import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

// Asks the test to capture the screen (scripts/screenshots.sh), then lets the
// capture finish before the next step.
function shot(name, trigger, scrollTo = null) {
    return {
        content: `Screenshot: ${name}`,
        trigger,
        run: async () => {
            if (scrollTo) {
                document.querySelector(scrollTo)?.scrollIntoView({ block: "center" });
            }
            console.log(`mailchimp_sync:screenshot:${name}`);
            await new Promise((resolve) => setTimeout(resolve, 800));
        },
    };
}

tours.add("mailchimp_sync_settings", {
    steps: () => [
        { content: "Settings → Mailchimp", trigger: ".settings_tab a[data-key=mailchimp_sync]", run: "click" },
        { content: "The Mailchimp settings", trigger: "h2:contains(Mailchimp account)" },
        shot("settings", "h2:contains(Mailchimp account)"),
        { content: "The connected account is named", trigger: "#mailchimp_connection .o_tag:contains(Test account)" },
        { content: "A way to connect another", trigger: "#mailchimp_connection button:contains(Connect an account)" },
        { content: "Open the accounts", trigger: "button:contains(Manage accounts)", run: "click" },
        { content: "The connected account", trigger: ".o_data_row td.o_data_cell:contains(Test account)", run: "click" },
        { content: "Test the connection", trigger: "button[name=action_test_connection]", run: "click" },
        { content: "Mailchimp answered", trigger: ".o_notification:contains(Connected)" },
    ],
});

tours.add("mailchimp_sync_mapping", {
    steps: () => [
        { content: "Open the audience", trigger: ".o_data_row td.o_data_cell:contains(Newsletter)", run: "click" },
        shot("audience", ".o_form_view .o_field_widget[name=conflict_policy]"),
        { content: "Map its fields", trigger: "button[name=action_open_mapping_wizard]", run: "click" },
        { content: "One line per merge field", trigger: ".modal .o_data_row:contains(FNAME)" },
        { content: "Preview the chosen contacts", trigger: ".modal button[name=action_preview]", run: "click" },
        { content: "What would be sent is shown", trigger: ".modal .o_field_widget[name=preview] table:contains(FNAME)" },
        shot("mapping_wizard", ".modal .o_field_widget[name=preview] table:contains(FNAME)", ".modal .o_field_widget[name=preview]"),
        { content: "Save the mapping", trigger: ".modal button[name=action_apply]", run: "click" },
        { content: "Back on the audience", trigger: "body:not(:has(.modal)) button[name=action_sync_now]" },
    ],
});

tours.add("mailchimp_sync_contact", {
    steps: () => [
        { content: "Open the Mailchimp tab", trigger: ".o_notebook a[name=mailchimp]", run: "click" },
        { content: "Not in Mailchimp yet", trigger: ".tab-pane:contains(not in Mailchimp yet)" },
        { content: "Tick Sync with Mailchimp", trigger: ".o_field_widget[name=mailchimp_sync] input", run: "click" },
        { content: "Save", trigger: ".o_form_button_save", run: "click" },
        { content: "Send it now", trigger: ".o_form_saved button[name=action_mailchimp_sync_now]", run: "click" },
        { content: "Sent", trigger: ".o_notification:contains(Sent to Mailchimp)" },
    ],
});

tours.add("mailchimp_sync_export", {
    steps: () => [
        { content: "Export the list", trigger: "button[name=action_export_to_mailchimp]", run: "click" },
        { content: "Choose the audience and tag", trigger: ".modal .o_field_widget[name=tag_name] input" },
        { content: "Export", trigger: ".modal button[name=action_export]", run: "click" },
        { content: "The statistics screen, in the main window", trigger: "body:not(:has(.modal)) .o_form_view:contains(Export statistics)" },
        { content: "Contacts added", trigger: ".o_form_view .o_field_widget[name=created]:contains(2)" },
        shot("export_statistics", ".o_form_view .o_field_widget[name=created]:contains(2)"),
        { content: "Open the contacts added", trigger: "div[name=figure_created] button", run: "click" },
        { content: "Under the figure's label", trigger: ".o_last_breadcrumb_item:contains(Added to Mailchimp)" },
        { content: "The statistics stay in the breadcrumb", trigger: ".breadcrumb-item:contains(List export)", run: "click" },
        { content: "Back on the statistics", trigger: ".o_form_view .o_field_widget[name=created]:contains(2)" },
    ],
});

tours.add("mailchimp_sync_logs", {
    steps: () => [
        { content: "Filter the logs with errors", trigger: ".o_searchview_input", run: "click" },
        shot("sync_logs", ".o_data_row td.o_data_cell:contains(List export)"),
        { content: "The sync logs", trigger: ".o_data_row td.o_data_cell:contains(List export)", run: "click" },
        { content: "A log", trigger: ".o_form_view:contains(Export statistics)" },
    ],
});

tours.add("mailchimp_sync_contact_tab", {
    steps: () => [
        { content: "Open the Mailchimp tab", trigger: ".o_notebook a[name=mailchimp]", run: "click" },
        { content: "The campaign history", trigger: ".tab-pane:contains(Autumn news)" },
        { content: "Under its own heading", trigger: ".o_horizontal_separator:contains(Campaign history) + div[name=mailchimp_history_ids]" },
        { content: "The sync's history under its own", trigger: ".o_horizontal_separator:contains(Sync history) + div[name=mailchimp_log_line_ids]" },
        { content: "Campaigns first", trigger: "div[name=mailchimp_history_ids] ~ .o_horizontal_separator:contains(Sync history)" },
        { content: "No blank rows under the campaigns", trigger: "div[name=mailchimp_history_ids] tbody:not(:has(tr:not(.o_data_row)))" },
        { content: "No blank rows under the sync's history", trigger: "div[name=mailchimp_log_line_ids] tbody:not(:has(tr:not(.o_data_row)))" },
        shot("contact_tab", ".tab-pane:contains(Autumn news)", "div[name=mailchimp_history_ids]"),
    ],
});

tours.add("mailchimp_sync_lifecycle", {
    steps: () => [
        { content: "Open the Mailchimp tab", trigger: ".o_notebook a[name=mailchimp]", run: "click" },
        { content: "Unsubscribed in Mailchimp", trigger: ".o_field_widget[name=mailchimp_status]:contains(Unsubscribed)" },
        { content: "The campaign history, before", trigger: ".tab-pane div[name=mailchimp_history_ids] .o_data_row:contains(Autumn news)" },
        { content: "Ask to subscribe again", trigger: "button:contains(Ask to subscribe again)", run: "click" },
        { content: "Say how the person asked", trigger: ".modal .o_field_widget[name=consent_source] input", run: "edit Phone call of 20 November" },
        shot("resubscribe", ".modal .o_field_widget[name=consent_source]"),
        { content: "Send the confirmation email", trigger: ".modal button[name=action_confirm]", run: "click" },
        { content: "Mailchimp sends it", trigger: ".o_notification:contains(Confirmation email requested)" },
        { content: "Pending since", trigger: ".o_field_widget[name=mailchimp_pending_since]" },
        { content: "How the person asked, kept", trigger: ".o_field_widget[name=mailchimp_resubscribe_source]:contains(Phone call of 20 November)" },
        { content: "Forget in Mailchimp", trigger: "button[name=action_mailchimp_forget]", run: "click" },
        { content: "Confirm", trigger: ".modal-footer .btn-primary", run: "click" },
        { content: "Erased in Odoo, Mailchimp told in the background", trigger: ".o_notification:contains(erased from Odoo's Mailchimp data)" },
        { content: "Back on the Mailchimp tab", trigger: ".o_notebook a[name=mailchimp]", run: "click" },
        { content: "The tab says what happened, once", trigger: ".tab-pane:contains(Erased from Mailchimp):not(:contains(not in Mailchimp yet))" },
        { content: "The campaign history is erased too", trigger: ".tab-pane:not(:has(div[name=mailchimp_history_ids]))" },
        { content: "The chatter logs the request", trigger: ".o-mail-Message:contains(Erased from Mailchimp)" },
    ],
});

tours.add("mailchimp_sync_segment", {
    steps: () => [
        { content: "The segment's filter", trigger: ".o_field_widget[name=domain]" },
        { content: "Three contacts match", trigger: ".o_field_widget[name=preview_count]:contains(3)" },
        { content: "Ten samples at most", trigger: ".o_field_widget[name=preview_partner_ids] .o_data_row:contains(vip0@example.com)" },
        shot("segment_editor", ".o_field_widget[name=preview_count]:contains(3)"),
    ],
});

tours.add("mailchimp_sync_groups", {
    steps: () => [
        { content: "The groups and tags tab", trigger: ".o_notebook a[name=groups]", run: "click" },
        { content: "The group is mapped to the contact tags", trigger: ".tab-pane .o_data_row:contains(Interests):contains(Tags)" },
        shot("groups", ".tab-pane .o_data_row:contains(Interests)"),
        { content: "Open the group", trigger: ".tab-pane .o_data_row:contains(Interests) td.o_data_cell", run: "click" },
        { content: "Group names and their Odoo values", trigger: ".modal .o_data_row:contains(Newsletter)" },
    ],
});

tours.add("mailchimp_sync_account", {
    steps: () => [
        { content: "The connected account", trigger: ".o_form_view .o_field_widget[name=state]:contains(Connected)" },
        { content: "Import its audiences", trigger: "button[name=action_import_audiences]", run: "click" },
        { content: "What was imported", trigger: ".o_notification:contains(Audiences imported from Mailchimp)" },
        { content: "The audiences", trigger: ".o_data_row td.o_data_cell:contains(Newsletter)" },
    ],
});

tours.add("mailchimp_sync_read_only", {
    steps: () => [
        { content: "Contacts → Mailchimp", trigger: ".o_menu_sections .dropdown-toggle:contains(Mailchimp)", run: "click" },
        { content: "Audiences", trigger: ".dropdown-item:contains(Audiences)", run: "click" },
        { content: "Nothing to create", trigger: ".o_list_view:not(:has(.o_list_button_add))" },
        { content: "Open the audience", trigger: ".o_data_row td.o_data_cell:contains(Newsletter)", run: "click" },
        { content: "No sync button for a reader", trigger: ".o_form_view:not(:has(button[name=action_sync_now]))" },
        { content: "Its sync rules, read only", trigger: ".o_form_view .o_field_widget[name=conflict_policy]" },
        { content: "Contacts → Mailchimp again", trigger: ".o_menu_sections .dropdown-toggle:contains(Mailchimp)", run: "click" },
        { content: "Sync logs", trigger: ".dropdown-item:contains(Sync Logs)", run: "click" },
        { content: "The run is listed", trigger: ".o_data_row td.o_data_cell:contains(Newsletter)" },
    ],
});

tours.add("mailchimp_sync_read_only_contact", {
    steps: () => [
        { content: "Open the Mailchimp tab", trigger: ".o_notebook a[name=mailchimp]", run: "click" },
        { content: "Its status in Mailchimp", trigger: ".o_field_widget[name=mailchimp_status]:contains(Subscribed)" },
        { content: "The box cannot be changed by a reader", trigger: ".o_field_widget[name=mailchimp_sync].o_readonly_modifier" },
        { content: "No Sync now for a reader", trigger: ".o_form_view:not(:has(button[name=action_mailchimp_sync_now]))" },
        { content: "No Refresh for a reader", trigger: ".o_form_view:not(:has(button[name=action_mailchimp_refresh]))" },
        { content: "No enrolment for a reader", trigger: ".o_form_view:not(:has(button[name=action_mailchimp_enable]))" },
    ],
});

// A Mailchimp manager who may not change contacts nor administer Odoo.
tours.add("mailchimp_sync_marketer_contact", {
    steps: () => [
        { content: "Open the Mailchimp tab", trigger: ".o_notebook a[name=mailchimp]", run: "click" },
        { content: "Sync this contact", trigger: "button[name=action_mailchimp_enable]", run: "click" },
        { content: "Enrolled", trigger: ".o_notification:contains(Mailchimp sync enabled)" },
        { content: "It can be stopped", trigger: "button[name=action_mailchimp_disable]" },
        { content: "Contacts → Mailchimp", trigger: ".o_menu_sections .dropdown-toggle:contains(Mailchimp)", run: "click" },
        { content: "Mailchimp settings", trigger: ".dropdown-item:contains(Mailchimp settings)", run: "click" },
        { content: "Every two hours", trigger: ".modal .o_field_widget[name=interval_number] input", run: "edit 2" },
        { content: "Save", trigger: ".modal button[name=action_save]", run: "click" },
        { content: "Saved", trigger: ".o_notification:contains(Mailchimp settings saved)" },
    ],
});

// A user without a Mailchimp role: the contact works, without Mailchimp.
tours.add("mailchimp_sync_plain_contact", {
    steps: () => [
        { content: "The contact", trigger: ".o_form_view .o_field_widget[name=name]" },
        { content: "No Mailchimp tab", trigger: ".o_form_view:not(:has(.o_notebook a[name=mailchimp]))" },
        { content: "Edit the job position", trigger: ".o_field_widget[name=function] input", run: "edit Buyer" },
        { content: "Save", trigger: ".o_form_button_save", run: "click" },
        { content: "Saved", trigger: ".o_form_saved" },
    ],
});

tours.add("mailchimp_sync_campaign", {
    steps: () => [
        { content: "The campaign", trigger: ".o_form_view .o_field_widget[name=title]:contains(Autumn)" },
        { content: "A new customer it won", trigger: ".o_form_view button[name=action_open_new_customers]" },
        shot("campaign_figures", ".o_form_view button[name=action_open_revenue]"),
    ],
});

// Settings → Mailchimp with no account connected: connect one from there.
tours.add("mailchimp_sync_connect", {
    steps: () => [
        { content: "Settings → Mailchimp", trigger: ".settings_tab a[data-key=mailchimp_sync]", run: "click" },
        { content: "Nothing connected yet", trigger: "#mailchimp_connection:contains(No Mailchimp account is connected yet)" },
        { content: "Connect an account", trigger: "#mailchimp_connection button:contains(Connect an account)", run: "click" },
        { content: "A new account: what to paste, and where from", trigger: ".o_form_view .alert-info:contains(No API key yet)" },
        { content: "The placeholder is no key", trigger: ".o_field_widget[name=api_key] input[placeholder*='API keys']" },
        { content: "Name it", trigger: ".o_field_widget[name=name] input", run: "edit Newsletter account" },
        { content: "Paste the key", trigger: ".o_field_widget[name=api_key] input", run: "edit 0123456789abcdef0123456789abcdef-us6" },
        { content: "Save", trigger: ".o_form_button_save", run: "click" },
        { content: "Test the connection", trigger: ".o_form_saved button[name=action_test_connection]", run: "click" },
        { content: "Connected", trigger: ".o_notification:contains(Connected)" },
    ],
});

// The audience list's two buttons: a new audience in Mailchimp (country and
// language chosen as in Odoo), its mapping saved, then the import.
tours.add("mailchimp_sync_audience_list", {
    steps: () => [
        { content: "The audiences", trigger: ".o_data_row td.o_data_cell:contains(Newsletter)" },
        shot("audience_list", ".o_control_panel button[name=action_import_from_mailchimp]"),
        { content: "Create (in Mailchimp)", trigger: ".o_control_panel button[name=action_create_in_mailchimp]", run: "click" },
        { content: "Name the audience", trigger: ".modal .o_field_widget[name=name] input", run: "edit Customers" },
        { content: "The country, as in Odoo", trigger: ".modal .o_field_widget[name=country_id] input", run: "edit Belgium" },
        { content: "Pick it", trigger: ".dropdown-item:contains(Belgium)", run: "click" },
        { content: "The language, as in Odoo", trigger: ".modal .o_field_widget[name=lang_id] input" },
        { content: "Create it", trigger: ".modal button[name=action_create]", run: "click" },
        { content: "Then map its fields", trigger: ".modal .o_data_row:contains(FNAME)" },
        { content: "Save the mapping", trigger: ".modal button[name=action_apply]", run: "click" },
        { content: "Saved, and said", trigger: ".o_notification:contains(“Customers”)" },
        { content: "Import (from Mailchimp)", trigger: "body:not(:has(.modal)) .o_control_panel button[name=action_import_from_mailchimp]", run: "click" },
        { content: "What was imported", trigger: ".o_notification:contains(Audiences imported from Mailchimp)" },
        { content: "Both audiences", trigger: ".o_data_row td.o_data_cell:contains(Customers)" },
    ],
});

// A contact ticked before any default audience exists: the tab says so, the
// manager sets the default audience (only real ones are offered), the
// contact takes it.
tours.add("mailchimp_sync_ticked_without_audience", {
    steps: () => [
        { content: "Open the Mailchimp tab", trigger: ".o_notebook a[name=mailchimp]", run: "click" },
        { content: "Ticked, but no audience", trigger: ".tab-pane .alert-warning:contains(has no audience)" },
        { content: "Contacts → Mailchimp", trigger: ".o_menu_sections .dropdown-toggle:contains(Mailchimp)", run: "click" },
        { content: "Mailchimp settings", trigger: ".dropdown-item:contains(Mailchimp settings)", run: "click" },
        { content: "Look for an audience", trigger: ".modal .o_field_widget[name=audience_id] input", run: "edit e" },
        { content: "Newsletter is offered, the demo audience is not", trigger: ".o-autocomplete--dropdown-menu:has(.dropdown-item:contains(Newsletter)):not(:has(.dropdown-item:contains(Demo audience)))" },
        { content: "Choose Newsletter", trigger: ".o-autocomplete--dropdown-menu .dropdown-item:contains(Newsletter)", run: "click" },
        { content: "Save", trigger: ".modal button[name=action_save]", run: "click" },
        { content: "Saved", trigger: ".o_notification:contains(Mailchimp settings saved)" },
        { content: "Back on the contact's tab", trigger: "body:not(:has(.modal)) .o_notebook a[name=mailchimp]", run: "click" },
        { content: "It now goes to the default audience", trigger: ".tab-pane .alert-info:contains(sends it to the audience Newsletter)" },
    ],
});

// Campaigns are read now, from their list, by a Mailchimp manager.
tours.add("mailchimp_sync_read_campaigns", {
    steps: () => [
        { content: "Contacts → Mailchimp", trigger: ".o_menu_sections .dropdown-toggle:contains(Mailchimp)", run: "click" },
        { content: "Campaigns", trigger: ".dropdown-item:contains(Campaigns)", run: "click" },
        { content: "Read campaigns now", trigger: ".o_control_panel button[name=action_read_campaigns_now]", run: "click" },
        { content: "Read, and said", trigger: ".o_notification:contains(Campaigns in Odoo: 1.)" },
        { content: "The campaign is listed", trigger: ".o_data_row:contains(Autumn newsletter):contains(Sent)" },
    ],
});
