"""DELETE /api/delete-token/ (api/views.py `DeleteTokenView`): the bearer revokes its own
token, with its family."""

from tests.base import BaseTestCase, RotatedPairTestCase


class DeleteTokenTestCase(BaseTestCase):
    def test_it_revokes_the_bearer_token(self):
        token = self.get_token()
        r = self.client.delete("/api/delete-token/", HTTP_AUTHORIZATION=f"Bearer {token}")
        self.assertEqual((r.status_code, r.json()), (200, {"success": True}))
        r = self.client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}")
        self.assertEqual(r.status_code, 403)


# ---- token families: deleting after a refresh ------------------------------------------


class RotationTestCase(RotatedPairTestCase):
    def test_it_revokes_the_family_when_the_bearer_deletes_its_token(self):
        second = self.refresh(self.first["refresh_token"]).json()
        r = self.client.delete(
            "/api/delete-token/", HTTP_AUTHORIZATION=f"Bearer {second['access_token']}"
        )
        self.assertEqual(r.status_code, 200)
        self.assertEqual(self.refresh(second["refresh_token"]).status_code, 400)
