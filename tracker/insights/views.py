"""The patient's charts and summaries."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.decorators import patient_required
from crampapp.replica import reads_from_replica
from tracker.diary.forms import EventKindFilterForm
from tracker.insights.charts import charts_for
from tracker.insights.factors import factors_for
from tracker.insights.figures import default_period, insights_for
from tracker.insights.periods import period_from


@reads_from_replica
@patient_required
@require_safe
def insights(request: HttpRequest) -> HttpResponse:
    patient = request.user
    today = patient.today()
    period_form, start, end = period_from(request, *default_period(patient, today))
    kind_form = EventKindFilterForm(request.GET if "kind" in request.GET else None)
    data = insights_for(patient, start, end, today, kind=kind_form.chosen_kind())
    factors = factors_for(data)
    context = {
        "patient": patient,
        "period_form": period_form,
        "kind_form": kind_form,
        "insights": data,
        "factors": factors,
        "charts": charts_for(data, factors),
    }
    return render(request, "tracker/insights.html", context)
