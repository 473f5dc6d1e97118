from django.db import migrations

from oms.permissions import ROLE_FINANCE, ROLE_MANAGER, grant_group_permissions

# Managers and finance read the reports; the order desk and the warehouse do not (their work has its own lists).
REPORTS = ["reports.view_reports"]


def grant(apps, schema_editor):
    grant_group_permissions(apps, {ROLE_FINANCE: REPORTS, ROLE_MANAGER: REPORTS})


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial"), ("oms", "0002_staff_groups")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
