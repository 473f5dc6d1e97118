from django.db import models


class ReportAccess(models.Model):
    """No table: it only carries the permission `reports.view_reports` (who may open the reports section).
    A data migration gives it to the Manager and Finance roles."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_reports", "Can open the reports")]
        verbose_name = "report access"

    def __str__(self) -> str:
        return "Reports"
