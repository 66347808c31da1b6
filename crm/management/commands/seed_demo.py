import importlib.util

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Load the demo data (idempotent): departments, users of each role, customers and their history."

    def handle(self, *args, **options):
        now = timezone.now()
        for path in settings.DEMO_SEEDERS:
            # An app whose demo module does not exist yet is skipped; any other import
            # error is a bug and must surface.
            if importlib.util.find_spec(path) is None:
                continue
            seed = import_string(f"{path}.seed")
            result = seed(now=now)
            self.stdout.write(f"{path}: {result}")
        self.stdout.write(self.style.SUCCESS("demo data ready"))
