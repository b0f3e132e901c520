from django.apps import AppConfig


class BurdenConfig(AppConfig):
    name = "chuxin.burden"
    label = "burden"
    verbose_name = "基层负担"

    def ready(self):
        from chuxin.rollups import tallies

        from .models import Receipt, RequestField

        # per subtree and campaign: requests received, fields asked, fields the platform already knew, and
        # requests answered. A withdrawn request counts in none of them: it is no burden (actions.py).
        live = {"request__withdrawn_at__isnull": True}
        tallies.declare(
            "burden.requests", lambda: Receipt.objects.filter(**live), campaign="request__campaign"
        )
        tallies.declare(
            "burden.answered",
            lambda: Receipt.objects.filter(answered_at__isnull=False, **live),
            campaign="request__campaign",
        )
        tallies.declare(
            "burden.fields",
            lambda: RequestField.objects.filter(**live),
            unit="request__receipts__unit",
            campaign="request__campaign",
        )
        tallies.declare(
            "burden.known",
            lambda: RequestField.objects.filter(**live).exclude(known=""),
            unit="request__receipts__unit",
            campaign="request__campaign",
        )
