"""Property tests generated from the app's own OpenAPI schema, run in-process.

Schemathesis draws valid and invalid requests for every operation and checks that none gets a
5xx, that every response conforms to the documented schema and status codes, and that data the
schema forbids is refused.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from app.main import create_app

# A body over the size limit is refused with 413 before it is parsed: that is a rejection too.
REJECTED = [400, 404, 405, 413, 415, 422]
# A schema-valid request may still be meaningless (an unknown op name, an expression that does
# not parse, a graph with a cycle): no JSON schema can say that, and those get a 422 with the
# reason. What must never happen is checked by the other checks: a 5xx, a response that breaks
# its documented schema, an undocumented status code or content type.
ACCEPTED = [200, 413, 422]
config = SchemathesisConfig.from_dict(
    {"checks": {"negative_data_rejection": {"expected-statuses": REJECTED},
                "positive_data_acceptance": {"expected-statuses": ACCEPTED}}}
)
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(), config=config)


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate()


def test_the_schema_covers_practice() -> None:
    # the exercises' three operations are in the schema, so the property tests above reach them
    paths = create_app().openapi()["paths"]
    ops = {(path, method) for path, item in paths.items() for method in item}
    assert {("/api/exercises", "get"), ("/api/exercises/{exercise_id}", "get"),
            ("/api/exercises/{exercise_id}/check", "post")} <= ops
