import pytest

from skills.registry import DEFAULT_ORDER, SkillConfigError, build_skills, installed_skill_names, skill_class


def test_builtins_register_through_the_entry_point_group() -> None:
    assert set(DEFAULT_ORDER) <= set(installed_skill_names())
    for name in DEFAULT_ORDER:
        cls = skill_class(name)
        assert cls.name == name and hasattr(cls, "Config") and callable(cls.run)


def test_build_validates_names_and_configs() -> None:
    skills = build_skills(None, {"collect_lead": {"max_email_asks": 1}})
    assert [s.name for s in skills] == list(DEFAULT_ORDER)
    with pytest.raises(SkillConfigError, match="unknown skill 'nope'"):
        build_skills(["collect_lead", "nope"], None)
    with pytest.raises(SkillConfigError, match="collect_lead: bad config"):
        build_skills(["collect_lead"], {"collect_lead": {"max_email_asks": "many"}})
    with pytest.raises(SkillConfigError, match="bad config"):
        build_skills(["sdr_lead_qualifier"], {"sdr_lead_qualifier": {"unknown_option": 1}})
