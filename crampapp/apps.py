from django.contrib.admin.apps import AdminConfig


class CrampAppAdminConfig(AdminConfig):
    """Django's admin, with the site that groups its models in sections (crampapp.admin)."""

    default_site = "crampapp.admin.CrampAppAdminSite"
