"""Login throttling with django-axes: the account+IP key, the message people see, and the locked-out page.

django-axes counts failed sign-ins per (e-mail address, IP address) and, past the limit, its backend
refuses that pair before any password is checked. The login forms below turn that refusal into a form
error on the same page (instead of "wrong password"), and `lockout_response` serves that page with
HTTP 429 instead of django-axes' bare text page.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_message(*, staff: bool) -> str:
    reset = "ask a manager to reset your password" if staff else "reset your password"
    return f"Too many failed attempts; try again in {lockout_minutes()} minutes or {reset}."


def username_from(request, credentials) -> str:
    """The account part of the throttling key: the e-mail address as typed, trimmed and lower-cased."""
    username = (credentials or {}).get("username") or request.POST.get("username") or ""
    return str(username).strip().lower()


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """The login page, re-rendered by its form with the lockout message, as 429 Too Many Requests."""
    if original_response is None or original_response.status_code != 200:
        return HttpResponse(lockout_message(staff=request.path.startswith("/admin/")), status=429)
    original_response.status_code = 429
    return original_response


class ThrottledLoginMixin:
    """For AuthenticationForm subclasses: a sign-in refused because of the lockout says so."""

    staff_login = False

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            if getattr(self.request, "axes_locked_out", False):
                raise ValidationError(lockout_message(staff=self.staff_login), code="locked_out") from None
            raise
