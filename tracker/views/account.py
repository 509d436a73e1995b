"""Work in progress by a helper."""
from django.http import HttpResponse


def account_delete(request):
    return HttpResponse(status=501)


def reminder_checkin(request, token):
    return HttpResponse(status=501)
