from agent.extraction.rules.questions import what_was_asked


def test_only_question_sentences_count() -> None:
    a = what_was_asked("Team is $6,000/year and covers dashboards. What are you hoping to track?")
    assert a.need and not a.budget


def test_budget_and_timing_together() -> None:
    a = what_was_asked("Great. Do you have a budget range in mind, and a timeline?")
    assert a.budget and a.timing


def test_authority_questions() -> None:
    assert what_was_asked("How is the decision being made on your side?").authority
    yes_no = what_was_asked("Perfecto. ¿Tú tomas la decisión o participa alguien más?")
    assert yes_no.authority and yes_no.authority_yes_no
    assert what_was_asked("Are you the one deciding?").authority_yes_no


def test_scheduling_is_not_timing() -> None:
    assert not what_was_asked("Of course! Which days work best?").timing
    assert not what_was_asked("When works for a demo call?").timing
    assert what_was_asked("When would you ideally like to have something in place?").timing
    assert what_was_asked("¿Para cuándo lo necesitan?").timing


def test_offers() -> None:
    assert "pricing" in what_was_asked("Want me to have your account manager send a quote?").offers
    assert what_was_asked("Would you like me to pass your details to our recruiting team?").offers == ()
    assert "demo" in what_was_asked("Shall I set up a demo for Thursday?").offers


def test_nothing_asked() -> None:
    assert what_was_asked(None) == what_was_asked("Thanks Dana! You'll hear from us soon.")
