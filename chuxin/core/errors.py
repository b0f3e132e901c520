"""The errors every action raises, and how pages and the API answer them.

The ground floor: actions in every app raise these, views and the API translate them, and this
module imports no app.

* ``ActionError`` — bad input; nothing was written; the message says why. Answered as 400 by the
  API, and shown beside the form (or as a message) by the pages.
* ``StaleVersion`` — someone saved the record since the caller read it (an ``ActionError``, so a page
  shows it like any other refusal; the API answers 409).
* ``ActionForbidden`` — the caller reaches the object but lacks the role for this change. It is a
  ``PermissionDenied``, so a page that does not catch it answers 403 like any refused lookup.
"""

from django.core.exceptions import PermissionDenied, ValidationError


class ActionError(ValidationError):
    """Bad input for an action: nothing was written; the message says why (400)."""


class StaleVersion(ActionError):
    """The record changed since the caller read it (409 in the API)."""


class ActionForbidden(PermissionDenied):
    """Inside the scope, without the role this change needs (403)."""

    def __init__(self, message=""):
        super().__init__(message)
        self.message = message

    @property
    def messages(self) -> list[str]:
        return [str(self.message)]
