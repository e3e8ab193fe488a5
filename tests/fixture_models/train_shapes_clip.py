"""Train a small CLIP contrastively on coloured-shape photos: python -m tests.fixture_models.train_shapes_clip OUTDIR."""

from __future__ import annotations

import json
import math
import random
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from .checkpoints import image_processor, save_clip_checkpoint
from .shapes import CLASSES, caption, sample_dataset
from .tokenizer_files import write_clip_tokenizer

SEED = 0
IMAGE_SIZE = 64
TRAIN_N, VAL_N, HELDOUT_N = 4096, 320, 800
VAL_SEED, HELDOUT_SEED = 10_001, 20_001  # disjoint from the training seed
GROUPS = 4  # a batch is GROUPS x one photo per class, so each CLIP-loss block has no duplicate captions
MAX_STEPS, EVAL_EVERY, LR = 1500, 100, 2e-3
STOP_AT, TARGET = 0.98, 0.90  # stop early on validation; fail below TARGET on held-out
CONFIG = dict(
    text_config=dict(hidden_size=64, intermediate_size=256, num_hidden_layers=2, num_attention_heads=4),
    vision_config=dict(
        hidden_size=64, intermediate_size=256, num_hidden_layers=3, num_attention_heads=4, image_size=IMAGE_SIZE, patch_size=8
    ),
    projection_dim=64,
)


def _pixels(images) -> torch.Tensor:
    return image_processor(IMAGE_SIZE)(images, return_tensors="pt")["pixel_values"]


@torch.no_grad()
def accuracy(model, ids: torch.Tensor, data) -> float:
    """Zero-shot accuracy: argmax of cosine (= of the softmax) over the captions of all CLASSES."""
    model.eval()
    txt = F.normalize(model.get_text_features(input_ids=ids).pooler_output, dim=-1)
    px = _pixels([im for im, _, _ in data])
    img = torch.cat([model.get_image_features(pixel_values=b).pooler_output for b in px.split(256)])
    pred = (F.normalize(img, dim=-1) @ txt.T).argmax(-1).tolist()
    model.train()
    return sum(CLASSES[p] == (c, s) for p, (_, c, s) in zip(pred, data)) / len(data)


def train(out: Path, seed: int = SEED) -> dict:
    """Train, evaluate on the held-out set, save the checkpoint + training_report.json into `out`."""
    threads = torch.get_num_threads()
    # One thread: ops this small gain little from two, and with two a busy machine (parallel test runs)
    # slowed each step 4-15x in measurements; results also stay the same on any core count.
    torch.set_num_threads(1)
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
    # Pad to 77 with <|endoftext|>, exactly as the app feeds the text tower.
    ids = tok([caption(c, s) for c, s in CLASSES], padding="max_length", return_tensors="pt")["input_ids"]
    train_px = _pixels([im for im, _, _ in sample_dataset(TRAIN_N, seed)])  # photo i has class i % len(CLASSES)
    val, heldout = sample_dataset(VAL_N, VAL_SEED), sample_dataset(HELDOUT_N, HELDOUT_SEED)
    model = CLIPModel(CLIPConfig(**CONFIG)).train()
    # The temperature gets a faster rate and no decay, so it grows to a CLIP-like sharpness in a short run.
    rest = [p for n, p in model.named_parameters() if n != "logit_scale"]
    groups = [{"params": rest, "scale": 1.0}, {"params": [model.logit_scale], "scale": 10.0, "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=LR, weight_decay=0.05)
    k, per_class = len(CLASSES), TRAIN_N // len(CLASSES)
    target = torch.arange(k).repeat(GROUPS)
    log = []
    for step in range(1, MAX_STEPS + 1):
        lr = LR * min(1.0, step / 100) * 0.5 * (1 + math.cos(math.pi * step / MAX_STEPS))
        for g in opt.param_groups:
            g["lr"] = lr * g["scale"]
        idx = [gen.randrange(per_class) * k + c for _ in range(GROUPS) for c in range(k)]
        img = F.normalize(model.get_image_features(pixel_values=train_px[idx]).pooler_output, dim=-1)
        txt = F.normalize(model.get_text_features(input_ids=ids).pooler_output, dim=-1)
        logits = model.logit_scale.exp() * img.view(GROUPS, k, -1) @ txt.T  # [group, image, caption]
        loss = (F.cross_entropy(logits.reshape(-1, k), target) + F.cross_entropy(logits.transpose(1, 2).reshape(-1, k), target)) / 2
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():  # CLIP clamps the learned temperature at 100
            model.logit_scale.clamp_(0, math.log(100))
        if step % EVAL_EVERY == 0:
            acc = accuracy(model, ids, val)
            log.append({"step": step, "loss": round(loss.item(), 4), "val_accuracy": acc, "seconds": round(time.time() - t0, 1)})
            print(log[-1], flush=True)
            if acc >= STOP_AT:
                break
    model.eval()
    acc = accuracy(model, ids, heldout)
    report = {
        "heldout_accuracy": acc,
        "heldout_images": len(heldout),
        "heldout_seed": HELDOUT_SEED,
        "classes": [caption(c, s) for c, s in CLASSES],
        "steps": step,
        "logit_scale": round(model.logit_scale.exp().item(), 3),
        "seconds": round(time.time() - t0, 1),
        "cpu_seconds": round(time.process_time() - c0, 1),  # wall time swings with other load on the machine
        "seed": seed,
        "log": log,
    }
    if acc < TARGET:
        raise RuntimeError(f"shapes CLIP reached only {acc:.3f} held-out accuracy (< {TARGET}): {report}")
    save_clip_checkpoint(model, out)
    (out / "training_report.json").write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tests.fixture_models.train_shapes_clip OUTDIR")
    r = train(Path(sys.argv[1]))
    print(f"held-out accuracy {r['heldout_accuracy']:.3f} on {r['heldout_images']} images in {r['seconds']} s")
