from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from tracker.diary.views import offline

from . import views

# Staff log in through allauth like everyone else, so its rate limits and lockout cover the admin.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # The service worker shows this page when there is no connection (pwa/sw.js).
    path("offline/", offline.offline_page, name="offline"),
    path("accounts/", include("allauth.urls")),
    path("learn/", include("education.urls")),
    path("admin/", admin.site.urls),
    path("reminders/", include("notifications.urls")),
    path("", include("tracker.urls")),
    path("", include("questionnaires.urls")),
]

handler500 = "crampapp.views.server_error"
