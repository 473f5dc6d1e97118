"""Sign-in and password-reset forms of the customer account: staff accounts are kept out of both."""

from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from oms.login_throttle import ThrottledLoginMixin


class CustomerLoginForm(ThrottledLoginMixin, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "staff_account": "This is a staff account. Staff sign in to the admin, not to the shop.",
    }

    def clean_username(self) -> str:
        # Accounts are stored with lower-case e-mail addresses; people type them in any case.
        return self.cleaned_data["username"].strip().lower()

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if user.is_staff:
            raise ValidationError(self.error_messages["staff_account"], code="staff_account")

    @property
    def refused_staff(self) -> bool:
        return self.has_error(NON_FIELD_ERRORS, "staff_account")


class CustomerPasswordResetForm(PasswordResetForm):
    def get_users(self, email):
        # The shop's reset link must never become a way into a staff account.
        return (user for user in super().get_users(email) if not user.is_staff)
