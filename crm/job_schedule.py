"""The scheduled jobs of domain §7: name, service function and time, in one table.

crm/settings.py reads it into `CRM_JOBS` (name → function, what `crm.jobs.run_job` and
`manage.py runjob NAME` call) and `CELERY_BEAT_SCHEDULE` (beat sends the generic task
`crm.run_job(name)` at each time). Each function takes keyword-only `now` and `since` (its last
successful run: a beat that was down catches up in one run) and returns a summary dict.
A new job: one line here and one row in the README's table of jobs.
"""

from celery.schedules import crontab

JOBS = {
    "overdue-visits": ("visits.jobs.overdue_visits_notify", crontab(hour=7, minute=0)),
    "blacklist-expiry": ("blacklist.services.blacklist_entry_expire", crontab(hour=0, minute=10)),
    "complaint-deadlines": ("complaints.services.complaint_deadlines_escalate", crontab(minute=5)),
    "demotion-deadlines": ("grading.services.demotion_deadlines_escalate", crontab(hour=8, minute=0)),
    "new-customer-evaluation": ("grading.services.new_customer_evaluations_open", crontab(hour=6, minute=30)),
    "archive-update-reminders": (
        "customers.services.archive_update_reminders_send",
        crontab(hour=6, minute=45),
    ),
    # Daily; opens the round only inside the review window of the grading policy (default
    # 25-30 March), so the date is a policy setting, not a crontab.
    "annual-review": ("grading.services.annual_review_open", crontab(hour=1, minute=0)),
    # The outbox sweep: e-mails of notifications whose on-commit send was lost.
    "notification-outbox": ("crm.services.notification_outbox_drain", crontab(minute="*/5")),
    # Forget one-time submission keys older than 30 days (crm.submissions).
    "submission-keys-purge": ("crm.submissions.submission_keys_purge", crontab(hour=3, minute=20)),
    # 企业微信 / 钉钉 deliveries (crm/notify/outbox.py): due ones, retried with backoff.
    "notification-channels": ("crm.notify.outbox.channel_deliveries_send", crontab(minute="*")),
    # Daily digests (crm/notify/digest.py): whoever's digest time has come and has not had today's.
    "notification-digest": ("crm.notify.digest.notification_digests_send", crontab(minute="*/15")),
    # §13: receivables due within the policy's days (digest) and past due (salesperson + manager).
    "sales-reminders": ("sales.services.sales_reminders_send", crontab(hour=7, minute=15)),
    # §13: this year's and last year's figures from deliveries, receivables and payments.
    "sales-yearly-figures": ("sales.services.yearly_figures_job", crontab(hour=2, minute=30)),
    # Key accounts (§9, §14): the contact cadence's due/overdue reminders and compliance
    # snapshot; the greeting reminders of customer care.
    "contact-cadence": ("engagement.services.cadence_reminders_send", crontab(hour=6, minute=50)),
    "customer-care": ("engagement.services.greeting_reminders_send", crontab(hour=6, minute=55)),
    # §10: a department's satisfaction survey round due (at least every 6 months, policy).
    "survey-rounds": ("surveys.services.survey_rounds_due_notify", crontab(hour=6, minute=20)),
    # Creates the periodic reports (§12) whose period has ended, reminds of due and overdue ones.
    "periodic-reports": ("reports.services.reports_generate", crontab(hour=6, minute=15)),
}


def job_functions() -> dict[str, str]:
    """`settings.CRM_JOBS`: each job's service function, by name."""
    return {name: function for name, (function, _when) in JOBS.items()}


def beat_schedule() -> dict[str, dict]:
    """`settings.CELERY_BEAT_SCHEDULE`: `crm.run_job(name)` at each job's time, and the catch-up.

    The catch-up (crm.jobs.jobs_catch_up, hourly and once when beat starts, crm/celery.py)
    runs what the schedule missed, judged by each job's stored watermark.
    """
    schedule = {
        name: {"task": "crm.run_job", "schedule": when, "args": [name]} for name, (_f, when) in JOBS.items()
    }
    schedule["jobs-catch-up"] = {"task": "crm.jobs_catch_up", "schedule": crontab(minute=17)}
    return schedule
