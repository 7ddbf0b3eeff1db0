"""The JSON API, served by DRF with bearer tokens from Gatehouse."""

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from oauthapps.authentication import TokenHasScope


class WhoAmIView(APIView):
    """Who the bearer token belongs to (ContentDB's /api/whoami/)."""

    permission_classes = [TokenHasScope]
    required_scope = "public"

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
