from django import forms
from django.contrib.auth.forms import PasswordChangeForm, UserCreationForm

from accounts.models import User


class SignupForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "display_name", "email")


class GatehousePasswordChangeForm(PasswordChangeForm):
    """Django's password change, offering to end every application's access (ticked)."""

    revoke_authorizations = forms.BooleanField(
        required=False,
        initial=True,
        label="Also sign out every application you authorized",
        help_text="Their access to your account ends now; each will ask for your permission "
        "again. Keep this ticked if someone else may have known your password.",
    )
