"""Forms for the settings pages under /user/apps/."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Value
from django.db.models.functions import Lower

from oauthapps.conf import app_settings
from oauthapps.models import TITLE_TAKEN, Application
from oauthapps.protocol import redirect_uris

CLIENT_TYPE_CHOICES = [
    (Application.CLIENT_CONFIDENTIAL, "Server-side application (confidential, has a secret)"),
    (Application.CLIENT_PUBLIC, "Native or browser application (public, uses PKCE, no secret)"),
]

REDIRECT_URIS_HELP = (
    "One per line. Use https; http only for 127.0.0.1, [::1] and localhost; a custom "
    "scheme such as com.example.app:/callback for native apps; or "
    f"{redirect_uris.OOB_URI} to show the code on a page. No fragments (#)."
)


class ApplicationForm(forms.ModelForm):
    """Create or edit an application. client_id and the secret are never typed."""

    redirect_uris = forms.CharField(
        label="Redirect URIs",
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=REDIRECT_URIS_HELP,
        error_messages={"required": redirect_uris.REQUIRED},
    )
    client_type = forms.ChoiceField(label="Client type", choices=CLIENT_TYPE_CHOICES)
    allowed_scopes = forms.MultipleChoiceField(
        label="Allowed scopes",
        widget=forms.CheckboxSelectMultiple,
        help_text="The scopes this application may ask people for.",
        error_messages={"required": "Choose at least one scope."},
    )

    class Meta:
        model = Application
        fields = [
            "name",
            "description",
            "redirect_uris",
            "client_type",
            "allowed_scopes",
            "allow_client_credentials",
        ]
        labels = {
            "name": "Title",
            "allow_client_credentials": "Allow the client credentials grant",
        }
        help_texts = {
            "description": "Up to 300 characters; shown to people on the consent page.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["allowed_scopes"].choices = list(app_settings.SCOPES.items())
        # The model stores both lists space-separated; the form shows one per line / checked.
        if not self.is_bound:
            instance = self.instance
            self.initial["redirect_uris"] = "\n".join(instance.redirect_uri_list)
            self.initial["allowed_scopes"] = instance.allowed_scopes.split()

    def clean_name(self) -> str:
        # The database constraint is on Lower(name): check it here so a duplicate is an
        # error on this field (Django would report the constraint as a form-wide error).
        name = self.cleaned_data["name"]
        taken = Application.objects.annotate(lower_name=Lower("name")).filter(
            lower_name=Lower(Value(name))
        )
        if self.instance.pk is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(TITLE_TAKEN, code="unique")
        return name

    def clean_redirect_uris(self) -> str:
        uris = list(
            dict.fromkeys(redirect_uris.split_redirect_uris(self.cleaned_data["redirect_uris"]))
        )
        errors = redirect_uris.problems(uris)
        if errors:
            raise ValidationError(errors)
        if not uris:
            raise ValidationError(self.fields["redirect_uris"].error_messages["required"])
        return " ".join(uris)

    def clean_allowed_scopes(self) -> str:
        chosen = set(self.cleaned_data["allowed_scopes"])
        return " ".join(name for name in app_settings.SCOPES if name in chosen)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if (
            cleaned.get("allow_client_credentials")
            and cleaned.get("client_type") == Application.CLIENT_PUBLIC
        ):
            # RFC 6749 §4.4: only a client that can keep a secret may act on its own behalf.
            self.add_error(
                "allow_client_credentials",
                "Only server-side (confidential) applications can use client credentials.",
            )
        return cleaned

    def application_fields(self) -> dict[str, Any]:
        """The cleaned values, as keyword arguments for services.create_application."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
