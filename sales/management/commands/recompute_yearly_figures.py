"""Recompute the yearly figures of §2 from the sales records (set-based), for one or more years."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from sales.services import yearly_figures_recompute


class Command(BaseCommand):
    help = "recompute_yearly_figures [YEAR ...] (default: last year and this year)"

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="*", type=int)

    def handle(self, years, **options):
        now = timezone.now()
        this_year = timezone.localdate(now).year
        for year in years or [this_year - 1, this_year]:
            n = yearly_figures_recompute(year=year, now=now)
            self.stdout.write(f"{year}: {n} customers")
