"""Small pure helpers of the service layer."""

import hashlib
import re

BATCH_SIZE = 500  # Mailchimp's maximum for batch subscribe and segment add/remove
DC_RE = re.compile(r"^[a-z]{2,}[0-9]+$")


def subscriber_hash(email):
    """Mailchimp's member id: the MD5 of the lower-cased address."""
    return hashlib.md5((email or "").strip().lower().encode()).hexdigest()


def data_center_from_key(api_key):
    """``<32 hex>-us6`` -> ``us6``; ``None`` when the key has no valid suffix."""
    if not api_key or "-" not in api_key:
        return None
    dc = api_key.rsplit("-", 1)[1].strip().lower()
    return dc if DC_RE.match(dc) else None


def chunks(items, size=BATCH_SIZE):
    """Split a sequence into lists of at most ``size`` items."""
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]
