from . import test_account
from . import test_sync
from . import test_cron
from . import test_campaigns
from . import test_wizards
from . import test_export
from . import test_webhooks
from . import test_gdpr
