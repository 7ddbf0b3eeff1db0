"""The glue between Gatehouse and django-oauth-toolkit / oauthlib: the server, the request
validator, the backend, request parsing, scopes, OpenID Connect claims, generators and
hashers. Nothing here renders a page."""
