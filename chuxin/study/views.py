from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from chuxin.campaigns.access import campaign_for
from chuxin.core.errors import ActionError
from chuxin.orgs.models import Person, Unit
from chuxin.orgs.scope import get_unit_for_user, require_record, scope_for

from . import actions
from .access import get_criticism_for_user, get_meeting_for_user, get_venue_for_user
from .completion import cadre_completion, pct, share, venue_completion, venue_people
from .forms import CriticismForm, MeetingForm, MinutesForm, VenueForm
from .models import LIFE_MEETINGS, AttendanceStatus, Meeting, MeetingKind

BULK_PER_PAGE = 400  # two fields a person: stays under Django's 1000-field limit


@login_required
def study_index(request):
    scope = scope_for(request.user)
    return render(request, "study/index.html", {"units": scope.root_units()[:50]})


@login_required
def study_unit(request, code):
    unit = get_unit_for_user(request.user, code)
    campaign = campaign_for(request, unit)
    meetings = Meeting.objects.filter(unit=unit, campaign=campaign).order_by("-date", "-id")
    kind = request.GET.get("kind")
    if kind in MeetingKind.values:
        meetings = meetings.filter(kind=kind)
    page = Paginator(meetings, 50).get_page(request.GET.get("page"))
    committee = [cm.person for cm in unit.committee.select_related("person__home_unit")]
    comp = cadre_completion(committee, campaign)
    cadres = [(p, comp[p.pk][0], comp[p.pk][1], pct(share(*comp[p.pk]))) for p in committee]
    return render(
        request,
        "study/unit.html",
        {
            "unit": unit,
            "campaign": campaign,
            "page": page,
            "kinds": MeetingKind.choices,
            "kind": kind,
            "cadres": cadres,
            "can_record": scope_for(request.user).can_record(unit),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request, code):
    unit = get_unit_for_user(request.user, code)
    campaign = campaign_for(request, unit)
    require_record(request.user, unit)
    form = MeetingForm(request.POST or None, initial={"required_rank": campaign.focus_rank})
    if request.method == "POST" and form.is_valid():
        try:
            meeting = actions.do_create_meeting(
                campaign=campaign, unit=unit, **form.cleaned_data, acting_user=request.user
            )
        except ActionError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Meeting recorded."))
            return redirect("meeting_detail", meeting_id=meeting.pk)
    return render(request, "study/meeting_form.html", {"unit": unit, "form": form, "campaign": campaign})


def _people_of(unit: Unit):
    return Person.objects.filter(home_unit=unit, is_active=True).order_by("-rank", "pk")[:200]


def _meeting_context(request, meeting, **extra):
    scope = scope_for(request.user)
    ctx = {
        "meeting": meeting,
        "unit": meeting.unit,
        "venues": venue_completion(meeting),
        "criticisms": meeting.criticisms.select_related("person", "problem"),
        "can_record": scope.can_record(meeting.unit),
        "venue_form": VenueForm(),
        "criticism_form": CriticismForm(people=_people_of(meeting.unit)),
        "minutes_form": MinutesForm(initial={"minutes": meeting.minutes}),
        "is_dlm": meeting.kind in LIFE_MEETINGS,
        "absences": meeting.attendance.exclude(status=AttendanceStatus.PRESENT)
        .select_related("person", "venue__unit")
        .order_by("venue__unit__path", "person__name")[:300],
    }
    if meeting.kind in LIFE_MEETINGS:
        from chuxin.examine.queries import life_meeting_panel  # materials beforehand, follow-up list

        ctx["life"] = life_meeting_panel(meeting)
    ctx |= extra
    return ctx


@login_required
def meeting_detail(request, meeting_id):
    meeting = get_meeting_for_user(request.user, meeting_id)
    return render(request, "study/meeting_detail.html", _meeting_context(request, meeting))


MEETING_VERBS = {"add_venue", "add_criticism", "minutes"}


@login_required
@require_POST
def meeting_action(request, meeting_id, verb):
    meeting = get_meeting_for_user(request.user, meeting_id)
    if verb not in MEETING_VERBS:
        raise Http404("No such action")
    try:
        if verb == "add_venue":
            form = VenueForm(request.POST)
            if not form.is_valid():
                raise ActionError(_("Give the unit code of the sub-venue."))
            unit = scope_for(request.user).units().filter(code=form.cleaned_data["unit_code"].strip()).first()
            if unit is None:
                raise ActionError(
                    _("%(code)s is not a unit you may reach.") % {"code": form.cleaned_data["unit_code"]}
                )
            actions.do_add_venue(meeting, unit, form.cleaned_data["place"], acting_user=request.user)
            messages.success(request, _("Sub-venue added."))
        elif verb == "add_criticism":
            people = list(_people_of(meeting.unit))
            form = CriticismForm(request.POST, people=people)
            if not form.is_valid():
                raise ActionError(_("Choose the person, the kind and write down what was said."))
            person = next(p for p in people if p.pk == form.cleaned_data["person"])
            actions.do_add_criticism(
                meeting,
                person,
                form.cleaned_data["kind"],
                form.cleaned_data["text"],
                acting_user=request.user,
            )
            messages.success(request, _("Recorded."))
        elif verb == "minutes":
            actions.do_update_minutes(meeting, request.POST.get("minutes", ""), acting_user=request.user)
            messages.success(request, _("Saved."))
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("meeting_detail", meeting_id=meeting.pk)


@login_required
@require_POST
def criticism_handoff(request, criticism_id):
    item = get_criticism_for_user(request.user, criticism_id)
    try:
        actions.do_criticism_to_problem(item, acting_user=request.user)
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Handed to the problem list."))
    return redirect("meeting_detail", meeting_id=item.meeting_id)


@login_required
@require_http_methods(["GET", "POST"])
def attendance_bulk(request, meeting_id, venue_id):
    """One form for a whole venue: a row per person, one radio group per row, saved at once."""
    venue = get_venue_for_user(request.user, meeting_id, venue_id, need="record")
    meeting = venue.meeting
    page = Paginator(venue_people(meeting, venue), BULK_PER_PAGE).get_page(request.GET.get("page"))
    people = list(page.object_list)
    current = {a.person_id: a for a in meeting.attendance.filter(person__in=[p.pk for p in people])}
    errors = []
    if request.method == "POST":
        mark_all = bool(request.POST.get("all_present"))
        rows = []
        for p in people:
            status = AttendanceStatus.PRESENT if mark_all else request.POST.get(f"status_{p.pk}", "")
            note = "" if mark_all else request.POST.get(f"note_{p.pk}", "")
            rows.append((p, status, note))
        try:
            counts = actions.do_bulk_attendance(meeting, venue, rows, acting_user=request.user)
        except ActionError as exc:
            errors = exc.messages
            current = {}
            posted = {p.pk: (s, n) for p, s, n in rows}
        else:
            messages.success(
                request,
                _("Attendance saved: %(created)d new, %(updated)d changed.") % counts,
            )
            url = request.path + (f"?page={page.number}" if page.number > 1 else "")
            return redirect(url)
    else:
        posted = {pk: (a.status, a.note) for pk, a in current.items()}
    rows = [(p, *posted.get(p.pk, ("", ""))) for p in people]
    return render(
        request,
        "study/attendance_bulk.html",
        {
            "meeting": meeting,
            "venue": venue,
            "unit": meeting.unit,
            "rows": rows,
            "page": page,
            "errors": errors,
            "statuses": AttendanceStatus.choices,
        },
    )
