"""The model catalogue answers for every id, known or not, and knows which accept media."""

from mimo_tui.catalogue import Catalogue, ModelInfo, base_id


def test_known_models_and_their_inputs() -> None:
    cat = Catalogue()
    assert not cat.lookup("mimo-v2.5-pro").accepts("image")
    assert cat.lookup("mimo-v2.5").accepts("video")
    assert cat.lookup("mimo-v2.6-flash").accepts("image")
    assert cat.lookup("mimo-v2-flash").thinking_default is False


def test_route_suffix_and_unknown_ids() -> None:
    cat = Catalogue()
    assert base_id("mimo-v2.5-pro[1m]") == "mimo-v2.5-pro"
    one_m = cat.lookup("mimo-v2.5-pro[1m]")
    assert one_m.known and one_m.id == "mimo-v2.5-pro[1m]"
    unknown = cat.lookup("mimo-v9-secret")
    assert not unknown.known and unknown.inputs == frozenset({"text"})


def test_config_additions_override_and_extend() -> None:
    new = ModelInfo("mimo-v3", 2_000_000, 65_536, inputs=frozenset({"text", "image"}))
    cat = Catalogue(extra={"mimo-v3": new})
    assert cat.lookup("mimo-v3") is new
    assert "mimo-v3" in cat.capable("image")
    assert "mimo-v2.5-pro" not in cat.capable("image")
