"""plumbing.prepared.PreparedRead: the ORM's own answer, compiled once."""

from django.db.models import OuterRef, Subquery

from oauthapps.models import AccessToken, Application, RefreshToken
from oauthapps.protocol.digests import digest
from plumbing.prepared import PreparedRead
from tests.base import BaseTestCase


class PreparedReadTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        token = self.get_token()
        self.token = AccessToken.objects.get(token_checksum=digest(token))

    def test_it_returns_what_the_orm_returns_with_one_query(self):
        read = PreparedRead(
            lambda checksum: AccessToken.objects.select_related("user", "application").filter(
                token_checksum=checksum
            )
        )
        expected = (
            AccessToken.objects.select_related("user", "application")
            .filter(token_checksum=self.token.token_checksum)
            .first()
        )
        for _ in range(2):  # compiled on the first call, reused on the second
            with self.assertNumQueries(1):
                found = read.first(self.token.token_checksum)
                self.assertEqual(found.user.username, "alice")
                self.assertEqual(found.application.client_id, self.app.client_id)
            self.assertEqual(found, expected)
            self.assertEqual(found.expires, expected.expires)
            self.assertEqual(found.scope, expected.scope)
        self.assertIsNone(read.first("no such checksum"))

    def test_it_keeps_annotations_and_integer_arguments(self):
        family = RefreshToken.objects.filter(access_token=OuterRef("pk")).values("token_family")
        read = PreparedRead(
            lambda checksum, application_id: AccessToken.objects.filter(
                token_checksum=checksum, application_id=application_id
            ).annotate(family=Subquery(family[:1])),
            kinds=(str, int),
        )
        found = read.first(self.token.token_checksum, self.app.pk)
        self.assertEqual(
            found.family, RefreshToken.objects.get(access_token=self.token).token_family
        )
        self.assertIsNone(read.first(self.token.token_checksum, self.app.pk + 1000))

    def test_it_refuses_a_query_that_does_not_use_its_arguments(self):
        read = PreparedRead(lambda client_id: Application.objects.all())
        with self.assertRaises(ValueError):
            read.first("x")
