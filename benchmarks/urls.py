"""The app's URLs plus the baseline page of the benchmark."""

from django.http import HttpResponse
from django.template import Context, Template
from django.urls import path

from crampapp.urls import urlpatterns as app_urlpatterns

BASELINE = Template("<!doctype html><title>Baseline</title><p>Hello {{ name }}, visit {{ visits }}.</p>")


def baseline(request):
    """The floor of this stack: a session read and write, and a template."""
    request.session["visits"] = request.session.get("visits", 0) + 1
    return HttpResponse(BASELINE.render(Context({"name": request.user, "visits": request.session["visits"]})))


urlpatterns = [path("benchmark-baseline/", baseline), *app_urlpatterns]
