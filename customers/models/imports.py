"""Imports: the record of each import, and the job the worker checks and writes (field test 16)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import Department


class ImportBatch(models.Model):
    """A record of an import (who, what, how many rows), shown to assistants."""

    kind = models.CharField(_("kind"), max_length=30)
    file_name = models.CharField(_("file name"), max_length=200)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.kind} {self.file_name}"


class ImportJobState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    CHECKING = "checking", _("Checking")
    READY = "ready", _("Ready to import")
    REJECTED = "rejected", _("Problems found")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Not imported")


class ImportJob(models.Model):
    """An import checked and written by the worker while its page shows the progress (field test 16).

    The uploaded file waits under MEDIA_ROOT/imports/ until it is imported or discarded; the
    preview (counts, bad rows, the rows to create and update with each change) is kept here.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=30)
    file_name = models.CharField(_("file name"), max_length=200)
    path = models.CharField(_("stored file"), max_length=200, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=ImportJobState.choices, default=ImportJobState.QUEUED
    )
    report = models.JSONField(_("preview"), null=True, blank=True)
    # The version of each existing customer the preview matched: the confirm refuses to
    # overwrite one that a colleague changed in between.
    versions = models.JSONField(_("versions"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    batch = models.ForeignKey(
        ImportBatch, verbose_name=_("import"), on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=[s.value for s in ImportJobState]),
                name="customers_importjob_state_valid",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.file_name} ({self.get_state_display()})"

    @property
    def is_running(self) -> bool:
        return self.state in (ImportJobState.QUEUED, ImportJobState.CHECKING, ImportJobState.IMPORTING)
