from django.apps import AppConfig


class ExamineConfig(AppConfig):
    name = "chuxin.examine"
    label = "examine"

    def ready(self):
        # weak=False: the receivers are closures that nothing else keeps alive; with a weak reference they
        # vanish as soon as ready() returns (Django's DEBUG-only signature check happened to keep them).
        from chuxin.orgs.actions import unit_moved
        from chuxin.study.actions import meeting_created

        from . import counters

        def on_unit_moved(sender, unit, old_ancestor_ids, new_ancestor_ids, **kwargs):
            counters.unit_moved(unit, old_ancestor_ids, new_ancestor_ids)

        def on_meeting_created(sender, meeting, **kwargs):
            counters.meeting_created(meeting)

        unit_moved.connect(on_unit_moved, dispatch_uid="examine.unit_moved", weak=False)
        meeting_created.connect(on_meeting_created, dispatch_uid="examine.meeting_created", weak=False)

        # verifyrollups checks and repairs the 检视问题 figures beside the ledger's
        from chuxin.rollups import checks

        checks.register(
            "examine", drift=counters.drift, drift_all=counters.drift_all, rebuild=counters.rebuild
        )
