"""Customer accounts made by staff: the invitation e-mail with a set-password link.

The link is a storefront password-reset link. Like a reset e-mail, the outbox row stores it with its token
masked (`notifications.secrets.MASK`); the worker asks the provider the storefront registers for
ACCOUNT_INVITATION for the real link when it sends (storefront/password_reset.py), so no staff page and no
outbox row ever holds a token. The token is Django's: derived from the account's state, it stops working
once the customer has chosen a password, and after PASSWORD_RESET_TIMEOUT.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from notifications.models import EmailKind, Message
from notifications.secrets import MASK
from notifications.services.email import email_enqueue
from oms.models import ShopSettings

from ..exceptions import CustomerNotInvitable
from ..models import Customer


def invitation_url(user, *, token: str) -> str:
    """The storefront's set-password page for `user` (the password-reset confirm page)."""
    from django.conf import settings

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("storefront:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return f"{settings.OMS_SITE_URL}{path}"


def _account_for(customer: Customer):
    """The customer's login: the linked account, else an existing customer account with the same address,
    else a new one without a password. A staff account or one that already has a password is refused."""
    User = get_user_model()
    user = customer.user or User.objects.filter(email__iexact=customer.email.strip()).first()
    if user is None:
        user = User.objects.create_user(email=customer.email.strip(), first_name=customer.name[:150])
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if user.is_staff:
        raise CustomerNotInvitable(f"{customer.email}: the address belongs to a staff account.")
    if user.has_usable_password():
        raise CustomerNotInvitable(
            f'{customer.email} already has an account with a password; they can use "Forgot your password?".'
        )
    if not user.is_active:
        raise CustomerNotInvitable(f"{customer.email}: the account is deactivated.")
    return user


@transaction.atomic
def customer_invite(*, customer_id: int, actor) -> Message:
    """Send the customer the account invitation: make (or link) their login and queue the e-mail.

    Locks the customer row. Refused, changing nothing: an address of a staff account, or of an account that
    already has a password. Repeatable: a second invitation sends a fresh e-mail (the link of the first keeps
    working until a password is chosen). Side effects: the customer's `user` link (row history says who), one
    outbox row, sent after commit.
    """
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    user = _account_for(customer)
    if customer.user_id != user.pk:
        customer.user = user
        customer._change_reason = "Account invitation sent"
        customer.save(update_fields=["user"])
    shop = ShopSettings.load()
    context = {"shop_name": shop.name, "customer_name": customer.name, "email": user.email,
               "reset_url": invitation_url(user, token=MASK)}  # fmt: skip
    return email_enqueue(kind=EmailKind.ACCOUNT_INVITATION, to=user.email, context=context, topic="account",
                         topic_id=user.pk, actor=actor)  # fmt: skip
