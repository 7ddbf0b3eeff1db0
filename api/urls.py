from django.urls import re_path

from api import views

urlpatterns = [
    re_path(r"^whoami/?$", views.WhoAmIView.as_view(), name="whoami"),
    re_path(r"^delete-token/?$", views.DeleteTokenView.as_view(), name="delete_token"),
    re_path(r"^v1/apps/?$", views.AppRegistrationView.as_view(), name="app_registration"),
]
