"""Create an integration account for the ERP and print its token once."""

from django.core.management.base import BaseCommand, CommandError

from sales.api_auth import integration_account_create, token_hash
from sales.models import IntegrationAccount
from sales.permissions import ERP_SCOPES


class Command(BaseCommand):
    help = "Create (or re-key) an integration account: integration_token NAME --scopes deliveries,payments"

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--scopes", default=",".join(ERP_SCOPES))
        parser.add_argument("--token", help="use this token (tests, CI) instead of a random one")

    def handle(self, name, scopes, token=None, **options):
        scopes = [s.strip() for s in scopes.split(",") if s.strip()]
        unknown = set(scopes) - set(ERP_SCOPES)
        if unknown:
            raise CommandError(f"unknown scopes: {', '.join(sorted(unknown))}")
        existing = IntegrationAccount.objects.filter(name=name).first()
        if existing:
            import secrets

            token = token or secrets.token_urlsafe(32)
            existing.token_hash, existing.scopes, existing.is_active = token_hash(token), scopes, True
            existing.save(update_fields=["token_hash", "scopes", "is_active"])
        else:
            _account, token = integration_account_create(name=name, scopes=scopes, token=token)
        self.stdout.write(token)
