from django.core.management.base import BaseCommand
from django.db import transaction

from fulfillment.demo_holds import holds_demo_seed


class Command(BaseCommand):
    help = (
        "Add the demo's holds and warehouse hand-offs to the demo orders (after seed_demo and demo_admin; "
        "safe to run again)."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            made = holds_demo_seed()
        for line in made:
            self.stdout.write(f"Demo hold / hand-off: {line}")
        if not made:
            self.stdout.write("Demo holds and hand-offs: already there (or no open demo order to use).")
