from django.apps import AppConfig


class OmsConfig(AppConfig):
    name = "oms"
    verbose_name = "Shop"
