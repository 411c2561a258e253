"""servicekit.api: each endpoint's schemas are made once and serve every request, so a
request must never see anything of another's — its refusal, its values — even when
requests run side by side in one worker's threads."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from marshmallow import Schema, fields, validate

from servicekit.api import PUBLIC, ServiceApi
from servicekit.problems import install_problem_handlers


class Greeting(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=20))
    times = fields.Integer(load_default=1, validate=validate.Range(min=1, max=9))


class Greeted(Schema):
    text = fields.String()
    times = fields.Integer()


def echo_app() -> Flask:
    api = ServiceApi("demo")

    @api.route("/greetings", "POST", allow=PUBLIC, summary="a greeting", body=Greeting,
               response=Greeted)
    def greet(principal, body):
        return {"text": f"你好 {body['name']}", "times": body["times"]}

    app = Flask("demo")
    install_problem_handlers(app)
    app.register_blueprint(api.blueprint)
    return app


def test_a_refused_body_leaves_nothing_for_the_next_request() -> None:
    client = echo_app().test_client()
    refused = client.post("/greetings", json={"name": "", "times": 12})
    assert refused.status_code == 422, refused.json
    assert set(refused.json["errors"]) == {"name", "times"}, refused.json
    accepted = client.post("/greetings", json={"name": "林"})
    assert (accepted.status_code, accepted.json) == (200, {"text": "你好 林", "times": 1})


def test_requests_side_by_side_each_get_their_own_answer() -> None:
    app = echo_app()

    def send(n: int) -> tuple[int, int, object]:
        body = {"name": f"teacher-{n}", "times": n % 9 + 1} if n % 3 else {"times": 0}
        answer = app.test_client().post("/greetings", json=body)
        return n, answer.status_code, answer.json

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(send, range(400)))
    for n, status, body in answers:
        if n % 3:
            assert (status, body) == (200, {"text": f"你好 teacher-{n}", "times": n % 9 + 1}), n
        else:
            assert status == 422 and set(body["errors"]) == {"name", "times"}, (n, body)
