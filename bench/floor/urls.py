from django.urls import path

from bench.floor import views

urlpatterns = [
    path("bench/read", views.read),
    path("bench/insert", views.insert),
]
