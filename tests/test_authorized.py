"""The applications a person granted access to, under /user/authorized-apps/
(oauthapps/views/authorized.py): the list and revoking there. (Also the out-of-band code
page, which this class has always held.)"""

from oauthapps.models import AccessToken
from tests.base import BaseTestCase


class AuthorizedAppsTestCase(BaseTestCase):
    def revoke(self, app):
        return self.client.post(f"/user/authorized-apps/{app.pk}/revoke/")

    def test_it_hides_an_unapproved_application_the_person_never_authorized(self):
        self.app.approved = False
        self.app.save()
        self.client.force_login(self.bob)
        self.assertEqual(self.revoke(self.app).status_code, 404)

    def test_it_lets_a_person_revoke_an_application_unapproved_after_the_grant(self):
        self.get_token(self.bob)
        self.app.approved = False
        self.app.save()
        self.client.force_login(self.bob)
        self.assertEqual(self.revoke(self.app).status_code, 302)
        self.assertFalse(AccessToken.objects.filter(user=self.bob).exists())

    def test_it_lists_granted_apps_and_revokes_them(self):
        token = self.get_token(self.bob)
        self.client.force_login(self.bob)
        r = self.client.get("/user/authorized-apps/")
        self.assertContains(r, "Alice&#x27;s App")
        self.assertContains(r, "Read your public profile")
        r = self.client.post(f"/user/authorized-apps/{self.app.pk}/revoke/")
        self.assertEqual(r.status_code, 302)
        page = self.client.get("/user/authorized-apps/")
        self.assertContains(page, "can no longer access your account")
        self.assertNotContains(page, f'data-app="{self.app.client_id}"')
        r = self.client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}")
        self.assertEqual(r.status_code, 403)

    def test_it_shows_the_out_of_band_code_page(self):
        oob = "urn:ietf:wg:oauth:2.0:oob"
        app, secret = self.make_app(owner=self.alice, name="Console App", redirect_uris=oob)
        self.client.force_login(self.bob)
        r = self.client.post(self.authorize_url(app, redirect_uri=oob), {"authorize": "1"})
        code = r.context["code"]
        r = self.exchange(code, app=app, secret=secret, redirect_uri=oob)
        self.assertEqual(r.status_code, 200, r.content)
