from django.apps import AppConfig


class BurdenConfig(AppConfig):
    name = "chuxin.burden"
    label = "burden"
    verbose_name = "基层负担"

    def ready(self):
        from chuxin.rollups import tallies

        from .models import Receipt, RequestField

        # per subtree and campaign: requests received, fields asked, and fields the platform already knew
        tallies.declare("burden.requests", lambda: Receipt.objects.all(), campaign="request__campaign")
        tallies.declare(
            "burden.fields",
            lambda: RequestField.objects.all(),
            unit="request__receipts__unit",
            campaign="request__campaign",
        )
        tallies.declare(
            "burden.known",
            lambda: RequestField.objects.exclude(known=""),
            unit="request__receipts__unit",
            campaign="request__campaign",
        )
