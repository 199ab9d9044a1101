"""Pure-Python service layer: the Mailchimp API wrapper and payload rules.

It imports no Odoo module, so its tests run without Odoo.
"""

from . import oauth, parallel
from .account import RemoteAccount, RemoteAudience, RemotePermission
from .campaigns import (
    RemoteActivity,
    RemoteCampaign,
    RemoteEvent,
    parse_activity_feed,
    parse_activity_page,
    parse_campaign_page,
)
from .checks import InvalidItem
from .client import PAGE_SIZE, PERMANENT_TITLES, MailchimpClient
from .errors import (
    MailchimpError,
    MalformedResponse,
    ResultsRefused,
)
from .helpers import BATCH_SIZE, chunks, data_center_from_key, subscriber_hash
from .payload import (
    REQUIRED_DEFAULT,
    REQUIRED_EMPTY,
    REQUIRED_MISSING,
    REQUIRED_SKIP,
    Skip,
    build_merge_fields,
    convert_value,
    parse_merge_date,
    format_phone,
    member_status,
    required_default,
    split_name,
)
from .interests import RemoteCategory, RemoteInterest
from .merge_fields import RemoteMergeField
from .segments import RemoteSegment, SegmentAnswer, find_segment, parse_segments
from .upsert import UpsertAnswer, is_permanent_reason, refusal_text
from .remote import (
    GONE_STATUSES,
    MEMBER_STATUSES,
    UNSUBSCRIBED_OR_CLEANED,
    MemberPage,
    RemoteMember,
    email_and_status,
    parse_member_page,
    parse_time,
)
