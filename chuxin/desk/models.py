"""Per-user settings of the page shell."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Preference(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference")
    care_mode = models.BooleanField(_("large-text mode"), default=False)

    class Meta:
        verbose_name = _("preference")

    def __str__(self) -> str:
        return f"{self.user_id}: care_mode={self.care_mode}"
