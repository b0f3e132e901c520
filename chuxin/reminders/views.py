from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from .actions import do_mark_notifications_read
from .models import Notification

PER_PAGE = 30


def _mine(request):
    """Every query of this module starts here: a user only ever sees their own notifications."""
    return Notification.objects.filter(user=request.user)


@login_required
@require_http_methods(["GET", "POST"])
def notification_list(request):
    if request.method == "POST":  # "mark all read"
        n = do_mark_notifications_read(acting_user=request.user)
        messages.success(request, _("%(count)d notifications marked as read.") % {"count": n})
        return redirect("notification_list")
    page = Paginator(_mine(request).select_related("item").order_by("-created_at", "-id"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    unread = _mine(request).filter(read_at__isnull=True).count()
    return render(request, "reminders/notification_list.html", {"page": page, "unread": unread})


@login_required
@require_GET
def notification_badge(request):
    """The unread count, as a small partial for htmx (hx-get + hx-trigger="load, every 60s")."""
    unread = _mine(request).filter(read_at__isnull=True).count()
    return render(request, "reminders/_badge.html", {"unread": unread})
