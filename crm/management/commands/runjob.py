from django.core.management.base import BaseCommand, CommandError

from crm import jobs


class Command(BaseCommand):
    help = "Run one scheduled job by name, synchronously, and print what it did."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="job name, e.g. overdue-visits")
        parser.add_argument("--list", action="store_true", help="list the job names")
        parser.add_argument(
            "--due",
            action="store_true",
            help="run every job that never ran or missed its schedule (make run does)",
        )

    def handle(self, *args, name=None, list=False, due=False, **options):
        if due:
            for job in jobs.jobs_due_at_start():
                self._run(job)
            return
        if list or not name:
            for job in jobs.job_names():
                self.stdout.write(job)
            return
        self._run(name)

    def _run(self, name):
        try:
            summary = jobs.run_job(name)
        except jobs.UnknownJob as exc:
            raise CommandError(f"unknown job {name!r}; known: {', '.join(jobs.job_names())}") from exc
        except jobs.JobAlreadyRunning as exc:
            raise CommandError(f"job {name!r} is already running") from exc
        self.stdout.write(self.style.SUCCESS(f"{name}: {summary}"))
