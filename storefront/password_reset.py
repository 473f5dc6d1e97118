"""The password-reset link: made for the customer at delivery, never stored where staff can read it.

The request stores the e-mail's context with the link's token masked (`notifications.secrets.MASK`); the
worker asks `password_reset_secrets` for the real link when it hands the e-mail over, and the outbox row
keeps only the masked text. A token made at delivery is as good as one made at the request (Django's
tokens are derived from the account's state and the time), and its validity counts from the sending.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from notifications.secrets import MASK


def password_reset_url(user, *, token: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("storefront:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return f"{settings.OMS_SITE_URL}{path}"


def password_reset_masked_context(user, *, shop_name: str, email: str) -> dict:
    """What the outbox row stores: the link without its token."""
    return {"shop_name": shop_name, "email": email, "reset_url": password_reset_url(user, token=MASK)}


def password_reset_secrets(message) -> dict:
    """The real link for the message's account (`topic_id`), if it may still reset by e-mail: an active
    customer account whose address is still the one the message goes to. Anything else raises (the message
    fails visibly and nothing is sent)."""
    user = get_user_model().objects.filter(pk=message.topic_id, is_active=True, is_staff=False).first()
    if user is None or not user.has_usable_password() or user.email.strip().lower() != message.to.strip().lower():
        raise ValueError("The account can no longer reset its password by this e-mail address.")
    return {"reset_url": password_reset_url(user, token=default_token_generator.make_token(user))}


def account_invitation_secrets(message) -> dict:
    """The real set-password link of an invitation (orders.services.customers): the message's account
    (`topic_id`) must still be an active customer account at the message's address and must not have chosen
    a password yet (then the invitation is spent; the customer uses "Forgot your password?")."""
    user = get_user_model().objects.filter(pk=message.topic_id, is_active=True, is_staff=False).first()
    if user is None or user.has_usable_password() or user.email.strip().lower() != message.to.strip().lower():
        raise ValueError("The account is no longer waiting for its first password at this address.")
    return {"reset_url": password_reset_url(user, token=default_token_generator.make_token(user))}
