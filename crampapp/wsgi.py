"""WSGI entry point, used by gunicorn: `gunicorn crampapp.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crampapp.settings")

application = get_wsgi_application()
