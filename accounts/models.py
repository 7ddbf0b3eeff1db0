from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person with an account. Keeps Django's `username`; adds a display name."""

    display_name = models.CharField(max_length=100, blank=True)

    def get_display_name(self) -> str:
        return self.display_name or self.username
