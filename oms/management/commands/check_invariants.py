"""Check the live database against every registered invariant rule; exit non-zero on any break."""

from django.core.management.base import BaseCommand, CommandError

from oms.invariants import run_all


class Command(BaseCommand):
    help = "Check stock, allocation and money invariants; print each rule with the rows that break it."

    def handle(self, *args, **options):
        broken = 0
        for rule, rows in run_all():
            if not rows:
                self.stdout.write(f"{self.style.SUCCESS('OK    ')} {rule.name}")
                continue
            broken += 1
            self.stdout.write(f"{self.style.ERROR('BROKEN')} {rule.name}")
            for row in rows:
                self.stdout.write(f"         {row}")
        if broken:
            raise CommandError(f"{broken} invariant rule(s) broken.", returncode=1)
        self.stdout.write("All invariants hold.")
