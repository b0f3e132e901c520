"""Password rules beyond Django's validators (等保 level 3: complexity)."""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassesValidator:
    """At least `min_classes` of: lower-case letters, upper-case letters, digits, other characters."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def _classes(self, password: str) -> int:
        return sum(
            [
                any(c in string.ascii_lowercase for c in password),
                any(c in string.ascii_uppercase for c in password),
                any(c.isdigit() for c in password),
                any(not c.isascii() or not c.isalnum() for c in password),
            ]
        )

    def validate(self, password, user=None):
        if self._classes(password) < self.min_classes:
            raise ValidationError(
                _(
                    "The password must mix at least %(n)d of: lower-case letters, upper-case letters, "
                    "digits, other characters."
                )
                % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self):
        return _(
            "Mix at least %(n)d of: lower-case letters, upper-case letters, digits, other characters."
        ) % {"n": self.min_classes}
