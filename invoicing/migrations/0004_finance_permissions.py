from django.db import migrations

from oms.permissions import ROLE_FINANCE, ROLE_MANAGER, grant_group_permissions

# Finance and managers read the reports and the document access log; nobody changes access rows.
FINANCE = ["invoicing.view_invoicereport", "invoicing.view_documentaccess"]


def grant(apps, schema_editor):
    grant_group_permissions(apps, {ROLE_FINANCE: FINANCE, ROLE_MANAGER: FINANCE})


class Migration(migrations.Migration):
    dependencies = [("invoicing", "0003_document_access"), ("oms", "0002_staff_groups")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
