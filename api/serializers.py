"""Request bodies of the JSON API."""

from rest_framework import serializers
from rest_framework.exceptions import APIException

from oauthapps.protocol.scopes import parse_scope


class ValidationFailed(APIException):
    """Mastodon's 422 "Validation failed: …"."""

    status_code = 422
    default_code = "validation_failed"

    def __init__(self, errors: dict) -> None:
        messages = []
        for field, problems in errors.items():
            label = {"name": "client_name", "__all__": ""}.get(field, field)
            for problem in problems:
                messages.append(f"{label} {problem}".strip())
        super().__init__("Validation failed: " + "; ".join(messages))


class StringOrList(serializers.Field):
    """Mastodon accepts redirect_uris as one string (spaces/newlines) or a list."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            return data.split()
        if isinstance(data, list) and all(isinstance(item, str) for item in data):
            return [uri for item in data for uri in item.split()]
        raise serializers.ValidationError("must be a string or a list of strings")


class AppRegistrationSerializer(serializers.Serializer):
    client_name = serializers.CharField(max_length=200)
    redirect_uris = StringOrList()
    scopes = serializers.CharField(required=False, allow_blank=True, default="")
    website = serializers.URLField(required=False, allow_blank=True, max_length=500)

    def validate_redirect_uris(self, value: list[str]) -> list[str]:
        if not value:
            raise serializers.ValidationError("can't be blank")
        return value

    def validate_scopes(self, value: str) -> list[str]:
        return parse_scope(value)
