"""Work in progress by a helper."""
from django.http import HttpResponse


def export_page(request):
    return HttpResponse(status=501)


def export_download(request, export_format):
    return HttpResponse(status=501)


def import_episodes(request):
    return HttpResponse(status=501)


def clinician_export_download(request, patient_id, export_format):
    return HttpResponse(status=501)
