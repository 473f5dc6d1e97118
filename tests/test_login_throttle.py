"""Login throttling (django-axes): 5 failures per account and IP lock that pair out for 15 minutes."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from tests.factories import StaffFactory, UserFactory

PASSWORD = "pass-word-123"  # tests.factories.UserFactory's password
CUSTOMER_LOGIN = reverse("storefront:login")
ADMIN_LOGIN = reverse("admin:login")
LOCKED = "Too many failed attempts; try again in 15 minutes or"


def attempt(client, url: str, email: str, password: str, **extra):
    return client.post(url, {"username": email, "password": password}, **extra)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "make_user", "reset_hint"),
    [
        (CUSTOMER_LOGIN, UserFactory, "reset your password"),
        (ADMIN_LOGIN, StaffFactory, "ask a manager to reset your password"),
    ],
)
def test_thirty_wrong_passwords_then_the_right_one_is_refused_with_the_lockout_message(
    client, url, make_user, reset_hint
):
    # given an account
    make_user(email="ann@example.com")
    # when someone tries 30 wrong passwords
    wrong = [attempt(client, url, "ann@example.com", f"guess-{n}") for n in range(30)]
    # then the first four are ordinary refusals and from the fifth on the page says the account is locked
    assert [r.status_code for r in wrong[:4]] == [200] * 4
    assert all(LOCKED not in r.content.decode() for r in wrong[:4])
    assert {r.status_code for r in wrong[4:]} == {429}
    assert all(f"{LOCKED} {reset_hint}." in r.content.decode() for r in wrong[4:])
    # when the right password follows
    right = attempt(client, url, "ann@example.com", PASSWORD)
    # then it is refused too: the login page with the message, nobody signed in
    assert right.status_code == 429
    assert f"{LOCKED} {reset_hint}." in right.content.decode()
    assert 'name="password"' in right.content.decode()  # the sign-in form, not a bare error page
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_the_lock_is_per_account_and_ip_and_ignores_the_case_of_the_address(client):
    # given two accounts, one locked out from one IP (typed in mixed case)
    UserFactory(email="ann@example.com")
    UserFactory(email="bob@example.com")
    for n in range(5):
        attempt(client, CUSTOMER_LOGIN, " Ann@Example.com ", f"guess-{n}", REMOTE_ADDR="10.0.0.1")
    # when the right passwords are used
    same_pair = attempt(client, CUSTOMER_LOGIN, "ann@example.com", PASSWORD, REMOTE_ADDR="10.0.0.1")
    other_account = attempt(client, CUSTOMER_LOGIN, "bob@example.com", PASSWORD, REMOTE_ADDR="10.0.0.1")
    client.logout()
    other_ip = attempt(client, CUSTOMER_LOGIN, "ann@example.com", PASSWORD, REMOTE_ADDR="10.0.0.2")
    # then only the locked pair is refused
    assert same_pair.status_code == 429
    assert other_account.status_code == 302
    assert other_ip.status_code == 302
    assert AccessAttempt.objects.get().username == "ann@example.com"


@pytest.mark.django_db
def test_a_success_before_the_limit_clears_the_count(client):
    # given four failures
    UserFactory(email="ann@example.com")
    for n in range(4):
        attempt(client, CUSTOMER_LOGIN, "ann@example.com", f"guess-{n}")
    # when the right password is used, then the person signs out and mistypes four more times
    assert attempt(client, CUSTOMER_LOGIN, "ann@example.com", PASSWORD).status_code == 302
    client.logout()
    later = [attempt(client, CUSTOMER_LOGIN, "ann@example.com", f"again-{n}") for n in range(4)]
    # then they are not locked out
    assert {r.status_code for r in later} == {200}
    assert attempt(client, CUSTOMER_LOGIN, "ann@example.com", PASSWORD).status_code == 302
