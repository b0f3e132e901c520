from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from chuxin.core.errors import ActionError

from . import actions
from .forms import RoleForm, SearchForm, UnitForm, UnitMoveForm
from .models import CommitteeMember, Person, Role, RoleAssignment, Unit
from .scope import get_unit_for_user, scope_for

CHILDREN_PER_PAGE = 50


@login_required
def unit_roots(request):
    roots = scope_for(request.user).root_units()
    if len(roots) == 1:
        return redirect("unit_detail", code=roots[0].code)
    return render(request, "orgs/unit_roots.html", {"roots": roots})


def _children_page(request, unit):
    children = Unit.objects.children_of(unit).only(
        "code", "name", "short_name", "kind", "level", "numchild", "path"
    )
    return Paginator(children, CHILDREN_PER_PAGE).get_page(request.GET.get("page"))


@login_required
def unit_detail(request, code):
    unit = get_unit_for_user(request.user, code)
    scope = scope_for(request.user)
    ancestors = [a for a in unit.ancestors() if scope.contains(a)]
    committee = CommitteeMember.objects.filter(unit=unit).select_related("person").prefetch_related("domains")
    return render(
        request,
        "orgs/unit_detail.html",
        {
            "unit": unit,
            "ancestors": ancestors,
            "committee": committee,
            "domains": unit.domains.all(),
            "children_page": _children_page(request, unit),
            "can_manage": scope.can_manage(unit),
            "my_roles": [Role(r).label for r in sorted(scope.roles_at(unit))],
            "people_count": unit.people.filter(is_active=True).count(),
        },
    )


@login_required
def unit_children(request, code):
    """The children table alone: the htmx swap target for paging."""
    unit = get_unit_for_user(request.user, code)
    return render(
        request,
        "orgs/unit_detail.html#children",
        {"unit": unit, "children_page": _children_page(request, unit)},
    )


@login_required
def unit_search(request):
    form = SearchForm(request.GET)
    results = []
    q = ""
    if form.is_valid():
        q = form.cleaned_data["q"].strip()
    if q:
        cond = Q(code__startswith=q) | Q(initials__startswith=q.lower()) | Q(name__contains=q)
        results = list(scope_for(request.user).units().filter(cond).order_by("depth", "path")[:50])
    template = (
        "orgs/unit_search.html#results" if request.headers.get("HX-Request") else "orgs/unit_search.html"
    )
    return render(request, template, {"form": form, "q": q, "results": results})


@login_required
@require_http_methods(["GET", "POST"])
def unit_create(request, code):
    parent = get_unit_for_user(request.user, code, need="manage")
    form = UnitForm(request.POST or None, initial={"level": min(parent.level + 1, 6)})
    if request.method == "POST" and form.is_valid():
        try:
            unit = actions.do_create_unit(parent, acting_user=request.user, **form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Unit %(name)s created.") % {"name": unit.name})
            return redirect("unit_detail", code=unit.code)
    return render(request, "orgs/unit_form.html", {"unit": parent, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def unit_move(request, code):
    unit = get_unit_for_user(request.user, code, need="manage")
    form = UnitMoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        target_code = form.cleaned_data["target"].strip()
        try:
            # The target must be one the mover manages too; anything else reads as unknown.
            target = get_unit_for_user(request.user, target_code, need="manage")
        except (Http404, PermissionDenied):
            form.add_error("target", _("Unknown unit code: %(code)s") % {"code": target_code})
        else:
            try:
                actions.do_move_unit(unit, target, acting_user=request.user)
            except ActionError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request, _("%(unit)s now belongs to %(target)s.") % {"unit": unit, "target": target}
                )
                return redirect("unit_detail", code=unit.code)
    return render(request, "orgs/unit_move.html", {"unit": unit, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def unit_roles(request, code):
    unit = get_unit_for_user(request.user, code, need="manage")
    scope = scope_for(request.user)
    form = RoleForm(request.POST or None, initial={"unit_code": unit.code})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = scope.filter(Person.objects.filter(pk=data["person"]), "home_unit__path").first()
        target = scope.units().filter(code=data["unit_code"].strip()).first()
        if person is None:
            form.add_error("person", _("No such person in your units."))
        elif target is None or not scope.can_manage(target):
            form.add_error("unit_code", _("Unknown unit code: %(code)s") % {"code": data["unit_code"]})
        else:
            try:
                actions.do_assign_role(person, target.code, data["role"], acting_user=request.user)
            except ActionError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Role assigned."))
                return redirect("unit_roles", code=unit.code)
    assignments = (
        RoleAssignment.objects.filter(unit=unit).select_related("person").order_by("role", "person__name")
    )
    people = Person.objects.filter(home_unit=unit, is_active=True).order_by("-rank", "name")[:200]
    return render(
        request,
        "orgs/unit_roles.html",
        {"unit": unit, "form": form, "assignments": assignments, "people": people},
    )


@login_required
@require_POST
def unit_role_revoke(request, code, assignment_id):
    unit = get_unit_for_user(request.user, code, need="manage")
    assignment = RoleAssignment.objects.filter(unit=unit, pk=assignment_id).first()
    if assignment is None:
        raise Http404("No such role assignment")
    actions.do_revoke_role(assignment, acting_user=request.user)
    messages.success(request, _("Role revoked."))
    return redirect("unit_roles", code=unit.code)


@login_required
@require_http_methods(["GET", "POST"])
def org_import(request, code):
    """Load units, people with roles and committees from one .xlsx: check first, then confirm. A checked file
    that can be applied waits as the user's upload (listed on the page, opened again or cancelled); one that
    cannot is not kept."""
    from chuxin.core import uploads
    from chuxin.core.xlsx import Limits, XlsxRefused, check_size, megabytes, name_refused

    unit = get_unit_for_user(request.user, code, need="manage")
    ctx = {
        "unit": unit,
        "limit_mb": megabytes(Limits.from_settings().max_bytes),
        "import_url": reverse("org_import", kwargs={"code": unit.code}),
    }

    def own(sha):
        state = uploads.own_state(unit.code, sha, request.user.pk, kind="org")
        if state is None or not uploads.upload_path(unit.code, sha).exists():
            return None
        return state

    if request.method == "GET":
        sha = request.GET.get("upload")
        if sha:
            if own(sha) is None:
                raise Http404("No such upload")
            return _org_check(request, unit, sha, ctx, confirm=False)
        ctx |= {
            "waiting": uploads.waiting(unit.code, request.user.pk, kind="org"),
            "retention_days": uploads.retention_days(),
        }
        return render(request, "orgs/org_import.html", ctx)
    sha = request.POST.get("sha", "")
    if request.POST.get("cancel") == "1":
        if own(sha) is None:
            raise Http404("No such upload")
        uploads.forget(unit.code, sha)
        messages.success(request, _("The import was cancelled and the uploaded file deleted."))
        return redirect("org_import", code=unit.code)
    if request.POST.get("confirm") == "1":
        if own(sha) is None:
            ctx["file_error"] = _("The uploaded file has expired; upload it again.")
            return render(request, "orgs/org_import.html", ctx, status=400)
        return _org_check(request, unit, sha, ctx, confirm=True)
    f = request.FILES.get("file")
    refused = _("Only Excel workbooks (.xlsx) can be imported.") if f is None else name_refused(f.name)
    if refused:
        ctx["file_error"] = refused
        return render(request, "orgs/org_import.html", ctx, status=400)
    try:
        check_size(f.size)
        sha = uploads.save_upload(f, unit.code, uploads.owner(request.user.pk, "org"))
    except (XlsxRefused, uploads.QuotaExceeded) as exc:
        ctx["file_error"] = str(exc)
        return render(request, "orgs/org_import.html", ctx, status=400)
    state = {
        "kind": "org",
        "user": request.user.pk,
        "unit": unit.code,
        "name": f.name[:200],
        "status": "done",
    }
    uploads.write_job(unit.code, sha, state)
    return _org_check(request, unit, sha, ctx, confirm=False)


def _org_check(request, unit, sha, ctx, *, confirm):
    """Check (or apply) the upload; an applied file, or one with nothing that could be applied, leaves the
    disk and the unit's quota at once."""
    from chuxin.core import uploads

    from .actions import do_import_org

    result = do_import_org(
        unit=unit, path=uploads.upload_path(unit.code, sha), confirm=confirm, acting_user=request.user
    )
    can_confirm = not result.get("file_error") and not result["errors"] and bool(result["changes"])
    if result.get("applied") or not can_confirm:
        uploads.forget(unit.code, sha)
    if result.get("applied"):
        messages.success(
            request,
            _("Organisation loaded: %(units)s units, %(people)s people, %(seats)s committee seats changed.")
            % result["counts"],
        )
        return redirect("org_import", code=unit.code)
    ctx |= {"result": result, "sha": sha, "can_confirm": can_confirm}
    return render(request, "orgs/org_import.html", ctx, status=400 if result.get("file_error") else 200)
