"""Meetings (M16) and study sessions (M4): work meetings with sub-venues, study sessions,
democratic life meetings; attendance per venue and person."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chuxin.campaigns.models import Campaign
from chuxin.orgs.models import Person, Rank, Unit


class MeetingKind(models.TextChoices):
    WORK_MEETING = "work_meeting", _("Work meeting")
    STUDY_SESSION = "study_session", _("Study session")
    DEMOCRATIC_LIFE = "democratic_life", _("Democratic life meeting")
    ORG_LIFE = "org_life", _("Organisational life meeting")


# 民主生活会 (leading groups) and 组织生活会 (branches): criticism and self-criticism, problems raised.
LIFE_MEETINGS = (MeetingKind.DEMOCRATIC_LIFE, MeetingKind.ORG_LIFE)


class StudyKind(models.TextChoices):
    # the forms a 集中学习 (study session) takes; the value keeps its first name, the label is the glossary's
    CONCENTRATED = "concentrated", _("Special-topic study")
    READING_CLASS = "reading_class", _("Reading class")
    PARTY_LECTURE = "party_lecture", _("Special party lecture")


class TopicKind(models.TextChoices):
    REVOLUTIONARY = "revolutionary", _("Revolutionary tradition education")
    SITUATION = "situation", _("Situation and policy education")
    MODELS = "models", _("Advanced model education")
    WARNING = "warning", _("Warning education")


class Meeting(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="meetings")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("organiser")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=MeetingKind.choices)
    study_kind = models.CharField(_("study form"), max_length=16, choices=StudyKind.choices, blank=True)
    topic_kind = models.CharField(_("education topic"), max_length=16, choices=TopicKind.choices, blank=True)
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    speaker = models.CharField(_("speaker"), max_length=120, blank=True)
    materials = models.TextField(_("materials"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    required_rank = models.PositiveSmallIntegerField(
        _("required: rank at or above"), choices=Rank.choices, default=Rank.VICE_COUNTY
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # a study session's share of the organ tallies (study.organ_required) is added: False while the background
    # task adding it for a session near the root has not run yet (chuxin/study/tasks.py); the recount counts
    # the sessions whose share was added, so the tallies equal it at every moment
    organs_counted = models.BooleanField(default=True, editable=False)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("meeting")
        indexes = [
            models.Index(fields=["unit", "kind", "date"], name="study_meeting_unit_kind"),
            # the few sessions whose organ tallies are still being added
            models.Index(
                fields=["campaign"],
                condition=models.Q(organs_counted=False),
                name="study_meeting_organs_pending",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def material_links(self) -> list[str]:
        return [line.strip() for line in self.materials.splitlines() if line.strip()]


class Venue(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="venues")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    is_main = models.BooleanField(_("main venue"), default=False)
    place = models.CharField(_("place"), max_length=200, blank=True)

    class Meta:
        ordering = ["-is_main", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "unit"], name="study_venue_unique_unit"),
        ]
        verbose_name = _("venue")

    def __str__(self) -> str:
        return f"{self.meeting} · {self.unit}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    MADE_UP = "made_up", _("Made up")


DONE_STATUSES = (AttendanceStatus.PRESENT, AttendanceStatus.MADE_UP)


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="attendance")
    status = models.CharField(_("status"), max_length=8, choices=AttendanceStatus.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="study_attendance_unique"),
        ]
        indexes = [models.Index(fields=["person", "status"], name="study_attendance_person")]
        verbose_name = _("attendance")


class CriticismKind(models.TextChoices):
    SELF = "self_criticism", _("Self-criticism")
    CRITICISM = "criticism", _("Criticism")


class CriticismItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="criticisms")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("person"))
    kind = models.CharField(_("kind"), max_length=16, choices=CriticismKind.choices)
    text = models.TextField(_("text"))
    problem = models.ForeignKey(
        "problems.Problem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("criticism item")
