import pytest

from agent.extraction.rules.clauses import Doc
from agent.extraction.rules.nonbuyer import non_buyer_kinds


def kinds(text: str, has_intent: bool = False) -> list[str]:
    return list(non_buyer_kinds(Doc(text), has_intent))


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("hi, our scheduled dashboard emails stopped arriving since Tuesday. account admin is ops@x.com, "
         "can someone look?",
         "support"),
        ("I'm an Acme customer and our events stopped showing in the dashboard", "support"),
        ("mi cuenta no funciona desde ayer", "support"),
        ("minha conta parou de funcionar", "support"),
        ("Hello! Are you hiring? I'm a data engineer and I'd love to work on your analytics product.", "job_seeker"),
        ("Do you have any openings for data analysts? My resume is attached.", "job_seeker"),
        ("¿Tienen alguna vacante? Les envío mi currículum", "job_seeker"),
        ("I'm a master's student writing my thesis on product analytics.", "student"),
        ("sou estudante e estou fazendo meu TCC", "student"),
        ("We run done-for-you LinkedIn outbound for B2B SaaS and typically add 15-25 demos a month for companies like "
         "yours. Would you be open to a 15-minute call next week?", "vendor"),
        ("I'm reaching out from PixelForge, we build custom dashboards for SaaS companies like yours.", "vendor"),
        ("🚀🚀 GUARANTEED 1000 BACKLINKS FOR $49!!! Boost your Google ranking FAST. Order now", "spam"),
    ],
)
def test_non_buyers(text: str, kind: str) -> None:
    assert kind in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "we have no idea which lessons students drop out of",
        "We run online certification courses (about 70 employees).",
        "We help small businesses send invoices, and our funnel is leaking.",
        "We're on the Team plan right now. We're growing and might need more seats.",
        "Mixpanel keeps crashing and our dashboards are broken",
        "hey!! need a demo asap 🙏🙏",
        "We're hiring fast, so we need better onboarding analytics.",
        "We'd love to work with you on the rollout",
    ],
)
def test_buyers_are_not_flagged(text: str) -> None:
    assert kinds(text) == []


def test_support_with_a_purchase_question_is_not_support() -> None:
    text = "my dashboard won't load since yesterday. Also what's the price for 10 more seats?"
    assert "support" in kinds(text)
    assert kinds(text, has_intent=True) == []
