"""VietnameseFoldingTokenizer keeps the typed text and offsets and puts the folded form in lemma."""

import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.utils.io import deep_container_fingerprint

from vssid.nlu.tokenizer import FoldedToken, VietnameseFoldingTokenizer, tokenize_text

ROOT = Path(__file__).resolve().parents[2]


def _tokenizer() -> VietnameseFoldingTokenizer:
    return VietnameseFoldingTokenizer(VietnameseFoldingTokenizer.get_default_config())


@pytest.mark.parametrize(
    "text",
    [
        "Tôi quên mật khẩu VssID, sđt 0912 345 678!",
        "quen mk ko dc :(",
        unicodedata.normalize("NFD", "Đổi số điện thoại"),
        "  mã bhxh:7912345678  ",
    ],
)
def test_offsets_point_at_the_typed_text(text: str) -> None:
    tokens = _tokenizer().tokenize(Message(data={"text": text}), "text")
    assert tokens
    for token in tokens:
        assert text[token.start : token.end] == token.text


def test_lemma_is_folded_and_expanded() -> None:
    tokens = tokenize_text("Đổi SĐT ko dc")
    assert [t.text for t in tokens] == ["Đổi", "SĐT", "ko", "dc"]
    assert [t.lemma for t in tokens] == ["doi", "so dien thoai", "khong", "duoc"]


def test_accented_and_unaccented_sentences_get_the_same_lemmas() -> None:
    accented = [t.lemma for t in tokenize_text("Quên mật khẩu đăng nhập")]
    plain = [t.lemma for t in tokenize_text("quen mat khau dang nhap")]
    assert accented == plain


def test_decomposed_text_is_one_token_per_word() -> None:
    tokens = tokenize_text(unicodedata.normalize("NFD", "mật khẩu"))
    assert [t.lemma for t in tokens] == ["mat", "khau"]


def test_letters_and_digits_are_split() -> None:
    assert [t.text for t in tokenize_text("sdt0912345678")] == ["sdt", "0912345678"]


def test_punctuation_only_message_is_one_token() -> None:
    tokens = tokenize_text(" ?? ")
    assert [(t.text, t.start, t.end) for t in tokens] == [("??", 1, 3)]


def test_a_rating_mark_is_one_token_read_as_the_rating_it_means() -> None:
    tokens = tokenize_text("⭐⭐⭐⭐ nha ad")
    assert [(t.text, t.lemma, t.start, t.end) for t in tokens] == [
        ("⭐⭐⭐⭐", "4 sao", 0, 4),
        ("nha", "nha", 5, 8),
        ("ad", "ad", 9, 11),
    ]
    assert tokenize_text("★★★☆☆")[0].lemma == "3 sao"
    assert [(t.text, t.lemma) for t in tokenize_text("cho 4/5 nhé")] == [
        ("cho", "cho"),
        ("4/5", "4 sao"),
        ("nhé", "nhe"),
    ]
    assert [t.lemma for t in tokenize_text("5* và 8/10")] == ["5 sao", "va", "8 diem"]


@pytest.mark.parametrize("text", ["15/08/1990", "4/5/2024", "0934 218 765", "7/5", "1.5/5"])
def test_dates_numbers_and_impossible_scores_are_not_rating_marks(text: str) -> None:
    assert all(token.text.isdigit() for token in tokenize_text(text))


@pytest.mark.parametrize(
    "text", ["sinh ngày 4/5 năm 1990", "tôi sinh ngày 3/5", "4/5 năm 1990", "từ 1/5 đến 3/5"]
)
def test_a_day_and_month_is_not_a_score(text: str) -> None:
    assert "sao" not in " ".join(token.lemma for token in tokenize_text(text))


def test_a_token_fingerprint_changes_with_each_field_and_only_with_them() -> None:
    """Rasa's training cache keys hang on these fingerprints: a change must show, a copy must not."""
    token = tokenize_text("quên mk")[1]
    same = FoldedToken(token.text, token.start, token.end, lemma=token.lemma)
    assert same.fingerprint() == token.fingerprint()
    changed = [
        FoldedToken("mK", token.start, token.end, lemma=token.lemma),
        FoldedToken(token.text, token.start + 1, token.end, lemma=token.lemma),
        FoldedToken(token.text, token.start, token.end + 1, lemma=token.lemma),
        FoldedToken(token.text, token.start, token.end, lemma="mat khau x"),
        FoldedToken(token.text, token.start, token.end, data={"pos": "N"}, lemma=token.lemma),
    ]
    assert len({token.fingerprint(), *(t.fingerprint() for t in changed)}) == 1 + len(changed)
    # fields are quoted, not just joined: moving text from one field to the next shows too
    moved = FoldedToken("a", 0, 1, lemma="b', 'c"), FoldedToken("a', 'b", 0, 1, lemma="c")
    assert moved[0].fingerprint() != moved[1].fingerprint()


def test_a_message_fingerprint_is_the_same_in_another_process() -> None:
    """No per-process salt (Python's hash()) in a fingerprint: the cache lives across runs."""
    script = (
        "from rasa.shared.utils.io import deep_container_fingerprint as f;"
        "from vssid.nlu.tokenizer import tokenize_text as t;"
        "print(f(t('Quên mật khẩu ⭐⭐⭐⭐ rồi')))"
    )
    here = deep_container_fingerprint(tokenize_text("Quên mật khẩu ⭐⭐⭐⭐ rồi"))
    there = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert there.stdout.strip() == here
