"""Taking a record out (CSV, JSON, FHIR) and bringing episodes back in from our CSV."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from accounts.audit import audit
from accounts.decorators import patient_required
from accounts.models import User
from crampapp.replica import reads_from_replica
from tracker.models import AccessLog, Episode
from tracker.portability.csv_export import COLUMN_GUIDE, csv_lines
from tracker.portability.csv_import import episodes_import_csv
from tracker.portability.fhir import FHIR_CONTENT_TYPE, fhir_bundle_json
from tracker.portability.forms import EpisodeImportForm
from tracker.portability.record import record_json
from tracker.portability.record_file import read_record
from tracker.portability.record_read import record_plan
from tracker.portability.restore import ImportRejected, NotYourRecord, RestoreResult, record_restore
from tracker.sharing.access import access_patient
from tracker.sharing.services import access_log_record

# format in the URL: (file name ending, what a clinician's download is logged as)
EXPORT_FORMATS = {
    "csv": ("csv", AccessLog.Action.EXPORT_CSV),
    "json": ("json", AccessLog.Action.EXPORT_JSON),
    "fhir": ("fhir.json", AccessLog.Action.EXPORT_FHIR),
}


def _download(patient: User, export_format: str, *, for_clinician: bool) -> HttpResponse:
    """The patient's whole record in one of the export formats, as a file to save."""
    ending, _ = EXPORT_FORMATS[export_format]
    if export_format == "csv":
        response = StreamingHttpResponse(
            csv_lines(Episode.objects.for_patient(patient), patient), content_type="text/csv; charset=utf-8"
        )
    elif export_format == "json":
        response = StreamingHttpResponse(
            record_json(patient, include_sharing=not for_clinician), content_type="application/json"
        )
    else:
        response = StreamingHttpResponse(fhir_bundle_json(patient), content_type=FHIR_CONTENT_TYPE)
    whose = f"patient-{patient.pk}" if for_clinician else "my"
    response["Content-Disposition"] = f'attachment; filename="crampapp-{whose}-record-{patient.today()}.{ending}"'
    return response


@patient_required
@require_safe
def export_page(request: HttpRequest) -> HttpResponse:
    episode_count = Episode.objects.for_patient(request.user).cramp_total()
    return render(request, "tracker/export.html", {"columns": COLUMN_GUIDE, "episode_count": episode_count})


@reads_from_replica
@patient_required
@require_safe
def export_download(request: HttpRequest, export_format: str) -> HttpResponse:
    """The signed-in patient's own record; there is no way to name anyone else's."""
    if export_format not in EXPORT_FORMATS:
        raise Http404("No such export format.")
    audit(f"export_{export_format}", request=request, patient_id=request.user.pk, by="patient")
    return _download(request.user, export_format, for_clinician=False)


@reads_from_replica
@login_required
@require_safe
def clinician_export_download(request: HttpRequest, patient_id: int, export_format: str) -> HttpResponse:
    patient = access_patient(request.user, patient_id)
    if export_format not in EXPORT_FORMATS:
        raise Http404("No such export format.")
    for_clinician = request.user != patient
    if for_clinician:
        _, action = EXPORT_FORMATS[export_format]
        access_log_record(request=request, patient=patient, action=action, detail="whole record")
    return _download(patient, export_format, for_clinician=for_clinician)


def _is_record(upload: UploadedFile) -> bool:
    """A JSON file (named so, or opening as JSON does), to be read as a backup rather than as a CSV."""
    start = upload.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    upload.seek(0)
    return upload.name.lower().endswith(".json") or start.startswith((b"{", b"["))


def _restored(request: HttpRequest, form: EpisodeImportForm) -> RestoreResult:
    upload = form.cleaned_data["file"]
    if not _is_record(upload):
        return episodes_import_csv(patient=request.user, created_by=request.user, upload=upload)
    plan = record_plan(request.user, read_record(upload))
    return record_restore(
        patient=request.user,
        created_by=request.user,
        plan=plan,
        owner_confirmed=form.cleaned_data["record_is_mine"],
    )


@patient_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_episodes(request: HttpRequest) -> HttpResponse:
    """A JSON backup or a CSV brought back into the patient's own account: all of it or nothing."""
    posted = request.method == "POST"
    form = EpisodeImportForm(request.POST if posted else None, request.FILES if posted else None)
    ask_owner = posted and form.data.get("record_is_mine")
    if posted and form.is_valid():
        try:
            result = _restored(request, form)
        except ImportRejected as rejected:
            # A restore that was refused may have set the account's zone before it was rolled back.
            request.user.refresh_from_db()
            form.add_error("file", rejected.shown())
            ask_owner = ask_owner or isinstance(rejected, NotYourRecord)
        else:
            messages.success(request, f"Imported: {result.message()}")
            for note in (result.left_out_message(), result.by_others_message()):
                if note:
                    messages.info(request, note)
            return redirect("tracker:episode_list")
    return render(request, "tracker/import.html", {"form": form, "ask_owner": ask_owner})
