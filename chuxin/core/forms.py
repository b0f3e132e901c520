from django import forms


class StyledForm(forms.Form):
    """A form whose widgets carry Bootstrap's classes, so templates stay plain."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()


class _BadVersion(str):
    """What a form carried instead of a record version (missing or not a number): the action refuses it
    after its permission check, so a refused POST still answers 403 before it answers "reload"."""


def posted_version(value):
    """The record version a state-changing form carries, as an int; a missing or non-numeric value comes
    back as a marker the actions refuse (the concurrency check is never skipped for a page's request)."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return _BadVersion(value or "")


def is_bad_version(value) -> bool:
    return isinstance(value, _BadVersion)
