from django.db import transaction

from chuxin.audit.events import AuditEvent
from chuxin.audit.log import record

from .models import Preference


def do_set_care_mode(on: bool, *, acting_user) -> Preference:
    """关怀版 on or off for this user, remembered across sessions and devices."""
    with transaction.atomic():
        pref, _created = Preference.objects.select_for_update().get_or_create(user=acting_user)
        before = {"care_mode": pref.care_mode}
        pref.care_mode = bool(on)
        pref.save()
        record(acting_user, AuditEvent.PREFERENCE_CARE_MODE, pref, before, {"care_mode": pref.care_mode})
    return pref
