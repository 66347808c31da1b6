"""Password rules with messages in Chinese.

Django 5.2's own minimum-length messages have no Simplified Chinese translation (their wording
changed), so that one validator words them through the project's catalogue; the others are
Django's and already translated.
"""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(
                self.get_error_message(), code="password_too_short", params={"min_length": self.min_length}
            )

    def get_error_message(self):
        return _("This password is too short: it must contain at least %(min_length)d characters.")

    def get_help_text(self):
        return _("Your password must contain at least %(min_length)d characters.") % {
            "min_length": self.min_length
        }
