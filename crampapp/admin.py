"""The admin site, its models grouped by what staff do with them rather than by the app that defines them."""

from django.contrib import admin
from django.utils.text import slugify

# Section -> the models in it, as (app label, model name). A model in no section (a new one) keeps its app's own
# heading after these, so that nothing is hidden.
SECTIONS = {
    "People and access": [
        ("accounts", "User"),
        ("auth", "Group"),
        ("account", "EmailAddress"),
        ("mfa", "Authenticator"),
    ],
    "Sharing and audit": [("tracker", "AccessLog")],
    "Clinical content": [("tracker", "Term"), ("education", "Page"), ("questionnaires", "Instrument")],
}


class CrampAppAdminSite(admin.AdminSite):
    site_header = "CrampApp administration"
    site_title = "CrampApp admin"

    def get_app_list(self, request, app_label=None):
        """The index and the sidebar list sections (SECTIONS); an app's own page (`app_label`) lists its models."""
        if app_label is not None:
            return super().get_app_list(request, app_label)
        apps = self._build_app_dict(request)
        models = {(label, model["object_name"]): model for label, app in apps.items() for model in app["models"]}
        sections = []
        for name, members in SECTIONS.items():
            listed = [models.pop(member) for member in members if member in models]
            if listed:
                # No app_url: a section is no app, and has no page of its own (templates/admin/app_list.html).
                sections.append({"name": name, "app_label": slugify(name), "app_url": "", "models": listed})
        for label, app in sorted(apps.items(), key=lambda item: item[1]["name"].lower()):
            rest = [model for model in app["models"] if (label, model["object_name"]) in models]
            if rest:
                sections.append({**app, "models": rest})
        return sections
