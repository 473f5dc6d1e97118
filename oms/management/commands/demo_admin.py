"""Demo logins: a superuser, one staff user per role and a customer, with passwords printed for the local demo.

The passwords are random, made on the first run and kept in var/demo_logins.txt (outside the repository);
later runs set the same passwords again, so a demo login that was changed or locked out works again.
Refused when DEBUG is off unless --force is given: a production database gets no printed passwords.
"""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from oms.models import User
from oms.permissions import ROLE_FINANCE, ROLE_MANAGER, ROLE_ORDER_DESK, ROLE_WAREHOUSE
from orders.models import Address, Customer

SUPERUSER = "admin@example.com"
CUSTOMER = "customer@example.com"
STAFF = {
    "desk@example.com": ROLE_ORDER_DESK,
    "warehouse@example.com": ROLE_WAREHOUSE,
    "finance@example.com": ROLE_FINANCE,
    "manager@example.com": ROLE_MANAGER,
}
LOGINS_FILE = "demo_logins.txt"


class Command(BaseCommand):
    help = "Create (or reset) the demo logins and print them. For the local demo only."

    def add_arguments(self, parser):
        parser.add_argument("--new-passwords", action="store_true", help="Make new passwords instead of reusing.")
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (never in production).")

    def handle(self, *args, new_passwords=False, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("demo_admin makes logins with printed passwords; it runs only with DJANGO_DEBUG=1.")
        path = Path(settings.VAR_DIR) / LOGINS_FILE
        passwords = {} if new_passwords else _read(path)
        roles = {SUPERUSER: "superuser", **STAFF, CUSTOMER: "customer"}
        for email in roles:
            passwords.setdefault(email, secrets.token_urlsafe(12))
        with transaction.atomic():
            _user(SUPERUSER, passwords[SUPERUSER], is_staff=True, is_superuser=True)
            for email, group in STAFF.items():
                _user(email, passwords[email], is_staff=True).groups.set([Group.objects.get(name=group)])
            _customer(_user(CUSTOMER, passwords[CUSTOMER]))
        _write(path, roles, passwords)
        self.stdout.write(f"Demo logins (local demo only; kept in {path}):")
        for email, role in roles.items():
            where = "/account/" if email == CUSTOMER else "/admin/"
            self.stdout.write(f"  {role:<11} {email:<24} {passwords[email]:<18} {where}")


def _read(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    pairs = (line.split() for line in path.read_text().splitlines() if line and not line.startswith("#"))
    return {parts[1]: parts[2] for parts in pairs if len(parts) == 3}


def _write(path: Path, roles: dict[str, str], passwords: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# OMS demo logins: role e-mail password (local demo only; made by manage.py demo_admin)"]
    lines += [f"{role.replace(' ', '_')} {email} {passwords[email]}" for email, role in roles.items()]
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)


def _user(email: str, password: str, *, is_staff: bool = False, is_superuser: bool = False) -> User:
    user, _ = User.objects.get_or_create(email=email)
    user.is_staff, user.is_superuser, user.is_active = is_staff, is_superuser, True
    user.set_password(password)
    user.save()
    return user


def _customer(user: User) -> Customer:
    """The demo customer's profile; seed_demo gives it orders (it is the first of its customers)."""
    customer, created = Customer.objects.get_or_create(
        user=user, defaults={"name": "Sanne de Vries", "email": user.email}
    )
    if created:
        Address.objects.create(
            customer=customer,
            name=customer.name,
            street="Kerkstraat 12",
            postal_code="3511 AB",
            city="Utrecht",
            is_default_billing=True,
            is_default_shipping=True,
        )
    return customer
