"""The FAQ knowledge base (kb/) and the file generated from it (data/nlu/faq.yml)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from kb import TOPIC_NAMES, KbError, generate, load_topics, topic_titles
from kb.topics import KB_DIR, MIN_EXAMPLES, normalize_example

GENERATED = generate.DEFAULT_OUT
TOPICS = {t.topic: t for t in load_topics()}
ARTICLE_ID = "000_d3a121a3eaf03ee2"

# Official letters the article cites, by the topics whose facts come from them.
LETTERS = {
    "what_is_vssid": ["3717/BHXH-CNTT"],
    "replaced_documents": ["3717/BHXH-CNTT", "1493/BHXH-CSYT"],
    "bhyt_card_in_app": ["1493/BHXH-CSYT"],
    "change_phone": ["1705/CNTT-PM"],
    "lost_phone": ["1705/CNTT-PM"],
}

# Facts a user must get verbatim from the answer.
KEY_FACTS = [
    ("forgot_password", "BH MK <mã số BHXH> gửi 8079"),
    ("forgot_password", "1.000 đồng"),
    ("forgot_password", "email"),
    ("install_app", "iOS 9.0"),
    ("install_app", "Android 4.1"),
    ("bhyt_card_in_app", "01/6/2021"),
    ("bhyt_card_in_app", "mã QR"),
    ("replaced_documents", "01/6/2021"),
    ("bhxh_code_source", "01/4/2022"),
    ("bhxh_code_source", "10 số cuối"),
    ("change_phone", "dichvucong.baohiemxahoi.gov.vn"),
    ("change_phone", "số hiện tại và số mới"),
    ("lost_phone", "hủy tài khoản cũ"),
    ("update_id_card", "mặt trước"),
    ("update_address", "dichvucong.baohiemxahoi.gov.vn"),
    ("register_child", "dichvucong.baohiemxahoi.gov.vn"),
    ("support_contact", "1900.9068"),
    ("support_contact", "24/7"),
    ("multiple_accounts", "OTP"),
]

VIETNAMESE_MARKS = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.IGNORECASE
)
# Common words that only appear like this when diacritics were dropped.
UNACCENTED_WORDS = re.compile(r"\b(duoc|khong|cua|nguoi|dang ky|mat khau|so dien thoai)\b", re.IGNORECASE)
WRONG_HOTLINE = re.compile(r"1900\W?6192")


def _all_text(topic_name: str) -> str:
    t = TOPICS[topic_name]
    return "\n".join([t.title, t.answer, *t.source, *t.examples])


def _rewrite(kb_dir: Path, name: str, **changes: object) -> None:
    path = kb_dir / f"{name}.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    target.mkdir()
    for path in KB_DIR.glob("*.yml"):
        shutil.copy(path, target / path.name)
    return target


# --- generated file -------------------------------------------------------------------------


def test_generated_file_is_up_to_date(tmp_path: Path) -> None:
    out = tmp_path / "faq.yml"

    assert generate.main(["--out", str(out)]) == 0

    assert out.read_text(encoding="utf-8") == GENERATED.read_text(encoding="utf-8"), (
        "data/nlu/faq.yml is stale: run `python -m kb.generate`"
    )


def test_check_flags_a_stale_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stale = tmp_path / "faq.yml"
    stale.write_text(GENERATED.read_text(encoding="utf-8") + "# edited by hand\n", encoding="utf-8")

    assert generate.main(["--check", "--out", str(stale)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert generate.main(["--check", "--out", str(GENERATED)]) == 0


def test_render_is_deterministic() -> None:
    topics = load_topics()

    assert generate.render(topics) == generate.render(list(reversed(topics)))


def test_generated_file_structure() -> None:
    text = GENERATED.read_text(encoding="utf-8")
    doc = yaml.safe_load(text)

    assert text.startswith("# GENERATED FILE - DO NOT EDIT.")
    assert doc["version"] == "3.1"
    assert [block["intent"] for block in doc["nlu"]] == [f"faq/{name}" for name in sorted(TOPIC_NAMES)]
    assert list(doc["responses"]) == [f"utter_faq/{name}" for name in sorted(TOPIC_NAMES)]


@pytest.mark.parametrize("name", TOPIC_NAMES)
def test_response_buttons(name: str) -> None:
    topic = TOPICS[name]
    response = yaml.safe_load(GENERATED.read_text(encoding="utf-8"))["responses"][f"utter_faq/{name}"]
    titles = topic_titles()

    expected = [{"title": titles[rel], "payload": f"/faq/{rel}"} for rel in topic.related]
    if topic.buttons_hotline:
        expected.append({"title": "Gặp nhân viên", "payload": "/request_human"})
        assert "1900.9068" in response[0]["text"]
    assert response[0]["buttons"] == expected


def test_rasa_reads_the_generated_file() -> None:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    data = RasaYAMLReader().read(GENERATED)

    assert data.retrieval_intents == {"faq"}
    assert len(data.responses) == len(TOPIC_NAMES)
    assert len(data.intent_examples) == sum(len(t.examples) for t in TOPICS.values())


# --- content ---------------------------------------------------------------------------------


def test_api_lists_every_topic() -> None:
    assert set(TOPICS) == set(TOPIC_NAMES)
    assert set(topic_titles()) == set(TOPIC_NAMES)
    assert [t.topic for t in load_topics()] == sorted(TOPIC_NAMES)


@pytest.mark.parametrize("name", TOPIC_NAMES)
def test_enough_distinct_examples(name: str) -> None:
    examples = TOPICS[name].examples

    assert len(examples) >= MIN_EXAMPLES
    assert len({normalize_example(e) for e in examples}) == len(examples)


def test_no_example_in_two_topics() -> None:
    owner: dict[str, str] = {}
    clashes = []
    for topic in TOPICS.values():
        for example in topic.examples:
            key = normalize_example(example)
            if key in owner and owner[key] != topic.topic:
                clashes.append((example, owner[key], topic.topic))
            owner.setdefault(key, topic.topic)

    assert clashes == []


def test_examples_differ_after_nlu_normalization() -> None:
    # The tokenizer folds diacritics and teencode, so "quên mk" and "quen mat khau" are one example.
    from vssid.nlu.normalize import normalize_text

    owner: dict[str, str] = {}
    same = []
    for topic in TOPICS.values():
        for example in topic.examples:
            key = normalize_text(example)
            if key in owner:
                same.append((owner[key], example))
            owner.setdefault(key, example)

    assert same == []


@pytest.mark.parametrize("name", TOPIC_NAMES)
def test_examples_need_no_entity_annotation(name: str) -> None:
    # Codes, ID and phone numbers in FAQ examples would teach the extractor to ignore them.
    for example in TOPICS[name].examples:
        assert not re.search(r"\d{9,}", example), example
        assert not re.search(r"[\[\]{}]", example), example


@pytest.mark.parametrize("name", TOPIC_NAMES)
def test_answer_and_title_are_accented_vietnamese(name: str) -> None:
    topic = TOPICS[name]
    words = re.findall(r"[^\W\d_]+", topic.answer)
    accented = [w for w in words if VIETNAMESE_MARKS.search(w)]

    assert VIETNAMESE_MARKS.search(topic.title), topic.title
    assert len(accented) / len(words) > 0.3
    assert not UNACCENTED_WORDS.search(topic.answer)


@pytest.mark.parametrize("name", TOPIC_NAMES)
def test_no_unrelated_hotline(name: str) -> None:
    assert not WRONG_HOTLINE.search(_all_text(name))


@pytest.mark.parametrize(("name", "fact"), KEY_FACTS)
def test_answer_states_key_fact(name: str, fact: str) -> None:
    assert fact in TOPICS[name].answer


@pytest.mark.parametrize("name", TOPIC_NAMES)
def test_sources_cite_article_and_letters(name: str) -> None:
    topic = TOPICS[name]
    sources = "\n".join(topic.source)
    letters_in_answer = re.findall(r"\d+/[A-Z]+-[A-Z]+", topic.answer)

    assert ARTICLE_ID in sources
    for letter in [*LETTERS.get(name, []), *letters_in_answer]:
        assert letter in sources


@pytest.mark.parametrize("name", TOPIC_NAMES)
def test_related_topics_exist(name: str) -> None:
    related = TOPICS[name].related

    assert 2 <= len(related) <= 3
    assert name not in related
    assert set(related) <= set(TOPIC_NAMES)


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "changes", "message"),
    [
        ("forgot_password", {"examples": ["quên mật khẩu"] * 3}, "appears twice"),
        ("forgot_password", {"examples": [f"câu hỏi số {i}" for i in range(5)]}, "need at least"),
        ("forgot_password", {"related": ["lost_phone", "no_such_topic"]}, "does not exist"),
        ("forgot_password", {"topic": "forgot_pass"}, "does not match the file name"),
        ("forgot_password", {"title": ""}, "'title' must be"),
        ("forgot_password", {"color": "red"}, "unknown keys"),
        ("change_phone", {"examples": [*TOPICS["change_phone"].examples, "quen mat khau vssid"]}, "also in"),
    ],
)
def test_invalid_kb_is_rejected(kb_copy: Path, name: str, changes: dict, message: str) -> None:
    _rewrite(kb_copy, name, **changes)

    with pytest.raises(KbError, match=message):
        load_topics(kb_copy)


def test_missing_topic_file_is_rejected(kb_copy: Path) -> None:
    (kb_copy / "lost_phone.yml").unlink()

    with pytest.raises(KbError, match="missing topic files: lost_phone.yml"):
        load_topics(kb_copy)


def test_generator_reports_invalid_kb(
    kb_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _rewrite(kb_copy, "update_address", related=["nowhere"])

    assert generate.main(["--kb-dir", str(kb_copy), "--out", str(tmp_path / "faq.yml")]) == 2
    assert "related topic 'nowhere' does not exist" in capsys.readouterr().err
