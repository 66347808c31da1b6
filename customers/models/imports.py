"""Imports: the record of each import, and the job the worker checks and writes (field test 16)."""

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
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

    The uploaded file waits under MEDIA_ROOT/imports/ until the worker has checked it; the check
    stages every row (ImportRow) and the file is deleted: the confirm writes the staged rows.
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
    # The preview's counts and whole-file problems; its rows are the job's ImportRows.
    report = models.JSONField(_("preview"), null=True, blank=True)
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


class ImportRowAction(models.TextChoices):
    CREATE = "create", _("new")
    UPDATE = "update", _("update")
    SKIP = "skip", _("unchanged")
    ERROR = "error", _("problem")


class ImportRow(models.Model):
    """One row of an import as the preview decided it; the confirm writes exactly these (issue 15).

    `values` are the normalised values to write (model field names); `target_id` and
    `target_version` the existing record the row updates (or leaves unchanged) and, for a
    customer, its version at the preview: the confirm refuses the import if it changed since.
    """

    job = models.ForeignKey(
        ImportJob, verbose_name=_("import job"), on_delete=models.CASCADE, related_name="rows"
    )
    number = models.PositiveIntegerField(_("row"))  # as Excel shows it (the header is row 1)
    action = models.CharField(_("action"), max_length=10, choices=ImportRowAction.choices)
    label = models.CharField(_("record"), max_length=400, blank=True)
    values = models.JSONField(_("values"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    target_id = models.PositiveBigIntegerField(_("record id"), null=True, blank=True)
    target_version = models.PositiveIntegerField(_("version"), null=True, blank=True)
    changes = models.JSONField(_("changes"), default=list, blank=True)  # [[column, old, new], …]
    errors = models.JSONField(_("problems"), default=list, blank=True)  # [[column, message], …]

    class Meta:
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")
        ordering = ["job", "number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="customers_importrow_job_number_unique"),
            models.CheckConstraint(
                condition=models.Q(action__in=[a.value for a in ImportRowAction]),
                name="customers_importrow_action_valid",
            ),
        ]

    def __str__(self):
        return f"{self.job_id} #{self.number} {self.action}"
