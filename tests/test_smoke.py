from tests.base import BaseTestCase


class SmokeTestCase(BaseTestCase):
    def test_it_runs_the_contentdb_flow(self):
        code = self.get_code()
        response = self.exchange(code)
        self.assertEqual(response.status_code, 200, response.content)
        token = response.json()["access_token"]
        self.client.logout()
        r = self.client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}")
        self.assertEqual(r.json()["username"], "alice")
