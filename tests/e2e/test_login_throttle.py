"""A customer and a staff member who keep mistyping their password see why the sign-in stopped working."""

import pytest

from tests.factories import StaffFactory, UserFactory

SHOTS = "/tmp/faults_shots"


def sign_in(page, url: str, email: str, password: str, button: str) -> None:
    page.goto(url)
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click(button)


@pytest.mark.django_db(transaction=True)
def test_customer_locked_out_after_five_wrong_passwords_sees_the_message_and_the_reset_link(live_server, page):
    # given a customer account
    UserFactory(email="ann@example.com")
    url = f"{live_server.url}/account/login/"
    # when five wrong passwords are typed, then the right one
    for n in range(5):
        sign_in(page, url, "ann@example.com", f"wrong-{n}", "button[type=submit]")
    sign_in(page, url, "ann@example.com", "pass-word-123", "button[type=submit]")
    # then the sign-in page says why, and offers the password reset; nobody is signed in
    alert = page.locator("[role=alert]")
    assert alert.inner_text().strip() == ("Too many failed attempts; try again in 15 minutes or reset your password.")
    assert page.get_by_role("link", name="Forgotten your password?").is_visible()
    assert page.url == url
    page.screenshot(path=f"{SHOTS}/storefront_lockout.png", full_page=True)


@pytest.mark.django_db(transaction=True)
def test_staff_locked_out_of_the_admin_see_the_message_on_the_admin_sign_in(live_server, page):
    # given a staff account
    StaffFactory(email="desk@example.com")
    url = f"{live_server.url}/admin/login/"
    # when five wrong passwords are typed, then the right one
    for n in range(5):
        sign_in(page, url, "desk@example.com", f"wrong-{n}", "#login-form [type=submit]")
    sign_in(page, url, "desk@example.com", "pass-word-123", "#login-form [type=submit]")
    # then the admin sign-in page shows the lockout and the admin stays closed
    assert "Too many failed attempts; try again in 15 minutes or ask a manager to reset your password." in (
        page.locator(".errornote", has_text="Too many failed attempts").inner_text()
    )
    assert page.url.startswith(url)
    page.screenshot(path=f"{SHOTS}/admin_lockout.png", full_page=True)
