"""Background work of the study strand."""

from django_tasks import task


@task()
def count_session_organs_task(meeting_id: int) -> bool:
    """Add a study session created near the root to the organ tallies (study/actions.py
    `count_session_organs`): queued by the session's creation, safe to run more than once."""
    from .actions import count_session_organs

    return count_session_organs(meeting_id)
