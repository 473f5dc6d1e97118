"""The invariant auditor's registry. Apps register rules in their `invariants.py` module.

A rule is a function that returns the rows breaking it, as short strings (empty when the rule holds).
`manage.py check_invariants` runs every rule against the live database.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class Rule:
    name: str
    check: Callable[[], list[str]]


RULES: list[Rule] = []


def rule(name: str):
    def decorator(func: Callable[[], list[str]]):
        RULES.append(Rule(name=name, check=func))
        return func

    return decorator


def run_all() -> list[tuple[Rule, list[str]]]:
    autodiscover_modules("invariants")
    return [(r, r.check()) for r in RULES]
