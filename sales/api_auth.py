"""Token authentication of the integration accounts (the ERP): `Authorization: Token <token>`.

Only the SHA-256 of a token is stored; `integration_account_create` shows the token once.
"""

import hashlib
import secrets

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import IntegrationAccount


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def integration_account_create(
    *, name: str, scopes: list[str], token: str | None = None
) -> tuple[IntegrationAccount, str]:
    """A new account and its token (returned once, stored hashed)."""
    token = token or secrets.token_urlsafe(32)
    account = IntegrationAccount.objects.create(name=name, token_hash=token_hash(token), scopes=list(scopes))
    return account, token


class IntegrationTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed token header."))
        try:
            token = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Malformed token header.")) from exc
        account = IntegrationAccount.objects.filter(token_hash=token_hash(token), is_active=True).first()
        if account is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        IntegrationAccount.objects.filter(pk=account.pk).update(last_used_at=timezone.now())
        return (account, token)

    def authenticate_header(self, request):
        return self.keyword


class IntegrationTokenScheme(OpenApiAuthenticationExtension):
    target_class = "sales.api_auth.IntegrationTokenAuthentication"
    name = "IntegrationToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <token>` of an integration account",
        }
