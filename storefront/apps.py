from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "storefront"
    verbose_name = "Storefront"

    def ready(self) -> None:
        from notifications.models import EmailKind
        from notifications.secrets import secret_provider_register

        from .password_reset import account_invitation_secrets, password_reset_secrets

        secret_provider_register(EmailKind.PASSWORD_RESET, password_reset_secrets)
        secret_provider_register(EmailKind.ACCOUNT_INVITATION, account_invitation_secrets)
