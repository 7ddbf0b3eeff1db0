"""/api/docs/: Swagger UI for /api/schema/, offline and under the site's strict CSP.

drf-spectacular's own SpectacularSwaggerView writes its start-up code and a few styles
inline (`<script>…</script>`, `<style>`), which `script-src 'self'; style-src 'self'`
blocks. This page is the same Swagger UI, from drf-spectacular-sidecar's files in our
static files (no CDN), with the start-up code in `api/static/api/docs.js` and the styles
in `api/static/api/docs.css`; the page passes the schema's URL in a data attribute.
"""

from django.urls import reverse
from django.views.generic import TemplateView


class ApiDocsView(TemplateView):
    template_name = "api/docs.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["schema_url"] = reverse("schema") + "?format=json"
        return context
