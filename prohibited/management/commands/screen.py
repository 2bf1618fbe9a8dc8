"""Screen goods from the command line (DESIGN §5).

    manage.py screen "香烟两条"                    # one description → one JSON result
    manage.py screen "iPhone 15" --carrier hk-bag
    manage.py screen --jsonl < items.jsonl        # one JSON object per line → one result per line

A ``--jsonl`` line carries the fields of ``POST /api/v1/screening/``; an invalid line gives
``{"error": …, "line": n}`` on its output line and the run goes on, so outputs stay in step with
inputs.
"""

import io
import json
import sys

from django.core.management.base import BaseCommand, CommandError

from prohibited.api.serializers import ScreeningRequestSerializer
from prohibited.services import ScreeningInput, UnknownCarrier, screen_item


def _dump(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, default=str)


def screen_json_line(line: str, number: int) -> dict:
    """The result (or an error object) for one input line."""
    try:
        payload = json.loads(line)
    except json.JSONDecodeError as error:
        return {"error": f"invalid JSON: {error.msg}", "line": number}
    if not isinstance(payload, dict):
        return {"error": "each line must be a JSON object", "line": number}
    data = ScreeningRequestSerializer(data=payload)
    if not data.is_valid():
        return {"error": "invalid fields", "fields": data.errors, "line": number}
    return screen_item(data.screening_input(), carrier=data.validated_data.get("carrier")).as_dict()


class Command(BaseCommand):
    help = "Screen a description (or JSON lines on stdin) against the goods catalogues; prints JSON."

    def add_arguments(self, parser):
        parser.add_argument("description", nargs="?", help="The goods, as a user would describe them.")
        parser.add_argument("--jsonl", action="store_true", help="Read one JSON object per line from stdin.")
        parser.add_argument("--carrier", help="Screen for this carrier code.")
        parser.add_argument("--item-type", help="documents, daily, clothing, food, digital, medicine, other")

    def handle(self, *args, **options):
        if options["jsonl"]:
            if options["description"]:
                raise CommandError("Give a description or --jsonl, not both.")
            self._jsonl()
            return
        if not options["description"]:
            raise CommandError("Give a description to screen, or --jsonl.")
        item = ScreeningInput(description=options["description"], item_type=options["item_type"])
        try:
            result = screen_item(item, carrier=options["carrier"])
        except UnknownCarrier as error:
            raise CommandError(f"No carrier has the code {error}.") from None
        self.stdout.write(_dump(result.as_dict()))

    def _jsonl(self) -> None:
        # JSON Lines are UTF-8 whatever the terminal's locale says.
        buffer = getattr(sys.stdin, "buffer", None)
        stdin = io.TextIOWrapper(buffer, encoding="utf-8-sig", errors="replace") if buffer else sys.stdin
        for number, line in enumerate(stdin, start=1):
            if not line.strip():
                # Still one output line per input line, so callers can zip them.
                self.stdout.write(_dump({"error": "empty line", "line": number}))
                continue
            self.stdout.write(_dump(screen_json_line(line, number)))
            self.stdout.flush()
