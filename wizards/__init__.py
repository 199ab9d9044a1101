from . import mailchimp_contacts_wizard_mixin
from . import mailchimp_audience_create_wizard
from . import mailchimp_field_mapping_wizard
from . import mailchimp_field_mapping_wizard_line
from . import mailchimp_field_mapping_preview
from . import mailchimp_list_export_wizard
from . import mailchimp_resubscribe_wizard
from . import mailchimp_change_audience_wizard
