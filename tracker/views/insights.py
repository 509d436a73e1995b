from django.http import HttpResponse


def insights(request):
    return HttpResponse(status=501)
