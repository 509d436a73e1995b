from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "CrampApp administration"
# Staff log in through allauth like everyone else, so its rate limits and lockout cover the admin.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_title = "CrampApp admin"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("learn/", include("education.urls")),
    path("admin/", admin.site.urls),
    path("", include("tracker.urls")),
]

handler500 = "crampapp.views.server_error"
