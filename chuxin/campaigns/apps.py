from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "chuxin.campaigns"
    label = "campaigns"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from chuxin.orgs.actions import unit_moved
        from chuxin.orgs.models import Unit

        from . import directory
        from .models import Batch, Campaign, Strand

        # what the campaign directory holds: a change to any of it makes every process reload it
        for model in (Campaign, Batch, Strand, Unit):
            post_save.connect(directory.touch, sender=model, dispatch_uid=f"directory.save.{model.__name__}")
            post_delete.connect(
                directory.touch, sender=model, dispatch_uid=f"directory.delete.{model.__name__}"
            )
        m2m_changed.connect(directory.touch, sender=Batch.units.through, dispatch_uid="directory.batch_units")
        unit_moved.connect(directory.touch, dispatch_uid="directory.unit_moved")
