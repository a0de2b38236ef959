"""Record a customer satisfaction answer for a resolved ticket: the score (1-5), how it was
taken (phone, meeting, online) and the caller's comment. The ticket screen opens it with ``S``."""

from typing import Any

from deskterm.services.core.errors import InvalidInput
from deskterm.services.reports import csat
from deskterm.tui.base.form import Field, FormDialog

SCORES = [
    ("5 very satisfied", "5"),
    ("4 satisfied", "4"),
    ("3 neutral", "3"),
    ("2 dissatisfied", "2"),
    ("1 very dissatisfied", "1"),
]
CHANNELS = [(c.value, c.value) for c in csat.SurveyChannel]


def survey_dialog(desk: Any, ref: str) -> FormDialog:
    """The dialog; its result is the notice to show ("Recorded 4/5 for INC-12") or None."""

    def submit(values: dict[str, Any]) -> str:
        raw = values.get("score")
        if raw in (None, ""):
            raise InvalidInput("pick the caller's score, 1 to 5", field="score")
        answer = csat.record(
            desk, ref, int(raw), str(values.get("comment") or ""), str(values.get("channel"))
        )
        return f"Recorded {answer.score}/5 for {answer.ref} ({answer.channel})"

    return FormDialog(
        f"Satisfaction survey for {ref}",
        [
            Field("score", "Score", "select", SCORES),
            Field("channel", "Taken by", "select", CHANNELS, value="phone"),
            Field("comment", "The caller's comment", "area"),
        ],
        submit,
    )
