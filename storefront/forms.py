"""Sign-in and password-reset forms of the customer account: staff accounts are kept out of both."""

from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from notifications.models import EmailKind
from notifications.services import email_enqueue
from oms.login_throttle import ThrottledLoginMixin

from .password_reset import password_reset_masked_context


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

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        """Through the outbox, like every customer e-mail. The row stores the link with its token masked; the
        worker puts the real link in what it sends (storefront/password_reset.py), so staff never see it."""
        user = context["user"]
        with transaction.atomic():
            email_enqueue(
                kind=EmailKind.PASSWORD_RESET,
                to=to_email,
                context=password_reset_masked_context(user, shop_name=context["shop_name"], email=to_email),
                topic="account",
                topic_id=context["user"].pk,
                from_email=from_email or "",
            )
