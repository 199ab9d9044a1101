from . import test_account
from . import test_sync
