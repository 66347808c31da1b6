from django.core.management.base import BaseCommand, CommandError

from crm import jobs


class Command(BaseCommand):
    help = "Run one scheduled job by name, synchronously, and print what it did."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="job name, e.g. overdue-visits")
        parser.add_argument("--list", action="store_true", help="list the job names")

    def handle(self, *args, name=None, list=False, **options):
        if list or not name:
            for job in jobs.job_names():
                self.stdout.write(job)
            return
        try:
            summary = jobs.run_job(name)
        except jobs.UnknownJob as exc:
            raise CommandError(f"unknown job {name!r}; known: {', '.join(jobs.job_names())}") from exc
        except jobs.JobAlreadyRunning as exc:
            raise CommandError(f"job {name!r} is already running") from exc
        self.stdout.write(self.style.SUCCESS(f"{name}: {summary}"))
