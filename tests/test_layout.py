"""The layout's rules (docs/architecture.md), checked on the source itself.

- no application module over 400 lines (tests, migrations and bench aside);
- the site plumbing (`plumbing/`) knows nothing of the OAuth app, the API or accounts;
- under `config/`, only the URL conf and the settings import the site's apps.
"""

import ast
from pathlib import Path

from django.test import SimpleTestCase

ROOT = Path(__file__).resolve().parent.parent
APPLICATION = ("accounts", "api", "config", "oauthapps", "plumbing")
SITE_APPS = ("oauthapps", "api", "accounts")
MAX_LINES = 400


def modules(*folders: str) -> list[Path]:
    found = []
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                found.append(path)
    return found


def imported(path: Path) -> set[str]:
    """Every module `path` imports, at any depth (function-level imports included)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def imports_a_site_app(path: Path) -> list[str]:
    return sorted(n for n in imported(path) if n.split(".")[0] in SITE_APPS)


class LayoutTestCase(SimpleTestCase):
    def test_no_application_module_is_over_400_lines(self):
        long = {
            str(path.relative_to(ROOT)): count
            for path in modules(*APPLICATION)
            if (count := len(path.read_text().splitlines())) > MAX_LINES
        }
        self.assertEqual(long, {})

    def test_the_site_plumbing_imports_nothing_from_the_site_apps(self):
        found = {
            str(path.relative_to(ROOT)): names
            for path in modules("plumbing")
            if (names := imports_a_site_app(path))
        }
        self.assertEqual(found, {})

    def test_only_the_url_conf_and_settings_under_config_import_the_site_apps(self):
        allowed = {ROOT / "config" / "urls.py", ROOT / "config" / "settings_test.py"}
        found = {
            str(path.relative_to(ROOT)): names
            for path in modules("config")
            if path not in allowed
            and "settings" not in path.relative_to(ROOT / "config").parts
            and (names := imports_a_site_app(path))
        }
        self.assertEqual(found, {})

    def test_the_checks_see_the_imports_they_look_for(self):
        # The checks above would pass vacuously if `imported` missed imports.
        self.assertIn("oauthapps.errors", imported(ROOT / "oauthapps" / "middleware.py"))
        self.assertIn(
            "config.settings.env.env", imported(ROOT / "config" / "settings" / "oauth.py")
        )
        self.assertTrue(imports_a_site_app(ROOT / "config" / "urls.py"))
