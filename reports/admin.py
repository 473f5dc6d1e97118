"""The Reports group of the admin sidebar: one entry per report, for users with `reports.view_reports`.
(The pages are plain views under /admin/reports/, see reports/urls.py; admin autodiscovery imports this.)"""

from oms import navigation

from .queries import REPORTS
from .views import PERMISSION

for position, kind in enumerate(REPORTS.values()):
    navigation.entry(
        "Reports", kind.title, icon=kind.icon, url_name=f"reports:{kind.key}", permission=PERMISSION,
        position=10 * (position + 1),
    )  # fmt: skip
