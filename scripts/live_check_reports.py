"""Steps of the live contract check on campaigns and their reports: read
only. The throwaway audience has no campaign, so a sent campaign of another
audience of the account is read (the first found); an account without one
skips the report reads."""

from live_check_runner import Mismatch, Skipped

from services import RemoteCampaign, parse_activity_page, parse_campaign_page

MAX_AUDIENCES_SEARCHED = 10  # audiences looked through for a sent campaign


def _first_page(pages):
    return next(iter(pages), [])


def campaigns_of_throwaway(check):
    pages = list(check.client.iter_campaign_pages(check.ids["list_id"]))
    parsed = [parse_campaign_page(page) for page in pages]
    count = sum(len(p.items) for p in parsed)
    if count:
        raise Mismatch(f"{count} sent campaigns in a new audience")
    return "0 sent campaigns (a new audience)"


def find_sent_campaign(check):
    others = [a for a in check.ids.get("audiences", ()) if a != check.ids["list_id"]]
    for list_id in others[:MAX_AUDIENCES_SEARCHED]:
        page = _first_page(check.client.iter_campaign_pages(list_id))
        parsed = parse_campaign_page(page)
        if parsed.rejected:
            raise Mismatch(f"campaign rejected: {parsed.rejected[0][1]}")
        if parsed.items:
            campaign = parsed.items[0]
            check.ids["campaign"] = (campaign, page[0])
            return f"audience {list_id}: {len(page)} sent, campaign {campaign.id}"
    raise Skipped(
        f"no sent campaign in {min(len(others), MAX_AUDIENCES_SEARCHED)} "
        "other audience(s)"
    )


def read_report(check):
    campaign, raw = check.ids["campaign"]
    report = check.client.get_report(campaign.id)
    figures = RemoteCampaign.from_api(raw, report)
    return (
        f"{figures.emails_sent} sent, {figures.unique_opens} unique opens, "
        f"{figures.unique_clicks} unique clicks"
    )


def read_email_activity(check):
    campaign, _ = check.ids["campaign"]
    page = _first_page(check.client.iter_email_activity_pages(campaign.id))
    parsed = parse_activity_page(page)
    if parsed.rejected:
        raise Mismatch(f"row rejected: {parsed.rejected[0][1]}")
    return f"{len(parsed.items)} recipient(s) with activity on the first page"


def read_sent_to(check):
    campaign, _ = check.ids["campaign"]
    page = _first_page(check.client.iter_sent_to_pages(campaign.id))
    parsed = parse_activity_page(page)
    if parsed.rejected:
        raise Mismatch(f"row rejected: {parsed.rejected[0][1]}")
    return f"{len(parsed.items)} recipient(s) on the first page"
