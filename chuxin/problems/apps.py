from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "chuxin.problems"
    label = "problems"

    def ready(self):
        # weak=False: the receivers are closures that nothing else keeps alive; with a weak reference they
        # vanish as soon as ready() returns (Django's DEBUG-only signature check happened to keep them).
        from chuxin.orgs.actions import unit_moved

        def on_unit_moved(sender, unit, **kwargs):
            from .models import resync_unit_paths

            resync_unit_paths(unit)

        unit_moved.connect(on_unit_moved, dispatch_uid="problems.unit_moved", weak=False)
