"""The one list of audit event types. Every `record()` names one of these; a string that is not here is
refused, so a typo cannot create an event type nobody searches for."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.TextChoices):
    # organisation
    UNIT_CREATE = "unit.create", _("Unit created")
    UNIT_MOVE = "unit.move", _("Unit moved")
    ROLE_ASSIGN = "role.assign", _("Role assigned")
    ROLE_REVOKE = "role.revoke", _("Role revoked")
    # campaigns
    CAMPAIGN_CREATE = "campaign.create", _("Campaign created")
    BATCH_CREATE = "batch.create", _("Batch created")
    CAMPAIGN_EDIT = "campaign.edit", _("Campaign changed")
    CAMPAIGN_CLOSE = "campaign.close", _("Campaign closed")
    CAMPAIGN_LOCAL_GOAL = "campaign.local_goal", _("Local goal added")
    CAMPAIGN_EMPHASIS = "campaign.emphasis", _("Local emphasis added")
    # problems and the rectification ledger
    PROBLEM_CREATE = "problem.create", _("Problem recorded")
    PROBLEM_CHANGE = "problem.change", _("Problem changed")
    PROBLEM_LIST_SIGN_OFF = "problem_list.sign_off", _("Problem list signed off")
    ITEM_CREATE = "item.create", _("Rectification item created")
    ITEM_CHANGE = "item.change", _("Rectification item changed")
    ITEM_START = "item.start", _("Rectification started")
    ITEM_PROGRESS = "item.progress", _("Progress recorded")
    ITEM_STAGE = "item.stage", _("Stage goal met")
    ITEM_CLAIM = "item.claim", _("Completion claimed")
    ITEM_VERIFY = "item.verify", _("Verified and closed")
    ITEM_REJECT = "item.reject", _("Claim returned")
    ITEM_REOPEN = "item.reopen", _("Reopened by a look-back")
    STAGE_CREATE = "stage.create", _("Stage goal created")
    STAGE_COMPLETE = "stage.complete", _("Stage goal completed")
    EVIDENCE_ADD = "evidence.add", _("Evidence added")
    # study and meetings
    MEETING_CREATE = "meeting.create", _("Meeting created")
    MEETING_CHANGE = "meeting.change", _("Meeting changed")
    VENUE_CREATE = "venue.create", _("Sub-venue added")
    ATTENDANCE_CREATE = "attendance.create", _("Attendance recorded")
    ATTENDANCE_CHANGE = "attendance.change", _("Attendance changed")
    ATTENDANCE_BULK = "attendance.bulk", _("Attendance recorded in bulk")
    CRITICISM_CREATE = "criticism.create", _("Criticism recorded")
    CRITICISM_TO_PROBLEM = "criticism.to_problem", _("Criticism handed to the problem list")
    # research
    TOPIC_CREATE = "topic.create", _("Research topic created")
    VISIT_CREATE = "visit.create", _("Field visit recorded")
    REPORT_CREATE = "report.create", _("Research report started")
    REPORT_CHANGE = "report.change", _("Research report changed")
    REPORT_SUBMIT = "report.submit", _("Research report submitted")
    REPORT_REVIEW = "report.review", _("Research report reviewed")
    REPORT_PROBLEM_CREATE = "report_problem.create", _("Report problem recorded")
    REPORT_PROBLEM_HAND_OFF = "report_problem.hand_off", _("Report problem handed to the ledger")
    EXCHANGE_CREATE = "exchange.create", _("Exchange meeting recorded")
    # special rectification
    SPECIAL_TOPIC_CREATE = "special.topic.create", _("Special rectification topic created")
    SPECIAL_NONE_FOUND_STATE = "special.none_found.state", _("None-found statement made")
    SPECIAL_NONE_FOUND_CHALLENGE = "special.none_found.challenge", _("None-found statement challenged")
    SPECIAL_PUBLISH = "special.publish", _("Notice published")
    PROBLEM_REFER = "problem.refer", _("Problem referred to discipline inspection")
    SPECIAL_REFERRAL_CREATE = "special.referral.create", _("Referral created")
    SPECIAL_REFERRAL_RECEIVE = "special.referral.receive", _("Referral received")
    SPECIAL_REFERRAL_REVIEW = "special.referral.review", _("Referral under review")
    SPECIAL_REFERRAL_CONCLUDE = "special.referral.conclude", _("Referral concluded")
    SPECIAL_REFERRAL_RETURN = "special.referral.return", _("Referral returned")
    # guidance groups (supervision)
    SUPERVISION_VISIT_PLAN = "supervision.visit.plan", _("Guidance visit planned")
    SUPERVISION_VISIT_LOG = "supervision.visit.log", _("Guidance visit logged")
    SUPERVISION_VISIT_ATTACH = "supervision.visit.attach", _("File attached to a guidance visit")
    SUPERVISION_FINDING_SEND = "supervision.finding.send", _("Guidance finding sent")
    # typical cases
    CASE_CREATE = "cases.create", _("Typical case recorded")
    CASE_PROMOTE = "cases.promote", _("Typical case promoted")
    CASE_ADOPT = "cases.adopt", _("Typical case adopted")
    CASE_USE = "cases.use", _("Typical case used as study material")
    # notifications
    NOTIFICATIONS_READ = "notification.read", _("Notifications marked as read")
    # reading and taking data out
    EXPORT = "data.export", _("Data exported")
    EVIDENCE_DOWNLOAD = "evidence.download", _("Evidence downloaded")
    AUDIT_EXPORT = "audit.export", _("Audit log exported")
    API_TOKEN_CREATE = "api_token.create", _("API token created")
    API_TOKEN_REVOKE = "api_token.revoke", _("API token revoked")
    # security events
    LOGIN = "auth.login", _("Logged in")
    LOGIN_FAILED = "auth.login_failed", _("Login failed")
    LOGOUT = "auth.logout", _("Logged out")
    LOCKOUT = "auth.lockout", _("Account locked")
    PASSWORD_CHANGE = "auth.password_change", _("Password changed")
    SESSION_EXPIRED = "auth.session_expired", _("Session expired")
