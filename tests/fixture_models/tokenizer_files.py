"""Build real CLIP tokenizer files offline from OpenAI's vendored BPE merges file."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

BPE_FILE = Path(__file__).resolve().parents[1] / "assets" / "bpe_simple_vocab_16e6.txt.gz"
N_MERGES = 49152 - 256 - 2  # OpenAI's simple_tokenizer keeps this many merges: 48894
BOS, EOS = "<|startoftext|>", "<|endoftext|>"
CONTEXT_LENGTH = 77


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2/CLIP reversible byte -> printable unicode table (same order as OpenAI's)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


def clip_vocab_and_merges() -> tuple[dict[str, int], list[str]]:
    """Vocabulary (49408 tokens) and merges in the order OpenAI's tokenizer assigns ids."""
    lines = gzip.open(BPE_FILE, "rt", encoding="utf-8").read().split("\n")
    merges = lines[1 : N_MERGES + 1]  # line 0 is the "#version" header
    units = list(_bytes_to_unicode().values())
    tokens = units + [u + "</w>" for u in units] + ["".join(m.split()) for m in merges] + [BOS, EOS]
    vocab = {t: i for i, t in enumerate(tokens)}
    assert len(vocab) == 49408, len(vocab)
    return vocab, merges


def write_clip_tokenizer(dest: Path) -> None:
    """Write vocab.json, merges.txt, tokenizer.json and tokenizer_config.json loadable by CLIPTokenizer."""
    from transformers import CLIPTokenizer

    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    vocab, merges = clip_vocab_and_merges()
    (dest / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (dest / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")
    # transformers 5's CLIPTokenizer is the tokenizers-backed one (saving writes tokenizer.json);
    # its BPE wants merges as pairs, not the "a b" strings its docstring allows.
    pairs = [tuple(m.split()) for m in merges]
    tok = CLIPTokenizer(vocab=vocab, merges=pairs, model_max_length=CONTEXT_LENGTH)
    tok.save_pretrained(str(dest))
