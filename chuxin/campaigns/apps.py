from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "chuxin.campaigns"
    label = "campaigns"
