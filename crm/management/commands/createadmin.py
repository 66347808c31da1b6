import getpass
import os

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from crm.forms import messages_from
from crm.models import Role, User
from crm.roles import sync_user_groups


class Command(BaseCommand):
    help = "Create (or promote) the first administrator (管理员) with the role and group set."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="")
        parser.add_argument("--full-name", default="系统管理员")
        parser.add_argument(
            "--password-env",
            default="CRM_ADMIN_PASSWORD",
            help="read the password from this environment variable instead of asking",
        )

    def handle(self, *args, username, email, full_name, password_env, **options):
        password = os.environ.get(password_env) or ""
        if not password:
            if not os.isatty(0):
                raise CommandError(f"no terminal: set {password_env} to the password")
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("the passwords differ")
        user = User.objects.filter(username=username).first() or User(username=username)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError(messages_from(exc)) from exc
        user.email = email or user.email
        user.full_name = full_name
        user.role = Role.ADMIN
        user.department = None
        user.is_superuser = True
        user.is_active = True
        user.set_password(password)
        user.save()
        sync_user_groups(user)
        self.stdout.write(self.style.SUCCESS(f"administrator {username!r} ready"))
