"""docs/security.md: every requirement row names tests, and every named test exists.

(Whether they pass is what the rest of the suite says.)
"""

import importlib
import re
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase

TEST_ID = re.compile(r"tests/(test_\w+)\.py::(\w+)(?:::(\w+))?")


class SecurityDocTestCase(SimpleTestCase):
    def setUp(self):
        self.text = (Path(settings.BASE_DIR) / "docs" / "security.md").read_text()

    def test_it_names_a_test_in_every_requirement_row(self):
        rows = [line for line in self.text.splitlines() if line.startswith("| §")]
        self.assertGreater(len(rows), 40)
        for row in rows:
            with self.subTest(row=row[:60]):
                self.assertRegex(row, TEST_ID)

    def test_it_names_only_tests_that_exist(self):
        ids = set(TEST_ID.findall(self.text))
        self.assertGreater(len(ids), 50)
        for module_name, class_name, method in sorted(ids):
            with self.subTest(f"{module_name}::{class_name}::{method}"):
                module = importlib.import_module(f"tests.{module_name}")
                found = getattr(module, class_name, None)
                self.assertIsNotNone(found)
                if method:
                    self.assertTrue(callable(getattr(found, method, None)))
