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

        from chuxin.campaigns.actions import campaign_closed

        from .snapshots import take_snapshot

        def on_campaign_closed(sender, campaign, today, **kwargs):
            # A campaign closed today (or ending later) is reported as of its last day: keep today's
            # figures. One closed with a past end date is served by the snapshots of its days.
            if campaign.ended_on >= today:
                take_snapshot(today, campaign_id=campaign.pk)

        # weak=False: a local function with no other reference (see unit_moved above)
        campaign_closed.connect(on_campaign_closed, dispatch_uid="rollups.campaign_closed", weak=False)
