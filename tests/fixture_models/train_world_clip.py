"""Train a small CLIP on multi-fact photos with partial captions: python -m tests.fixture_models.train_world_clip OUT.

Each photo has an object, its colour, a scene and a style (tests/fixture_models/world.py); each training step
pairs every photo with one random partial caption ("red", "a heart", "snow", "a red heart in the snow"). A caption
is often true of other photos in the batch too, as on the web: the loss counts every true pair as a positive
(soft targets), so "red" is pulled towards every red photo rather than pushed away from all but one.
"""

from __future__ import annotations

import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .checkpoints import image_processor, save_clip_checkpoint
from .tokenizer_files import write_clip_tokenizer
from .world import KINDS, caption, sample_world, states

IMAGE_SIZE = 64
TRAIN_N, VAL_N = 3072, 240
VAL_SEED = 11_001
HELDOUT_SEED = 21_001  # the held-out photos the sweeps and tests measure on (other seeds: other draws)
BATCH, MAX_STEPS, EVAL_EVERY, LR = 64, 900, 300, 3e-3
STOP_AT, TARGET = 0.98, 0.85  # mean per-label ROC AUC with "a photo of a {label}.": stop early / fail below
CONFIG = dict(
    text_config=dict(hidden_size=64, intermediate_size=256, num_hidden_layers=2, num_attention_heads=4),
    vision_config=dict(hidden_size=64, intermediate_size=256, num_hidden_layers=3, num_attention_heads=4,
                       image_size=IMAGE_SIZE, patch_size=8),
    projection_dim=64,
)
LABELS = [w for words in KINDS.values() for w in words]


def _pixels(images) -> torch.Tensor:
    return image_processor(IMAGE_SIZE)(images, return_tensors="pt")["pixel_values"]


def _auc(scores: np.ndarray, truth: np.ndarray) -> float:
    pos, neg = scores[truth], scores[~truth]
    if not len(pos) or not len(neg):
        return float("nan")
    ranks = np.argsort(np.argsort(np.concatenate([pos, neg]))) + 1
    return float((ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


@torch.no_grad()
def label_aucs(model, tok, pixels: torch.Tensor, facts) -> dict[str, float]:
    """Per single-word label, ROC AUC of the cosine with "a photo of a {label}." over these photos."""
    model.eval()
    ids = tok([f"a photo of a {w}." for w in LABELS], padding="max_length", return_tensors="pt")["input_ids"]
    txt = F.normalize(model.get_text_features(input_ids=ids).pooler_output, dim=-1)
    img = torch.cat([model.get_image_features(pixel_values=b).pooler_output for b in pixels.split(256)])
    sims = (F.normalize(img, dim=-1) @ txt.T).numpy()
    model.train()
    return {w: round(_auc(sims[:, k], np.array([w in f.labels() for f in facts])), 4) for k, w in enumerate(LABELS)}


def train(out: Path, seed: int = 0) -> dict:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as train_shapes_clip: small ops, and results that do not depend on core count
    try:
        return _train(Path(out), seed)
    finally:
        torch.set_num_threads(threads)


def _train(out: Path, seed: int) -> dict:
    from transformers import CLIPConfig, CLIPModel, CLIPTokenizer

    t0, c0 = time.time(), time.process_time()
    torch.manual_seed(seed)
    gen = random.Random(seed)
    write_clip_tokenizer(out)
    tok = CLIPTokenizer.from_pretrained(str(out))
    photos = sample_world(TRAIN_N, seed)
    facts = [f for _, f in photos]
    pixels = _pixels([im for im, _ in photos])
    val = sample_world(VAL_N, VAL_SEED + seed)
    val_px, val_facts = _pixels([im for im, _ in val]), [f for _, f in val]
    token_cache: dict[str, torch.Tensor] = {}
    model = CLIPModel(CLIPConfig(**CONFIG)).train()
    rest = [p for n, p in model.named_parameters() if n != "logit_scale"]
    opt = torch.optim.AdamW([{"params": rest, "scale": 1.0},
                             {"params": [model.logit_scale], "scale": 10.0, "weight_decay": 0.0}],
                            lr=LR, weight_decay=0.05)
    log = []
    for step in range(1, MAX_STEPS + 1):
        lr = LR * min(1.0, step / 100) * 0.5 * (1 + math.cos(math.pi * step / MAX_STEPS))
        for g in opt.param_groups:
            g["lr"] = lr * g["scale"]
        idx = [gen.randrange(TRAIN_N) for _ in range(BATCH)]
        said = [caption(facts[i], gen) for i in idx]
        missing = sorted({t for t, _ in said} - token_cache.keys())
        if missing:
            ids = tok(missing, padding="max_length", return_tensors="pt")["input_ids"]
            token_cache.update(zip(missing, ids))
        ids = torch.stack([token_cache[t] for t, _ in said])
        truth = torch.tensor([[states(s, facts[i]) for _, s in said] for i in idx], dtype=torch.float32)
        img = F.normalize(model.get_image_features(pixel_values=pixels[idx]).pooler_output, dim=-1)
        txt = F.normalize(model.get_text_features(input_ids=ids).pooler_output, dim=-1)
        logits = model.logit_scale.exp() * img @ txt.T
        loss = (-(truth / truth.sum(1, keepdim=True) * F.log_softmax(logits, 1)).sum(1).mean()
                - (truth / truth.sum(0, keepdim=True) * F.log_softmax(logits, 0)).sum(0).mean()) / 2
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))
        if step % EVAL_EVERY == 0:
            mean_auc = float(np.nanmean(list(label_aucs(model, tok, val_px, val_facts).values())))
            log.append({"step": step, "loss": round(loss.item(), 4), "val_mean_auc": round(mean_auc, 4),
                        "seconds": round(time.time() - t0, 1)})
            print(log[-1], flush=True)
            if mean_auc >= STOP_AT:
                break
    model.eval()
    aucs = label_aucs(model, tok, val_px, val_facts)
    report = {"val_label_auc": aucs, "val_mean_auc": round(float(np.nanmean(list(aucs.values()))), 4),
              "steps": step, "logit_scale": round(model.logit_scale.exp().item(), 3),
              "seconds": round(time.time() - t0, 1), "cpu_seconds": round(time.process_time() - c0, 1),
              "seed": seed, "captions_seen": len(token_cache), "log": log}
    if report["val_mean_auc"] < TARGET:
        raise RuntimeError(f"world CLIP reached only {report['val_mean_auc']} mean label AUC (< {TARGET}): {report}")
    save_clip_checkpoint(model, out)
    (out / "training_report.json").write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: python -m tests.fixture_models.train_world_clip OUTDIR [SEED]")
    r = train(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) == 3 else 0)
    print(f"mean label AUC {r['val_mean_auc']} in {r['seconds']} s: {r['val_label_auc']}")
