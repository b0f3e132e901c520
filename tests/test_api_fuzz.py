"""The schema-driven fuzz run: schemathesis against a live test server, as a persona inside the
county and as one outside it. No 5xx, every answer conforms to the OpenAPI document, and no answer
names a unit outside the persona's scope.

Bounded: a few examples per operation (about a minute for both personas on this machine); path
parameters are often swapped for real codes and ids, inside and outside the scope, so the run does
not only meet 404s.
"""

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chuxin.api.actions import do_create_api_token
from chuxin.orgs.scope import scope_for

from .conftest import make_item

EXAMPLES = 6
UNIT_KEYS = {
    "unit",
    "code",
}  # every field that names a unit (a campaign's root_unit is above the scope by design)


def _codes_in(data):
    if isinstance(data, dict):
        for k, v in data.items():
            if k in UNIT_KEYS and isinstance(v, str):
                yield v
            yield from _codes_in(v)
    elif isinstance(data, list):
        for v in data:
            yield from _codes_in(v)


@pytest.mark.parametrize("persona", ["chancheng", "hubei"])
def test_the_api_survives_a_fuzz_run_inside_its_scope(persona, live_api, django_user_model):
    user = django_user_model.objects.get(username=persona)
    token = do_create_api_token(user, name="fuzz", scope="write", acting_user=user)[1]
    visible = set(scope_for(user).units().values_list("code", flat=True))
    inside, outside = make_item("440604"), make_item("420000")
    real = {
        "code": ["440604", "420000", "440000", "100000"],
        "item_id": [inside.pk, outside.pk],
        "problem_id": [inside.problem_id, outside.problem_id],
    }
    schema = schemathesis.openapi.from_url(f"{live_api}/api/v1/openapi.json")
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 24

    for operation in operations:

        @given(case=operation.as_strategy(), pick=st.integers(0, 3))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case, pick):
            for name, values in real.items():
                if case.path_parameters and name in case.path_parameters and pick < len(values):
                    case.path_parameters[name] = values[pick]
            response = case.call_and_validate(base_url=live_api, session=session, checks=checks)
            if response.status_code == 200 and "json" in response.headers.get("content-type", [""])[0]:
                leaked = set(_codes_in(response.json())) - visible
                assert not leaked, f"{case.operation.label} answered units outside the scope: {leaked}"

        run()
    from collections import Counter

    from chuxin.api.models import ApiCall

    answers = Counter(ApiCall.objects.values_list("status", flat=True))
    assert answers[200] >= 10 and answers[404] >= 10, answers  # it reached data, and was refused data
