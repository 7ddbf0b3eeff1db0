"""TRUSTED_PROXIES: behind a load balancer, rate limits and the audit log see the client's
address from X-Forwarded-For, and only when a trusted proxy sent the header
(plumbing/proxy.py)."""

import ipaddress

from django.core.exceptions import ImproperlyConfigured
from django.test import SimpleTestCase, override_settings

from oauthapps.models import AuditEntry
from plumbing.proxy import client_address, parse_address, parse_networks
from tests.base import BaseTestCase, oauthapps_settings

LB = "10.0.0.2"


class ClientAddressTestCase(SimpleTestCase):
    trusted = parse_networks(["10.0.0.0/8", "192.168.1.5", "fd00::/8"])

    def test_it_takes_the_address_a_trusted_proxy_appended(self):
        self.assertEqual(client_address(LB, "203.0.113.9", self.trusted), "203.0.113.9")

    def test_it_walks_past_every_trusted_proxy_from_the_right(self):
        forwarded = "203.0.113.9, 10.1.1.1, 192.168.1.5"
        self.assertEqual(client_address(LB, forwarded, self.trusted), "203.0.113.9")

    def test_it_ignores_what_the_client_wrote_to_the_left(self):
        # The client sent "X-Forwarded-For: 1.2.3.4"; the balancer appended the real one.
        self.assertEqual(client_address(LB, "1.2.3.4, 203.0.113.9", self.trusted), "203.0.113.9")

    def test_it_ignores_the_header_from_anyone_else(self):
        self.assertEqual(client_address("198.51.100.7", "1.2.3.4", self.trusted), "198.51.100.7")

    def test_it_stops_at_garbage(self):
        self.assertEqual(client_address(LB, "203.0.113.9, unknown", self.trusted), LB)
        self.assertEqual(client_address(LB, "garbage, 203.0.113.9", self.trusted), "203.0.113.9")

    def test_it_keeps_the_last_proxy_when_every_entry_is_trusted(self):
        self.assertEqual(client_address(LB, "10.9.9.9", self.trusted), "10.9.9.9")

    def test_it_reads_ports_brackets_and_ipv6(self):
        self.assertEqual(str(parse_address("203.0.113.9:4711")), "203.0.113.9")
        self.assertEqual(str(parse_address("[2001:db8::1]:443")), "2001:db8::1")
        self.assertEqual(str(parse_address("2001:db8::1")), "2001:db8::1")
        self.assertEqual(str(parse_address("::ffff:203.0.113.9")), "203.0.113.9")
        self.assertIsNone(parse_address("unknown"))
        self.assertEqual(client_address("fd00::1", "2001:db8::7", self.trusted), "2001:db8::7")

    def test_a_bad_setting_fails_fast(self):
        with self.assertRaisesMessage(ImproperlyConfigured, "'10.0.0.300' is not an IP"):
            parse_networks(["10.0.0.300"])
        self.assertEqual(parse_networks(["10.0.0.0/8"]), [ipaddress.ip_network("10.0.0.0/8")])


# A day-long window: no window boundary falls inside a test.
@oauthapps_settings(RATE_LIMITS={"client_auth_failures_per_ip": "2/d"})
class TrustedProxyMiddlewareTestCase(BaseTestCase):
    def token_request(self, client: str, remote: str = LB):
        return self.client.post(
            "/oauth/token/",
            {"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"},
            REMOTE_ADDR=remote,
            HTTP_X_FORWARDED_FOR=client,
        )

    def exhaust(self, client: str, remote: str = LB) -> None:
        for _ in range(2):
            self.assertNotEqual(self.token_request(client, remote).status_code, 429)
        self.assertEqual(self.token_request(client, remote).status_code, 429)

    @override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
    def test_clients_behind_a_trusted_proxy_are_counted_apart(self):
        self.exhaust("203.0.113.9")
        self.assertNotEqual(self.token_request("203.0.113.10").status_code, 429)
        # A client cannot escape its limit by writing the header itself.
        self.assertEqual(self.token_request("1.2.3.4, 203.0.113.9").status_code, 429)

    def test_without_the_setting_the_header_is_ignored(self):
        self.exhaust("203.0.113.9")
        # Everyone behind the balancer is one address.
        self.assertEqual(self.token_request("203.0.113.10").status_code, 429)

    @override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
    def test_an_untrusted_sender_cannot_choose_its_address(self):
        self.exhaust("203.0.113.9", remote="198.51.100.7")
        self.assertEqual(self.token_request("203.0.113.10", remote="198.51.100.7").status_code, 429)

    @override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
    def test_the_audit_log_records_the_client(self):
        self.client.force_login(self.alice)
        response = self.client.post(
            self.authorize_url(),
            {"authorize": "1"},
            REMOTE_ADDR=LB,
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )
        self.assertEqual(response.status_code, 302)
        entry = AuditEntry.objects.get(action=AuditEntry.Action.AUTHORIZATION_GRANTED)
        self.assertEqual(entry.ip_address, "203.0.113.9")


# ---- RFC 9700 §4.13: headers a client can forge are not trusted -------------------------


class ForwardedHeadersTestCase(BaseTestCase):
    @oauthapps_settings(RATE_LIMITS={"client_auth_failures_per_ip": "2/m"})
    @oauthapps_settings(RATE_LIMITS={"client_auth_failures_per_ip": "2/m"})
    def test_it_does_not_let_x_forwarded_for_escape_the_rate_limits(self):
        self.app.allow_client_credentials = True
        self.app.save()
        statuses = [
            self.client.post(
                "/oauth/token/",
                {
                    "grant_type": "client_credentials",
                    "client_id": self.app.client_id,
                    "client_secret": "wrong",
                },
                REMOTE_ADDR="10.0.0.1",
                HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
                HTTP_X_REAL_IP=f"198.51.100.{n}",
            ).status_code
            for n in range(3)
        ]
        self.assertEqual(statuses, [400, 400, 429])

    def test_it_records_the_connecting_address_not_a_forwarded_one(self):
        self.client.force_login(self.bob)
        self.client.post(
            self.authorize_url(),
            {"authorize": "1"},
            REMOTE_ADDR="10.0.0.7",
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )
        entry = AuditEntry.objects.get(action=AuditEntry.Action.AUTHORIZATION_GRANTED)
        self.assertEqual(entry.ip_address, "10.0.0.7")
