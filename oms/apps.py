from django.apps import AppConfig


class OmsConfig(AppConfig):
    name = "oms"
    verbose_name = "Shop"

    def ready(self) -> None:
        from .history import history_descriptors_cache

        history_descriptors_cache()
