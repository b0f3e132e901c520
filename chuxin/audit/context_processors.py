from .search import auditor_paths


def audit_nav(request):
    """Whether the navigation shows the audit log: for auditors and superusers, evaluated only when the page
    shell asks (the scope is cached per request)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"can_read_audit": lambda: auditor_paths(user) != []}
