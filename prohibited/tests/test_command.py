"""manage.py screen: one description, or JSON lines in → one result per line out, in order."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def run(*args, stdin: str = "", monkeypatch=None) -> list[dict]:
    out = io.StringIO()
    if monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    call_command("screen", *args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_one_description():
    (result,) = run("香烟两条")
    assert (result["verdict"], result["matches"][0]["category"]) == ("restricted", 4)
    assert set(result) == {"verdict", "categories", "matches", "conditions", "refused_by", "message"}


def test_one_description_for_a_carrier(hk_bag):
    (result,) = run("婴儿奶粉 1段", "--carrier", "hk-bag")
    assert (result["verdict"], result["refused_by"]) == ("refused", ["hk-bag"])


def test_an_unknown_carrier_is_an_error():
    with pytest.raises(CommandError):
        run("书", "--carrier", "nobody")


def test_nothing_to_screen_is_an_error():
    with pytest.raises(CommandError):
        run()


def test_jsonl_keeps_the_order_and_reports_bad_lines_in_place(monkeypatch):
    lines = "\n".join(
        [
            json.dumps({"description": "打火机"}, ensure_ascii=False),
            "{not json",
            json.dumps({"description": "冬季外套", "item_type": "clothing"}, ensure_ascii=False),
            json.dumps({"description": "书", "quantity": 0}),
            "[1, 2]",
            "",
            json.dumps({"description": "白酒 62度"}, ensure_ascii=False),
        ]
    )
    results = run("--jsonl", stdin=lines + "\n", monkeypatch=monkeypatch)
    assert len(results) == 7
    assert results[0]["verdict"] == "prohibited"
    assert results[1]["line"] == 2 and "invalid JSON" in results[1]["error"]
    assert results[2]["verdict"] == "allowed"
    assert results[3]["line"] == 4 and list(results[3]["fields"]) == ["quantity"]
    assert results[4]["line"] == 5
    assert results[5] == {"error": "empty line", "line": 6}
    assert (results[6]["verdict"], results[6]["categories"]) == ("prohibited", [])
