"""Shared pytest set-up for the suite."""


def pytest_configure(config):
    # tests/test_browser.py: a real Chromium. Skip it with `pytest -m "not browser"`.
    config.addinivalue_line("markers", "browser: drives a real browser (Debian's Chromium)")
