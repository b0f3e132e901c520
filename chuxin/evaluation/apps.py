from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "chuxin.evaluation"
    label = "evaluation"
    verbose_name = "成效评估"

    def ready(self):
        # The survey's and the guidance groups' points roll up like every strand's counts
        # (chuxin/rollups/tallies.py): the number of responses and ratings, and the points per question.
        from chuxin.rollups import tallies

        from .models import MAX_CRITERIA, MAX_QUESTIONS, GroupRating, SurveyResponse, tally_key

        tallies.declare("evaluation.responses", lambda: SurveyResponse.objects.all())
        for slot in range(1, MAX_QUESTIONS + 1):
            tallies.declare(tally_key("survey", slot), lambda: SurveyResponse.objects.all(), value=f"a{slot}")
        tallies.declare("evaluation.ratings", lambda: GroupRating.objects.all())
        for slot in range(1, MAX_CRITERIA + 1):
            tallies.declare(tally_key("rating", slot), lambda: GroupRating.objects.all(), value=f"r{slot}")
