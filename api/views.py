"""The JSON API, served by DRF with bearer tokens from Gatehouse."""

from django.core.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import schema
from api.serializers import AppRegistrationSerializer, ValidationFailed
from oauthapps import audit, errors, ratelimits, services
from oauthapps.conf import app_settings
from oauthapps.errors import OAuthError
from oauthapps.protocol.bearer import TokenHasScope


class JsonOnly(DefaultContentNegotiation):
    """The API answers JSON only: no Accept header parsing on every request (request
    bodies are still parsed by their content type)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ApiView(APIView):
    """A machine endpoint (plumbing/machine.py) answering errors in the API's shape, with
    nothing DRF does per request that the API does not use: JSON only, no throttles, no
    versioning, no permission classes unless a view names them."""

    machine_endpoint = True
    error_shape = errors.Shape.API
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonOnly
    throttle_classes = []
    permission_classes = []


class WhoAmIView(ApiView):
    """Who the bearer token belongs to (ContentDB's /api/whoami/)."""

    permission_classes = [TokenHasScope]
    required_scope = "public"

    @schema.whoami
    def get(self, request: Request) -> Response:
        token = request.auth
        if token is None:
            return Response({"is_authenticated": False, "username": None})
        user = token.user
        if user is None:
            # An application's own token (client credentials): no person behind it.
            application = token.application
            return Response(
                {
                    "is_authenticated": False,
                    "username": None,
                    "application": {"client_id": application.client_id, "title": application.name},
                }
            )
        body = {
            "is_authenticated": True,
            "username": user.username,
            "display_name": user.get_display_name(),
        }
        if token.allow_scopes(["email"]):
            body["email"] = user.email
        return Response(body)


class DeleteTokenView(ApiView):
    """DELETE /api/delete-token/: the bearer revokes its own token (ContentDB)."""

    @schema.delete_token
    def delete(self, request: Request) -> Response:
        if request.auth is None:
            raise OAuthError("missing_token")
        services.revoke_token(token=request.auth)
        return Response({"success": True})


class AppRegistrationView(ApiView):
    """POST /api/v1/apps: Mastodon's app registration, limited per IP."""

    authentication_classes = []
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @schema.app_registration
    def post(self, request: Request) -> Response:
        if not app_settings.APP_REGISTRATION_ENABLED:
            raise OAuthError("registration_disabled")
        wait = ratelimits.hit(
            request._request, ("app_registration_per_ip", ratelimits.ip_key(request._request))
        )
        if wait:
            raise errors.rate_limited(wait)
        serializer = AppRegistrationSerializer(data=request.data)
        if not serializer.is_valid():
            raise ValidationFailed(serializer.errors)
        data = serializer.validated_data
        try:
            app, secret = services.register_application(
                name=data["client_name"],
                redirect_uris=data["redirect_uris"],
                scopes=data["scopes"],
                website=data.get("website") or "",
            )
        except ValidationError as exc:
            raise ValidationFailed(exc.message_dict) from None
        # No one is signed in here (no authentication classes): the actor is None.
        audit.record(
            action=audit.Action.APP_CREATED, request=request, application=app, via="api/v1/apps"
        )
        return Response(
            {
                "id": str(app.pk),
                "name": app.name,
                "website": app.website or None,
                "scopes": app.allowed_scopes.split(),
                "redirect_uri": "\n".join(app.redirect_uri_list),
                "redirect_uris": app.redirect_uri_list,
                "client_id": app.client_id,
                "client_secret": secret,
                "client_secret_expires_at": 0,
            }
        )
