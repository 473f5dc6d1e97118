"""manage.py generate_orders --orders N: bulk-load a realistic order history (see orders/bulkload.py)."""

import time

from django.core.management.base import BaseCommand

from orders.bulkload import generate


class Command(BaseCommand):
    help = "Bulk-load N generated orders (every status, splits, payments, stock) for benchmarks and scale tests."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, required=True, help="How many orders (split-off ones come on top).")
        parser.add_argument("--customers", type=int, default=None, help="Default: one per ten orders.")
        parser.add_argument("--days", type=int, default=730, help="Spread the orders over this many days back.")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, orders, customers, days, seed, **options):
        started = time.monotonic()

        def progress(done: int) -> None:
            if done % 100_000 == 0 or done == orders:
                self.stdout.write(f"  {done:,} orders ({time.monotonic() - started:.0f} s)")

        counts = generate(orders=orders, customers=customers, days=days, seed=seed, progress=progress)
        for table, rows in sorted(counts.items()):
            self.stdout.write(f"{rows:>12,} {table}")
        self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - started:.0f} s."))
