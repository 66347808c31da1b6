"""Every API error in one stable JSON shape: {"error": {"code", "message", "fields"}}."""

from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from .services.common import SalesError

CODES = {
    exceptions.ParseError: "parse_error",
    exceptions.AuthenticationFailed: "unauthenticated",
    exceptions.NotAuthenticated: "unauthenticated",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ValidationError: "invalid",
}


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


def _flatten(detail) -> dict:
    if isinstance(detail, dict):
        out = {}
        for key, value in detail.items():
            if isinstance(value, dict):
                for sub, msgs in _flatten(value).items():
                    out[f"{key}.{sub}"] = msgs
            else:
                out[str(key)] = [str(v) for v in (value if isinstance(value, list) else [value])]
        return out
    return {"non_field_errors": [str(v) for v in (detail if isinstance(detail, list) else [detail])]}


def error_response(code: str, message: str, fields: dict | None = None, status_code: int = 400, headers=None):
    return Response(
        {"error": {"code": code, "message": str(message), "fields": fields or {}}},
        status=status_code,
        headers=headers,
    )


def api_exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, SalesError):
        code = {"not_found": 404, "forbidden": 403, "conflict": 409}.get(exc.code, 400)
        return error_response(
            exc.code, str(exc), {k: [str(m) for m in v] for k, v in exc.fields.items()}, code
        )
    if not isinstance(exc, exceptions.APIException):
        return None
    code = next((c for cls, c in CODES.items() if isinstance(exc, cls)), "error")
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if isinstance(exc, exceptions.ValidationError):
        return error_response(code, "Invalid input.", _flatten(exc.detail), status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        headers["WWW-Authenticate"] = "Token"
    return error_response(code, str(exc.detail), {}, exc.status_code, headers=headers)
