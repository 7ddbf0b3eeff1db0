"""Gatehouse's URLs plus the two floors. Served only by the bench (bench.settings)."""

from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/read", views.read_floor),
    path("bench/insert", views.insert_floor),
    path("", include("config.urls")),
]
