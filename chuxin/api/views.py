"""The settings page for personal access tokens: list, make (the token is shown once), revoke."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from chuxin.core.errors import ActionError
from chuxin.core.forms import StyledForm

from .actions import do_create_api_token, do_revoke_api_token
from .models import ApiToken, TokenScope


class TokenForm(StyledForm):
    name = forms.CharField(
        label=gettext_lazy("Name"), max_length=60, help_text=gettext_lazy("The system that will use it.")
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("Scope"), choices=TokenScope.choices, initial=TokenScope.READ
    )
    expires_days = forms.IntegerField(
        label=gettext_lazy("Valid for (days)"), min_value=1, max_value=3650, required=False, initial=90
    )


@login_required
@require_http_methods(["GET", "POST"])
def token_settings(request):
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            _row, new_token = do_create_api_token(request.user, **form.cleaned_data, acting_user=request.user)
        except ActionError as exc:
            form.add_error(None, exc)
        else:
            form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at")[:50]
    return render(request, "api/tokens.html", {"form": form, "tokens": tokens, "new_token": new_token})


@login_required
@require_POST
def token_revoke(request, token_id):
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)  # one's own tokens only
    try:
        do_revoke_api_token(token, acting_user=request.user)
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The token is revoked."))
    return redirect("token_settings")
