#!/usr/bin/python3
"""Generates the golden training fixture that GoldenTrainingTest checks mtl4j's training loop against.

The reference is a textbook PyTorch fine-tuning loop, sharing no code with mtl4j: the stock-module
BERT of gen_golden_tiny_bert.py plus one nn.Linear head per task on the pooler output,
F.cross_entropy / squared error, gradient accumulation by summing micro-batch losses divided by
the step's example count, torch.nn.utils.clip_grad_norm_, torch.optim.AdamW with Hugging Face's
parameter groups (no weight decay on biases and LayerNorm weights), and torch.optim.lr_scheduler.
LambdaLR with Hugging Face's warmup-then-linear or warmup-then-cosine factor. Three runs:

  plain/      sst2, mnli, stsb in turn (round-robin); 2 micro-batches per step; clipping;
              warmup then linear decay; a head learning rate of its own.
  llrd-frozen-uncertainty/
              sst2, stsb in turn; embeddings and layer 0 frozen; layer-wise LR decay; cosine;
              Kendall et al. uncertainty weighting with its own learning rate; Adam beta2 and eps
              changed; no clipping.
  pcgrad/     sst2 and mnli in every step, --mtl pcgrad: the encoder's task gradients projected
              (PCGrad, written out in fp64) and summed; each head keeps its own task's gradient.

Every task's training split holds exactly one step's examples, so which examples share a
micro-batch does not change a step's summed loss: mtl4j may batch them in any order.

Each run directory gets model/ (config.json and model.safetensors: the tiny-bert f32 encoder,
plus the heads, and the log variances for uncertainty weighting, as the starting point),
data/<task>/<split>.jsonl, final/ (config.json and model.safetensors: every tensor after the last
step) and
golden.json (the mtl4j train flags, and per step the task, mean loss, learning rate and the
gradient norm before clipping). The test writes tokenizer.json itself (TinyModels.writeTokenizer),
whose vocabulary VOCAB below copies.

Usage (Debian's python, which has torch and numpy), from the repository root:
    /usr/bin/python3 scripts/gen_golden_training.py [--out java/test/resources/golden/tiny-training]
"""
import argparse
import json
import math
import random
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_golden_tiny_bert as tiny  # noqa: E402  (the stock-module BERT and the safetensors writer)

# Bump when the fixture changes in any way; golden.json records it.
FIXTURE_VERSION = 2
SEED = 20261202

# TinyModels.VOCAB, in id order (the test's tokenizer.json is built from that list).
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
         "the", "a", "movie", "film", "is", "was", "good", "bad", "great", "not", "very", "and", "it",
         "i", "liked", "hated", "story", "actors", ".", ",", "!", "?", "what", "who", "how", "##s", "##ly",
         "##ing", "##ed", "fun", "boring", "plot", "dog", "cat", "man", "woman", "play", "sleep", "eat"]
WORDS = [w for w in VOCAB[5:] if not w.startswith("##")]
CLS, SEP, PAD = VOCAB.index("[CLS]"), VOCAB.index("[SEP]"), VOCAB.index("[PAD]")

TASKS = {  # name: (text fields, number of outputs; 1 = regression)
    "sst2": (["sentence"], 2),
    "mnli": (["premise", "hypothesis"], 3),
    "stsb": (["sentence1", "sentence2"], 1),
}
DEV_SPLITS = {"sst2": ["validation"], "mnli": ["validation_matched", "validation_mismatched"],
              "stsb": ["validation"]}

RUNS = [
    {
        "name": "plain",
        "tasks": ["sst2", "mnli", "stsb"],
        "steps": 9,
        "examples": 8,          # per task: one step's worth
        "batch_size": 4,
        "grad_accum": 2,
        "lr": 2e-3,
        "head_lr": 5e-3,
        "warmup_ratio": 0.2,    # ceil(1.8) = 2 warmup steps
        "schedule": "linear",
        "weight_decay": 0.1,
        "max_grad_norm": 1.5,
        "adam_beta2": 0.999,
        "adam_eps": 1e-8,
        "layer_lr_decay": 1.0,
        "freeze_layers": 0,
        "uncertainty": False,
        "loss_weight_lr": None,
        "mtl": "plain",
    },
    {
        "name": "llrd-frozen-uncertainty",
        "tasks": ["sst2", "stsb"],
        "steps": 6,
        "examples": 6,
        "batch_size": 6,
        "grad_accum": 1,
        "lr": 1e-3,
        "head_lr": 2e-3,
        "warmup_ratio": 0.1,    # ceil(0.6) = 1 warmup step
        "schedule": "cosine",
        "weight_decay": 0.05,
        "max_grad_norm": 0.0,
        "adam_beta2": 0.98,
        "adam_eps": 1e-4,
        "layer_lr_decay": 0.5,
        "freeze_layers": 1,
        "uncertainty": True,
        "loss_weight_lr": 5e-2,
        "mtl": "plain",
    },
    {
        "name": "pcgrad",
        "tasks": ["sst2", "mnli"],
        "steps": 6,
        "examples": 4,
        "batch_size": 4,
        "grad_accum": 1,
        "lr": 2e-3,
        "head_lr": 2e-3,
        "warmup_ratio": 0.2,    # ceil(1.2) = 2 warmup steps
        "schedule": "linear",
        "weight_decay": 0.01,
        "max_grad_norm": 3.0,
        "adam_beta2": 0.999,
        "adam_eps": 1e-6,
        "layer_lr_decay": 1.0,
        "freeze_layers": 0,
        "uncertainty": False,
        "loss_weight_lr": None,
        "mtl": "pcgrad",
    },
]


# ---- data -----------------------------------------------------------------------------------

def sentence(rng, low, high):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


def make_rows(rng, task, n):
    fields, outputs = TASKS[task]
    rows = []
    for i in range(n):
        row = {f: sentence(rng, 2, 5) if len(fields) == 1 else sentence(rng, 1, 4) for f in fields}
        row["label"] = round(rng.uniform(0, 5), 3) if outputs == 1 else rng.randrange(outputs)
        row["idx"] = i
        rows.append(row)
    return rows


def encode(row, fields):
    """[CLS] a [SEP] (b [SEP]): every word is one vocabulary entry, so WordPiece is the identity."""
    ids, types = [CLS], [0]
    for t, f in enumerate(fields):
        words = [VOCAB.index(w) for w in row[f].split()]
        ids += words + [SEP]
        types += [t] * (len(words) + 1)
    return ids, types


def tensors(rows, fields, regression):
    encoded = [encode(r, fields) for r in rows]
    length = max(len(ids) for ids, _ in encoded)
    ids = torch.tensor([i + [PAD] * (length - len(i)) for i, _ in encoded])
    types = torch.tensor([t + [0] * (length - len(t)) for _, t in encoded])
    mask = torch.tensor([[1] * len(i) + [0] * (length - len(i)) for i, _ in encoded])
    labels = torch.tensor([r["label"] for r in rows], dtype=torch.float32 if regression else torch.int64)
    return ids, types, mask, labels


def write_jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


# ---- the reference loop -----------------------------------------------------------------------

def lr_factor(schedule, step, warmup, total):
    """Hugging Face's get_{linear,cosine}_schedule_with_warmup, written out."""
    if step < warmup:
        return step / max(1, warmup)
    progress = (step - warmup) / max(1, total - warmup)
    if schedule == "linear":
        return max(0.0, (total - step) / max(1, total - warmup))
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)))


def hf_name(torch_name):
    """Which Hugging Face tensor(s) a ReferenceBert parameter holds (in_proj packs query, key, value)."""
    table = {"word.weight": "embeddings.word_embeddings.weight",
             "position.weight": "embeddings.position_embeddings.weight",
             "token_type.weight": "embeddings.token_type_embeddings.weight",
             "norm.weight": "embeddings.LayerNorm.weight", "norm.bias": "embeddings.LayerNorm.bias",
             "pooler.weight": "pooler.dense.weight", "pooler.bias": "pooler.dense.bias"}
    if torch_name in table:
        return table[torch_name]
    _, i, rest = torch_name.split(".", 2)  # layers.<i>.<module>.<weight|bias>
    p = f"encoder.layer.{i}."
    if rest.startswith("self_attn.in_proj_"):
        kind = rest[len("self_attn.in_proj_"):]
        return [p + f"attention.self.{x}.{kind}" for x in ("query", "key", "value")]
    module, kind = rest.rsplit(".", 1)
    return p + {"self_attn.out_proj": "attention.output.dense", "norm1": "attention.output.LayerNorm",
                "linear1": "intermediate.dense", "linear2": "output.dense",
                "norm2": "output.LayerNorm"}[module] + "." + kind


def state_as_hf(bert):
    """The encoder's parameters under Hugging Face names, in_proj split back into query/key/value."""
    out = {}
    for name, p in bert.named_parameters():
        target = hf_name(name)
        if isinstance(target, list):
            for t, chunk in zip(target, p.detach().chunk(3)):
                out[t] = chunk.clone()
        else:
            out[target] = p.detach().clone()
    return out


def depth(hf):
    """0 for the embeddings, l+1 for encoder layer l, L+1 for the pooler (as mtl4j's --layer-lr-decay)."""
    if hf.startswith("embeddings."):
        return 0
    if hf.startswith("encoder.layer."):
        return int(hf.split(".")[2]) + 1
    return tiny.CONFIG["num_hidden_layers"] + 1


def no_decay(hf):
    return hf.endswith(".bias") or "LayerNorm" in hf


def frozen(hf, layers):
    return layers > 0 and (hf.startswith("embeddings.") or (hf.startswith("encoder.layer.") and depth(hf) <= layers))


def train(run, weights, heads, log_vars, data):
    bert = tiny.ReferenceBert("gelu", with_pooler=True)
    bert.load_hf(weights)
    bert.train()  # dropout is 0 in every module: train mode only keeps torch off its inference fast path
    h = tiny.CONFIG["hidden_size"]
    head_modules = nn.ModuleDict()
    for task in run["tasks"]:
        linear = nn.Linear(h, TASKS[task][1])
        linear.weight.data.copy_(heads[f"heads.{task}.weight"])
        linear.bias.data.copy_(heads[f"heads.{task}.bias"])
        head_modules[task] = linear
    log_var = {t: nn.Parameter(log_vars[t].clone()) for t in run["tasks"]} if run["uncertainty"] else {}

    top = tiny.CONFIG["num_hidden_layers"] + 1
    groups = {}

    def add(param, lr, decay):
        groups.setdefault((lr, decay), []).append(param)

    trainable = []
    for name, p in bert.named_parameters():
        target = hf_name(name)
        first = target[0] if isinstance(target, list) else target
        if frozen(first, run["freeze_layers"]):
            p.requires_grad_(False)
            continue
        scale = run["layer_lr_decay"] ** (top - depth(first))
        add(p, run["lr"] * scale, not no_decay(first))
        trainable.append(p)
    for task, linear in head_modules.items():
        add(linear.weight, run["head_lr"], True)
        add(linear.bias, run["head_lr"], False)
        trainable += [linear.weight, linear.bias]
    for p in log_var.values():
        add(p, run["loss_weight_lr"], False)
        trainable.append(p)
    optimizer = torch.optim.AdamW(
        [{"params": ps, "lr": lr, "weight_decay": run["weight_decay"] if decay else 0.0}
         for (lr, decay), ps in groups.items()],
        betas=(0.9, run["adam_beta2"]), eps=run["adam_eps"])
    warmup = math.ceil(run["warmup_ratio"] * run["steps"])
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: lr_factor(run["schedule"], s, warmup, run["steps"]))

    encoder = [p for p in bert.parameters() if p.requires_grad]
    steps = []
    conflicts = []
    pcgrad = run["mtl"] == "pcgrad"
    for step in range(run["steps"]):
        step_tasks = run["tasks"] if pcgrad else [run["tasks"][step % len(run["tasks"])]]
        # As torch 2's default: the heads of the other tasks get no gradient, so AdamW leaves them
        # (and their moments and step counts) alone.
        optimizer.zero_grad(set_to_none=True)
        losses, task_grads = {}, []
        for task in step_tasks:
            if pcgrad:
                for p in encoder:
                    p.grad = None
            losses[task] = backward(run, bert, head_modules, log_var, task, data[task])
            if pcgrad:
                task_grads.append(torch.cat([p.grad.reshape(-1) for p in encoder]))
        if pcgrad:
            combined, conflicted = pcgrad_sum(task_grads)
            conflicts.append(conflicted)
            offset = 0
            for p in encoder:
                p.grad = combined[offset:offset + p.numel()].view_as(p).clone()
                offset += p.numel()
        norm = math.sqrt(sum(float(p.grad.double().pow(2).sum()) for p in trainable if p.grad is not None))
        if run["max_grad_norm"] > 0:
            torch.nn.utils.clip_grad_norm_(trainable, run["max_grad_norm"])
        for task, loss in losses.items():
            steps.append({"step": step + 1, "task": task, "loss": loss,
                          "lr": run["lr"] * lr_factor(run["schedule"], step, warmup, run["steps"]),
                          "grad_norm": norm})
        optimizer.step()
        scheduler.step()

    final = state_as_hf(bert)
    for task, linear in head_modules.items():
        final[f"heads.{task}.weight"] = linear.weight.detach().clone()
        final[f"heads.{task}.bias"] = linear.bias.detach().clone()
    for task, p in log_var.items():
        final[f"loss_weights.{task}.log_var"] = p.detach().clone()
    return steps, final, conflicts


def backward(run, bert, head_modules, log_var, task, rows):
    """Forward and backward over the task's micro-batches; returns the mean per-example loss."""
    fields, outputs = TASKS[task]
    regression = outputs == 1
    loss_sum = 0.0
    size = run["batch_size"]
    for start in range(0, len(rows), size):
        ids, types, mask, labels = tensors(rows[start:start + size], fields, regression)
        _, pooled = bert(ids, types, mask)
        out = head_modules[task](pooled)
        summed = ((out.view(-1) - labels) ** 2).sum() if regression \
            else F.cross_entropy(out, labels, reduction="sum")
        loss_sum += summed.item()
        objective = summed / len(rows)
        if run["uncertainty"]:
            s = log_var[task]
            factor = 0.5 if regression else 1.0
            objective = objective * torch.exp(-s).sum() * factor + s.sum() * 0.5 * (len(ids) / len(rows))
        objective.backward()
    return loss_sum / len(rows)


def pcgrad_sum(grads):
    """PCGrad (Yu et al. 2020), in fp64: each task gradient projected away from every other task's
    original gradient it conflicts with, then summed. With two tasks the order of projection does not
    matter. Returns the fp32 sum and how many projections were made."""
    grads64 = [g.double() for g in grads]
    projected, conflicted = [], 0
    for i, g in enumerate(grads64):
        g = g.clone()
        for j, other in enumerate(grads64):
            dot = torch.dot(g, other)
            if j != i and dot < 0:
                g -= dot / torch.dot(other, other) * other
                conflicted += 1
        projected.append(g)
    return sum(projected).float(), conflicted


def flags(run):
    f = ["--tasks", ",".join(run["tasks"]), "--steps", str(run["steps"]), "--batch-size", str(run["batch_size"]),
         "--grad-accum", str(run["grad_accum"]), "--lr", repr(run["lr"]), "--head-lr", repr(run["head_lr"]),
         "--warmup-ratio", repr(run["warmup_ratio"]), "--schedule", run["schedule"],
         "--weight-decay", repr(run["weight_decay"]), "--max-grad-norm", repr(run["max_grad_norm"]),
         "--adam-beta2", repr(run["adam_beta2"]), "--adam-eps", repr(run["adam_eps"]),
         "--layer-lr-decay", repr(run["layer_lr_decay"]), "--freeze-layers", str(run["freeze_layers"]),
         "--sampler", "round-robin", "--dropout", "false", "--head-input", "pooler", "--mtl", run["mtl"]]
    if run["uncertainty"]:
        f += ["--loss-weighting", "uncertainty", "--loss-weight-lr", repr(run["loss_weight_lr"])]
    return f


def write_run(out, run, weights, gen, rng):
    d = out / run["name"]
    h = tiny.CONFIG["hidden_size"]
    heads, log_vars = {}, {}
    for task in run["tasks"]:
        outputs = TASKS[task][1]
        heads[f"heads.{task}.weight"] = 0.2 * torch.randn(outputs, h, generator=gen)
        heads[f"heads.{task}.bias"] = 0.1 * torch.randn(outputs, generator=gen)
        log_vars[task] = 0.3 * torch.randn(1, generator=gen)
    data = {task: make_rows(rng, task, run["examples"]) for task in run["tasks"]}

    steps, final, conflicts = train(run, weights, heads, log_vars, data)
    if run["mtl"] == "pcgrad":
        assert sum(conflicts) > 0, f"{run['name']}: the task gradients never conflict, so PCGrad would do nothing"
    clipped = sorted({s["step"] for s in steps if run["max_grad_norm"] > 0 and s["grad_norm"] > run["max_grad_norm"]})
    if run["max_grad_norm"] > 0:
        assert 0 < len(clipped) < run["steps"], f"{run['name']}: clipping should act on some steps only: {clipped}"

    model = d / "model"
    model.mkdir(parents=True, exist_ok=True)
    config = {"architectures": ["BertModel"], "model_type": "bert", **tiny.CONFIG, "hidden_act": "gelu",
              "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
              "position_embedding_type": "absolute", "torch_dtype": "float32"}
    (model / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    start = [(n, weights[n], "F32") for n, _ in tiny.param_specs(with_pooler=True)]
    start += [(n, t, "F32") for n, t in heads.items()]
    if run["uncertainty"]:
        start += [(f"loss_weights.{t}.log_var", v, "F32") for t, v in log_vars.items()]
    tiny.write_safetensors(model / "model.safetensors", start)
    (d / "final").mkdir(exist_ok=True)
    (d / "final" / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    tiny.write_safetensors(d / "final" / "model.safetensors", [(n, t, "F32") for n, t in final.items()])
    for task, rows in data.items():
        write_jsonl(d / "data" / task / "train.jsonl", rows)
        for split in DEV_SPLITS[task]:
            write_jsonl(d / "data" / task / f"{split}.jsonl", rows)
    golden = {
        "fixture_version": FIXTURE_VERSION,
        "generator": "scripts/gen_golden_training.py",
        "torch_version": torch.__version__,
        "seed": SEED,
        "flags": flags(run),
        "clipped_steps": clipped,
        "pcgrad_projections": conflicts,
        "steps": [{k: (tiny.rounded(v) if isinstance(v, float) else v) for k, v in s.items()} for s in steps],
    }
    (d / "golden.json").write_text(json.dumps(golden, indent=1) + "\n")
    return steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("java/test/resources/golden/tiny-training"))
    args = parser.parse_args()
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    weights = tiny.random_weights(torch.Generator().manual_seed(tiny.SEED))  # the tiny-bert f32 fixture's
    gen = torch.Generator().manual_seed(SEED)
    rng = random.Random(SEED)
    for run in RUNS:
        steps = write_run(args.out, run, weights, gen, rng)
        print(f"wrote {args.out / run['name']}: losses " + ", ".join(f"{s['loss']:.4f}" for s in steps))


if __name__ == "__main__":
    main()
