"""oauthapps/services.py: the writes, called directly (the views' tests go through HTTP)."""

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

from oauthapps import selectors, services
from oauthapps.models import AccessToken, Application, Grant, RefreshToken
from oauthapps.protocol.digests import digest
from tests.base import BaseTestCase, oauthapps_settings


def live_tokens(**filters) -> tuple[int, int]:
    return (
        AccessToken.objects.filter(**filters).count(),
        RefreshToken.objects.filter(revoked__isnull=True, **filters).count(),
    )


class ServicesTestCase(BaseTestCase):
    def test_services_take_keyword_arguments_only(self):
        with self.assertRaises(TypeError):
            services.regenerate_secret(self.app)
        with self.assertRaises(TypeError):
            services.revoke_all_authorizations(self.alice)

    def test_create_application_stores_only_the_secrets_hash(self):
        app, secret = services.create_application(
            owner=self.alice,
            name="Hashed Secret App",
            redirect_uris="https://example.com/cb",
            client_type=Application.CLIENT_CONFIDENTIAL,
        )
        app.refresh_from_db()
        self.assertNotEqual(app.client_secret, secret)
        self.assertTrue(check_password(secret, app.client_secret))
        self.assertEqual(app.allowed_scopes, "public")  # the site's default scope

    @oauthapps_settings(APPROVE_NEW_APPLICATIONS=False)
    def test_create_application_follows_the_approval_setting(self):
        app, _ = services.create_application(
            owner=self.alice,
            name="Waiting App",
            redirect_uris="https://example.com/cb",
            client_type=Application.CLIENT_CONFIDENTIAL,
        )
        self.assertFalse(app.approved)

    def test_create_application_refuses_a_redirect_uri_the_rules_refuse(self):
        with self.assertRaises(ValidationError) as caught:
            services.create_application(
                owner=self.alice,
                name="Plain Http App",
                redirect_uris="http://example.com/cb",
                client_type=Application.CLIENT_CONFIDENTIAL,
            )
        self.assertIn("redirect_uris", caught.exception.message_dict)
        self.assertFalse(Application.objects.filter(name="Plain Http App").exists())

    def test_regenerate_secret_replaces_the_old_secret_at_once(self):
        old = self.secret
        new = services.regenerate_secret(application=self.app)
        self.app.refresh_from_db()
        self.assertTrue(check_password(new, self.app.client_secret))
        self.assertFalse(check_password(old, self.app.client_secret))

    def test_revoke_token_takes_the_whole_family(self):
        first = self.issue()
        second = self.refresh(first["refresh_token"]).json()
        access = selectors.find_access_token(token=second["access_token"])
        services.revoke_token(token=access)
        self.assertEqual(live_tokens(user=self.alice), (0, 0))

    def test_revoke_token_family_says_whether_anything_was_live(self):
        self.issue()
        family = RefreshToken.objects.get(user=self.alice).token_family
        self.assertTrue(services.revoke_token_family(family=family))
        self.assertFalse(services.revoke_token_family(family=family))

    def test_revoke_all_tokens_counts_the_people_who_lost_access(self):
        self.issue(self.alice)
        self.issue(self.bob)
        self.assertEqual(services.revoke_all_tokens(application=self.app), 2)
        self.assertEqual(live_tokens(application=self.app), (0, 0))

    def test_revoke_authorization_ends_one_persons_access_only(self):
        self.issue(self.alice)
        self.issue(self.bob)
        self.assertTrue(services.revoke_authorization(user=self.alice, application=self.app))
        self.assertEqual(live_tokens(user=self.alice), (0, 0))
        self.assertEqual(live_tokens(user=self.bob), (1, 1))
        self.assertFalse(services.revoke_authorization(user=self.alice, application=self.app))

    def test_revoke_all_authorizations_ends_tokens_and_unredeemed_codes(self):
        self.issue(self.alice)
        code = self.get_code(self.alice)
        self.assertEqual(services.revoke_all_authorizations(user=self.alice), [self.app])
        self.assertEqual(live_tokens(user=self.alice), (0, 0))
        self.assertFalse(Grant.objects.filter(code=digest(code)).exists())
        self.assertEqual(self.exchange(code).status_code, 400)

    def test_register_application_defaults_to_the_default_scope(self):
        app, _ = services.register_application(
            name="Registered App", redirect_uris=["https://example.com/cb"], scopes=[]
        )
        self.assertIsNone(app.user)
        self.assertEqual(app.allowed_scopes, "public")
        self.assertEqual(app.client_type, Application.CLIENT_CONFIDENTIAL)

    def test_register_application_names_the_available_scopes_for_an_unknown_one(self):
        with self.assertRaises(ValidationError) as caught:
            services.register_application(
                name="Greedy App",
                redirect_uris=["https://example.com/cb"],
                scopes=["public", "admin"],
            )
        self.assertEqual(
            caught.exception.message_dict,
            {"scopes": ["must be a subset of: public, email, openid"]},
        )
