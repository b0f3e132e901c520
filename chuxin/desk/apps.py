from django.apps import AppConfig


class DeskConfig(AppConfig):
    """The office's day: the to-do page, the menus' landing places, the watermark and 关怀版."""

    name = "chuxin.desk"
    label = "desk"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .context_processors import remember

        user_logged_in.connect(
            lambda sender, request, user, **kw: remember(request, user) if request is not None else None,
            dispatch_uid="desk.remember_shell",
            weak=False,
        )
