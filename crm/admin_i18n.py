"""Words of django-axes and of Django 5.2's admin that have no Simplified Chinese, listed so
that makemessages keeps them in our catalogue.

axes ships no zh_Hans catalogue and Django 5.2's admin has a few new strings its catalogue lacks.
Django merges every catalogue, so a msgid here translated in locale/zh_Hans is how these read in
Chinese (issue 14 §18). Nothing imports this module; it exists for makemessages.
"""

from django.utils.translation import gettext_noop as _

AXES_WORDS = [
    _("Access Attempt"),
    _("Access lock out"),
    _("Attempt Remaining"),
    _("Attempt Time"),
    _("Clean up expired attempts"),
    _("Expires At"),
    _("Failed Logins"),
    _("Form Data"),
    _("GET Data"),
    _("HTTP Accept"),
    _("IP Address"),
    _("Locked Out"),
    _("Logout Time"),
    _("Meta Data"),
    _("Not set"),
    _("POST Data"),
    _("Path"),
    _("Session key hash (sha256)"),
    _("The time when access attempt expires and is no longer valid."),
    _("User Agent"),
    _("Username"),
    _("access attempt expiration"),
    _("access attempt expirations"),
    _("access attempt"),
    _("access attempts"),
    _("access failure"),
    _("access failures"),
    _("access log"),
    _("access logs"),
]

DJANGO_ADMIN_WORDS = [
    _("After you’ve created a user, you’ll be able to edit more user options."),
    _("Model name"),
    _("Add link"),
    _("Change or view list link"),
]
