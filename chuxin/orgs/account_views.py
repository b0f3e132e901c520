"""Log-in and password change: Django's views, with the forced change of default passwords and the
password change going through an audited action."""

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from . import actions


def must_change(user, password: str) -> bool:
    """A default password, or one today's rules refuse, must be changed before anything else."""
    if not settings.PASSWORD_FORCE_CHANGE:
        return False
    if password in settings.DEFAULT_PASSWORDS:
        return True
    try:
        validate_password(password, user)
    except ValidationError:
        return True
    return False


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if must_change(form.get_user(), form.cleaned_data.get("password", "")):
            self.request.session["must_change_password"] = True
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"

    def form_valid(self, form):
        actions.do_change_password(
            form.user, form.cleaned_data["new_password1"], acting_user=self.request.user
        )
        update_session_auth_hash(self.request, form.user)
        self.request.session.pop("must_change_password", None)
        return HttpResponseRedirect(self.get_success_url())
