"""Capture the README's screenshots from a running ./scripts/run.sh.

pip install playwright   # the Python driver; the browser is Debian's chromium
python3 scripts/screenshots.py docs <partner id>
"""

import sys

from playwright.sync_api import sync_playwright

BASE = "http://localhost:8069"
OUT = sys.argv[1]
with sync_playwright() as p:
    browser = p.chromium.launch(
        executable_path="/usr/bin/chromium",
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    )
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(BASE + "/web/login")
    page.fill("input[name=login]", "admin")
    page.fill("input[name=password]", "admin")
    page.click("button[type=submit]")
    page.wait_for_url("**/odoo**")

    def shot(url, name, click=None):
        page.goto(BASE + url)
        page.wait_for_selector(
            ".o_action_manager .o_view_controller, .o_form_view, .o_list_view",
            timeout=20000,
        )
        page.wait_for_timeout(1500)
        if click:
            page.click(click)
            page.wait_for_timeout(1000)
        page.screenshot(path=f"{OUT}/{name}.png")

    shot("/odoo/action-mailchimp_sync.mailchimp_audience_action/1", "audience")
    shot("/odoo/settings#mailchimp_sync", "settings")
    pid = sys.argv[2]
    shot(f"/odoo/contacts/{pid}", "contact_tab", click="a[name=mailchimp]")
    shot("/odoo/action-mailchimp_sync.mailchimp_sync_log_action", "sync_logs")
    browser.close()
