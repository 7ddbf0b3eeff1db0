from django.urls import re_path

from api import views

urlpatterns = [
    re_path(r"^whoami/?$", views.WhoAmIView.as_view(), name="whoami"),
]
