"""Staff roles. Migrations call `grant_group_permissions`; later apps add their permissions the same way."""

ROLE_ORDER_DESK = "Order desk"
ROLE_WAREHOUSE = "Warehouse"
ROLE_FINANCE = "Finance"
ROLE_MANAGER = "Manager"
ROLES = (ROLE_ORDER_DESK, ROLE_WAREHOUSE, ROLE_FINANCE, ROLE_MANAGER)


def grant_group_permissions(apps, grants: dict[str, list[str]]) -> None:
    """Give each named group the permissions "app_label.codename" (creating permissions first)."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    for app_config in global_apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, perms in grants.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
