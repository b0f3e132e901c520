from django.apps import AppConfig


class RollupsConfig(AppConfig):
    name = "chuxin.rollups"
    label = "rollups"

    def ready(self):
        # weak=False: the receivers are closures that nothing else keeps alive; with a weak reference they
        # vanish as soon as ready() returns (Django's DEBUG-only signature check happened to keep them).
        from chuxin.orgs.actions import unit_moved

        from . import tallies
        from .counters import unit_moved as move_counters

        def on_unit_moved(sender, unit, old_ancestor_ids, new_ancestor_ids, **kwargs):
            move_counters(unit, old_ancestor_ids, new_ancestor_ids)
            tallies.unit_moved(unit, old_ancestor_ids, new_ancestor_ids)

        unit_moved.connect(on_unit_moved, dispatch_uid="rollups.unit_moved", weak=False)
