"""Signing in, signing up, signing out and changing the password (accounts/views.py, and
the admin's sign-in page it serves, accounts/admin.py): where `next` may lead, the
302s, guessing passwords, and what a password change ends."""

from unittest import mock

from oauthapps.models import AccessToken, AuditEntry, RefreshToken
from tests.base import REDIRECT_URI, BaseTestCase, limits, signed_in_as

TOO_MANY = "Too many attempts"


# ---- RFC 9700 §2.1, §4.12: never a 307 after a form that may carry credentials ----------


class RedirectStatusTestCase(BaseTestCase):
    def test_it_sends_the_login_form_back_to_the_authorization_endpoint_with_302(self):
        self.issue(self.bob)  # already authorized: the next stop after login is the client
        url = self.authorize_url(state="xyz")
        r = self.client.post(
            "/accounts/login/", {"username": "bob", "password": "password", "next": url}
        )
        # The POST carrying the password goes to our own endpoint, with 302 (not 307).
        self.assertEqual((r.status_code, r["Location"]), (302, url))
        r = self.client.get(url)
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith(REDIRECT_URI + "?code="))


# ---- RFC 9700 §2.1, §4.11; RFC 6749 §10.15: no open redirectors --------------------------


class OpenRedirectTestCase(BaseTestCase):
    FOREIGN = ("https://evil.example/", "//evil.example/", "https:evil.example")

    def assertStaysOnSite(self, response) -> None:
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/"), response["Location"])
        self.assertFalse(response["Location"].startswith("//"), response["Location"])

    def test_it_ignores_a_foreign_next_after_login(self):
        for next_url in self.FOREIGN:
            with self.subTest(next_url):
                self.client.logout()
                r = self.client.post(
                    "/accounts/login/",
                    {"username": "bob", "password": "password", "next": next_url},
                )
                self.assertStaysOnSite(r)

    def test_it_ignores_a_foreign_next_after_sign_up_and_logout(self):
        for n, next_url in enumerate(self.FOREIGN):
            with self.subTest(next_url):
                r = self.client.post(
                    f"/accounts/signup/?next={next_url}",
                    {
                        "username": f"newcomer{n}",
                        "password1": "a-long-passphrase",
                        "password2": "a-long-passphrase",
                    },
                )
                self.assertStaysOnSite(r)
                self.assertStaysOnSite(self.client.post(f"/accounts/logout/?next={next_url}"))


# ---- issue 11, attack 2: sign-in lockout and bypass -----------------------------------------


class SignInAttacksTestCase(BaseTestCase):
    def login(self, username="bob", password="password", ip="10.0.0.1"):
        return self.client.post(
            "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
        )

    def test_wrong_passwords_from_elsewhere_cannot_lock_the_owner_out(self):
        for _ in range(10):  # the default limits: ten wrong passwords locked bob out
            self.assertEqual(self.login(password="nope", ip="10.6.6.6").status_code, 200)
        with mock.patch("time.sleep"):
            r = self.login(ip="10.0.0.1")  # bob, from home, with the right password
        self.assertEqual(r.status_code, 302, "the owner was locked out by someone else")
        self.assertEqual(signed_in_as(self.client), str(self.bob.pk))
        # ...while the attacker's address is refused, even with the right password.
        r = self.login(ip="10.6.6.6")
        self.assertContains(r, TOO_MANY, status_code=429)
        self.assertTrue(1 <= int(r["Retry-After"]) <= 900)

    @limits(login_failures_per_username_ip="3/15m")
    def test_padded_full_width_or_other_case_usernames_share_the_limit(self):
        for variant in (" bob", "bob ", "ｂｏｂ"):
            self.assertEqual(self.login(variant, "nope").status_code, 200)
        r = self.login("BOB", "nope")
        self.assertEqual(r.status_code, 429, "a variant of the username escaped the limit")
        self.assertEqual(self.login("bob").status_code, 429)

    @limits(login_failures_per_username_ip="3/15m")
    def test_failures_count_while_the_attacker_is_signed_in_to_another_account(self):
        self.client.force_login(self.charlie)
        for _ in range(3):
            self.assertEqual(self.login(password="nope").status_code, 200)
        self.assertEqual(self.login().status_code, 429, "failures were not counted")

    @limits(login_failures_per_ip="3/15m")
    def test_guessing_many_usernames_from_one_address_is_limited(self):
        for name in ("alice", "bob", "charlie"):
            self.assertEqual(self.login(name, "nope").status_code, 200)
        self.assertContains(self.login("dana", "nope"), TOO_MANY, status_code=429)
        self.assertEqual(self.login(ip="10.0.0.2").status_code, 302)

    @limits(login_failures_per_username="3/15m", login_failures_per_username_ip="100/15m")
    def test_a_distributed_attack_on_one_username_only_slows_it_down(self):
        for n in range(5):
            self.assertEqual(self.login(password="nope", ip=f"10.7.0.{n}").status_code, 200)
        with mock.patch("time.sleep") as sleep:
            r = self.login(ip="10.0.0.1")
        self.assertEqual(r.status_code, 302, "the right password was refused")
        sleep.assert_called_once()
        self.assertLessEqual(sleep.call_args.args[0], 2)
        with mock.patch("time.sleep") as sleep:
            self.login("alice")  # other people are not slowed down
        sleep.assert_not_called()


# ---- issue 11, attack 3: the admin sign-in --------------------------------------------------


class AdminSignInTestCase(BaseTestCase):
    def admin_login(self, password="password", username="charlie", ip="10.0.0.1"):
        return self.client.post(
            "/admin/login/?next=/admin/",
            {"username": username, "password": password, "next": "/admin/"},
            REMOTE_ADDR=ip,
        )

    @limits(login_failures_per_username_ip="3/15m")
    def test_password_guessing_at_the_admin_sign_in_is_limited(self):
        for _ in range(3):
            self.assertEqual(self.admin_login("nope").status_code, 200)
        r = self.admin_login()
        self.assertEqual(r.status_code, 429, "the admin sign-in has no limit")
        self.assertIn("Retry-After", r)
        # One limit for both sign-in pages.
        r = self.client.post(
            "/accounts/login/",
            {"username": "charlie", "password": "password"},
            REMOTE_ADDR="10.0.0.1",
        )
        self.assertEqual(r.status_code, 429)

    def test_the_admin_sign_in_still_admits_only_staff(self):
        r = self.admin_login(username="bob")
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "staff account")
        self.assertIsNone(signed_in_as(self.client))
        r = self.admin_login()
        self.assertEqual((r.status_code, r["Location"]), (302, "/admin/"))
        self.assertEqual(self.client.get("/admin/").status_code, 200)


# ---- issue 11, attack 6: a password change ends every grant ---------------------------------


class PasswordChangeTestCase(BaseTestCase):
    NEW = "a-new-long-passphrase"

    def change_password(self, **extra):
        data = {"old_password": "password", "new_password1": self.NEW, "new_password2": self.NEW}
        return self.client.post("/accounts/password/", {**data, **extra})

    def test_a_password_change_ends_every_applications_access(self):
        token = self.exchange(self.get_code(self.bob)).json()
        self.client.logout()
        self.client.force_login(self.bob)
        page = self.client.get("/accounts/password/")
        self.assertContains(page, 'name="revoke_authorizations"')
        self.assertContains(page, "checked")
        r = self.change_password(revoke_authorizations="on")
        self.assertEqual(r.status_code, 302, r.context and r.context["form"].errors)
        r = self.client.get(r["Location"])
        self.assertContains(r, "no application can use your account")
        who = self.client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {token['access_token']}")
        self.assertEqual(who.status_code, 403, "the thief's token still works")
        self.assertEqual(self.refresh(token["refresh_token"]).status_code, 400)
        self.assertFalse(AccessToken.objects.filter(user=self.bob).exists())
        self.assertFalse(RefreshToken.objects.filter(user=self.bob, revoked=None).exists())
        entry = AuditEntry.objects.get(action=AuditEntry.Action.AUTHORIZATION_REVOKED)
        self.assertEqual((entry.actor, entry.application), (self.bob, self.app))
        self.assertEqual(entry.detail, {"reason": "password_changed"})

    def test_an_unredeemed_code_dies_with_the_password_change(self):
        code = self.get_code(self.bob)
        self.change_password(revoke_authorizations="on")
        self.assertEqual(self.exchange(code).status_code, 400)

    def test_the_person_may_keep_the_authorizations(self):
        token = self.exchange(self.get_code(self.bob)).json()["access_token"]
        r = self.change_password()  # box unticked
        self.assertEqual(r.status_code, 302)
        who = self.client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}")
        self.assertEqual(who.json()["username"], "bob")
        revoked = AuditEntry.objects.filter(action=AuditEntry.Action.AUTHORIZATION_REVOKED)
        self.assertFalse(revoked.exists())
