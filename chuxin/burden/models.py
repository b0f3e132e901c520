"""The burden meter (M14, 力戒形式主义、官僚主义 / 为基层减负): every time a superior asks units below for
anything (a form, a report, a meeting, a data request) it goes through here as a request with the fields
asked, so the platform can show what each unit was asked to fill in, and which of those figures it already
computed from the ledger and the strands (never to be asked for again)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chuxin.campaigns.models import Campaign
from chuxin.orgs.models import Person, Unit


class RequestKind(models.TextChoices):
    FORM = "form", _("Form to fill in")
    REPORT = "report", _("Report to submit")
    MEETING = "meeting", _("Meeting to attend")
    DATA = "data", _("Data request")


class Request(models.Model):
    """What a superior unit asked of units below it."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    from_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("requesting unit")
    )
    asked_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("asked by")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    kind = models.CharField(_("kind of request"), max_length=10, choices=RequestKind.choices)
    title = models.CharField(_("request title"), max_length=200)
    note = models.TextField(_("request note"), blank=True)
    due_date = models.DateField(_("due by"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # copies, so the meter sums a unit's months without counting fields row by row
    recipients = models.PositiveIntegerField(default=0)
    fields_asked = models.PositiveIntegerField(default=0)
    fields_known = models.PositiveIntegerField(default=0)
    # Withdrawn by the asking unit's office: kept (it happened), but no longer counted as burden.
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdraw_reason = models.CharField(_("reason for withdrawing"), max_length=200, blank=True)

    class Meta:
        indexes = [
            # the requests a unit sent (its page and the redundant ones of a subtree, newest first)
            models.Index(fields=["from_unit", "campaign", "id"], name="burden_request_from"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class Receipt(models.Model):
    """One unit asked by one request."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="receipts")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    received_on = models.DateField()  # the request's date, copied: the meter's months
    # Marked answered by the unit asked (someone recording for it, below the asking unit).
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "unit"], name="burden_one_receipt_per_unit")
        ]
        # the meter of one unit: its receipts by month
        indexes = [models.Index(fields=["unit", "received_on"], name="burden_receipt_unit_month")]


class RequestField(models.Model):
    """One figure or item of information a request asks for; `known` names the platform's own figure
    when it already computes it (see known.py), "" when it does not."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="fields")
    order = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("field asked"), max_length=100)
    known = models.CharField(max_length=40, blank=True)
