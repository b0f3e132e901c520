from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "chuxin.problems"
    label = "problems"

    def ready(self):
        from chuxin.orgs.actions import unit_moved

        def on_unit_moved(sender, unit, **kwargs):
            from .models import resync_unit_paths

            resync_unit_paths(unit)

        unit_moved.connect(on_unit_moved, dispatch_uid="problems.unit_moved")
