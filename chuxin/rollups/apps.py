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
        self._connect_organs()

        from chuxin.campaigns.actions import campaign_closed

        from .snapshots import take_snapshot

        def on_campaign_closed(sender, campaign, today, **kwargs):
            # A campaign closed today (or ending later) is reported as of its last day: keep today's
            # figures. One closed with a past end date is served by the snapshots of its days.
            if campaign.ended_on >= today:
                take_snapshot(today, campaign_id=campaign.pk)

        # weak=False: a local function with no other reference (see unit_moved above)
        campaign_closed.connect(on_campaign_closed, dispatch_uid="rollups.campaign_closed", weak=False)

    def _connect_organs(self):
        """The organ tallies (tallies.py) follow the organs themselves: a seat taken, changed or left, a
        member's rank or home unit changed, by the organisation sheet or the admin alike, recounts the organs
        concerned inside the write's transaction. (QuerySet.update() and bulk writes bypass these signals:
        the demo's bulk load rebuilds the roll-ups after it.)"""
        from django.db.models.signals import post_delete, post_save, pre_save

        from chuxin.orgs.models import CommitteeMember, Person

        from . import tallies

        def seat_before(sender, instance, raw=False, **kwargs):
            instance._organ_was = (
                CommitteeMember.objects.filter(pk=instance.pk).values_list("unit_id", "person_id").first()
                if instance.pk and not raw
                else None
            )

        def seat_saved(sender, instance, raw=False, **kwargs):
            if raw:
                return
            was = getattr(instance, "_organ_was", None)
            if was != (instance.unit_id, instance.person_id):
                tallies.refresh_organs({instance.unit_id, *(was[:1] if was else ())})

        def seat_deleted(sender, instance, **kwargs):
            tallies.refresh_organs([instance.unit_id])

        def person_before(sender, instance, raw=False, update_fields=None, **kwargs):
            skip = (
                raw
                or not instance.pk
                or update_fields is not None
                and not {"rank", "home_unit"} & set(update_fields)
            )
            instance._organ_was = (
                None
                if skip
                else Person.objects.filter(pk=instance.pk).values_list("rank", "home_unit_id").first()
            )

        def person_saved(sender, instance, raw=False, **kwargs):
            was = getattr(instance, "_organ_was", None)
            if not raw and was is not None and was != (instance.rank, instance.home_unit_id):
                seats = CommitteeMember.objects.filter(person=instance).values_list("unit_id", flat=True)
                tallies.refresh_organs(seats)

        pre_save.connect(seat_before, sender=CommitteeMember, dispatch_uid="rollups.seat_before", weak=False)
        post_save.connect(seat_saved, sender=CommitteeMember, dispatch_uid="rollups.seat_saved", weak=False)
        post_delete.connect(
            seat_deleted, sender=CommitteeMember, dispatch_uid="rollups.seat_deleted", weak=False
        )
        pre_save.connect(person_before, sender=Person, dispatch_uid="rollups.person_before", weak=False)
        post_save.connect(person_saved, sender=Person, dispatch_uid="rollups.person_saved", weak=False)
