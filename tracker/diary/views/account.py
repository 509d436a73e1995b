"""Account pages outside the diary itself: deleting one's account, and the reminder e-mail's one-click check-in."""

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tracker.diary.account_deletion import (
    check_may_delete_own_account,
    patient_account_delete,
    people_with_access,
    record_counts,
)
from tracker.diary.forms import AccountDeleteForm
from tracker.diary.reminders import ReminderLinkRefused, read_reminder_token, reminder_checkin_record


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    check_may_delete_own_account(request.user)
    form = AccountDeleteForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        deleted = patient_account_delete(patient=request.user)
        logout(request)
        return render(request, "tracker/account_delete.html", {"deleted": deleted})
    context = {
        "form": form,
        "record": record_counts(request.user),
        "with_access": people_with_access(request.user),
    }
    return render(request, "tracker/account_delete.html", context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def reminder_checkin(request: HttpRequest, token: str) -> HttpResponse:
    """Record "no cramps" for the day a reminder e-mail names, without logging in."""
    # Mail scanners and link previews open links on their own, so GET only asks;
    # the one button on that page POSTs (with CSRF) and only the POST records.
    try:
        link = read_reminder_token(token)
        if request.method == "POST":
            checkin = reminder_checkin_record(link=link)
            return render(request, "tracker/reminder_checkin.html", {"recorded_day": checkin.day})
    except ReminderLinkRefused as refusal:
        return render(request, "tracker/reminder_checkin.html", {"refusal": refusal.reason}, status=refusal.status)
    return render(request, "tracker/reminder_checkin.html", {"day": link.day})
