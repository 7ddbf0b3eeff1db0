"""django-oauth-toolkit's operator commands, answered for Gatehouse.

DOT ships `createapplication` and `cleartokens`. Neither knows Gatehouse's rules (titles,
redirect-URI rules, secrets shown once, tokens stored as digests, codes and rotated
refresh tokens kept for replay detection), so each refuses with the sentence naming the
command to use. This app is listed before `oauth2_provider` in INSTALLED_APPS: Django
takes a command from the first app that has it.
"""
