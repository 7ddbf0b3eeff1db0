"""Settings pages under /user/apps/: the signed-in person's OAuth applications."""
# Placeholder: filled in by the settings-pages work.
from django.http import HttpResponse


def _todo(request, pk=None):
    return HttpResponse(status=501)


app_list = app_create = app_edit = app_regenerate = app_revoke_all = app_delete = _todo
