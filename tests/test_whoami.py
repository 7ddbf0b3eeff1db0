"""GET /api/whoami/: anonymous, a person's token, an application's token, bad tokens."""

from datetime import timedelta

from django.utils import timezone

from oauthapps.models import AccessToken
from tests.base import BaseTestCase, rfc_dialect


class WhoAmITestCase(BaseTestCase):
    def whoami(self, authorization: str | None = None):
        headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
        return self.client.get("/api/whoami/", **headers)

    def test_it_answers_without_a_token(self):
        r = self.whoami()
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json(), {"is_authenticated": False, "username": None})

    def test_it_works_with_the_reference_curl_example(self):
        token = self.get_token()
        # curl https://content.luanti.org/api/whoami/ -H "Authorization: Bearer YOURTOKEN"
        r = self.whoami(f"Bearer {token}")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(
            r.json(), {"is_authenticated": True, "username": "alice", "display_name": "Alice A."}
        )

    def test_it_answers_without_the_trailing_slash(self):
        token = self.get_token()
        r = self.client.get("/api/whoami", HTTP_AUTHORIZATION=f"Bearer {token}")
        self.assertEqual(r.json()["username"], "alice")

    def test_it_shows_email_only_with_the_email_scope(self):
        code = self.get_code(self.bob, scope="public email")
        token = self.exchange(code).json()["access_token"]
        self.client.logout()
        self.assertEqual(self.whoami(f"Bearer {token}").json()["email"], "bob@example.org")
        self.assertNotIn("email", self.whoami(f"Bearer {self.get_token(self.alice)}").json())

    def test_it_refuses_an_unknown_token(self):
        r = self.whoami("Bearer not-a-token")
        self.assertEqual(r.status_code, 403)
        self.assertEqual(r.json(), {"success": False, "error": "Unknown API token"})

    def test_it_refuses_an_expired_token(self):
        token = self.get_token()
        AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
        r = self.whoami(f"Bearer {token}")
        self.assertEqual(r.status_code, 403)
        self.assertEqual(r.json(), {"success": False, "error": "Unknown API token"})

    def test_it_refuses_a_revoked_token(self):
        token = self.get_token()
        AccessToken.objects.get().revoke()
        r = self.whoami(f"Bearer {token}")
        self.assertEqual(r.json(), {"success": False, "error": "Unknown API token"})

    def test_it_refuses_other_authentication_schemes(self):
        r = self.whoami("Basic YWxpY2U6cGFzc3dvcmQ=")
        self.assertEqual(r.status_code, 403)
        self.assertEqual(r.json(), {"success": False, "error": "Unsupported authentication method"})

    def test_it_refuses_tokens_of_an_app_unapproved_since(self):
        token = self.get_token(self.bob)
        self.app.approved = False
        self.app.save()
        self.assertEqual(self.whoami(f"Bearer {token}").status_code, 403)

    def test_it_keeps_working_for_the_owner_of_an_unapproved_app(self):
        token = self.get_token(self.alice)
        self.app.approved = False
        self.app.save()
        self.assertEqual(self.whoami(f"Bearer {token}").json()["username"], "alice")

    def test_it_refuses_a_token_without_the_public_scope(self):
        token = self.get_token()
        AccessToken.objects.update(scope="email")
        r = self.whoami(f"Bearer {token}")
        self.assertEqual(r.status_code, 403)
        self.assertEqual(
            r.json(), {"success": False, "error": "This token does not have the public scope"}
        )

    def test_it_does_not_leak_the_token_into_the_database(self):
        token = self.get_token()
        self.assertFalse(AccessToken.objects.filter(token=token).exists())
        self.assertEqual(AccessToken.objects.get().token, "")


@rfc_dialect()
class WhoAmIRFCDialectTestCase(BaseTestCase):
    def test_it_answers_bad_tokens_with_401_and_www_authenticate(self):
        r = self.client.get("/api/whoami/", HTTP_AUTHORIZATION="Bearer nope")
        self.assertEqual(r.status_code, 401)
        self.assertEqual(r["WWW-Authenticate"], 'Bearer error="invalid_token"')
        self.assertEqual(r.json()["error"], "invalid_token")
