#!/usr/bin/python3
"""Generates the golden tiny-BERT fixture that GoldenTinyBertTest checks mtl4j against.

The reference is PyTorch's own modules, not a port of mtl4j's code: nn.Embedding for the
three embeddings, nn.LayerNorm, one nn.TransformerEncoderLayer per BERT layer (post-LN,
batch_first, dropout 0: exactly BERT's layer math) with src_key_padding_mask, and an
nn.Linear + tanh pooler. Weights are random with a fixed seed, stored under Hugging Face
BertModel names and mapped onto the torch modules.

Every variant directory gets config.json, model.safetensors (written by hand: the
safetensors package is not needed) and golden.json with the expected outputs.

Usage (Debian's python, which has torch and numpy):
    /usr/bin/python3 scripts/gen_golden_tiny_bert.py [--out java/test/resources/golden/tiny-bert]
"""
import argparse
import json
import math
import struct
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# Bump when the fixture changes in any way; golden.json records it.
FIXTURE_VERSION = 1
SEED = 20240611

# Matches TinyModels.tinyConfig() on the Java side (TinyModels.VOCAB has 44 entries).
CONFIG = {
    "vocab_size": 44,
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "intermediate_size": 64,
    "max_position_embeddings": 64,
    "type_vocab_size": 2,
    "layer_norm_eps": 1e-12,
    "pad_token_id": 0,
}
PAD, CLS, SEP = 0, 2, 3


def gelu_new(x):
    """Hugging Face's gelu_new (NewGELUActivation): the tanh approximation, written out."""
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


ACTIVATIONS = {"gelu": F.gelu, "gelu_new": gelu_new, "relu": F.relu}


def param_specs(with_pooler):
    """(name, shape) of every BertModel parameter, Hugging Face names without the bert. prefix."""
    c = CONFIG
    h, ff = c["hidden_size"], c["intermediate_size"]
    specs = [
        ("embeddings.word_embeddings.weight", (c["vocab_size"], h)),
        ("embeddings.position_embeddings.weight", (c["max_position_embeddings"], h)),
        ("embeddings.token_type_embeddings.weight", (c["type_vocab_size"], h)),
        ("embeddings.LayerNorm.weight", (h,)),
        ("embeddings.LayerNorm.bias", (h,)),
    ]
    for i in range(c["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        for proj in ("query", "key", "value"):
            specs += [(p + f"attention.self.{proj}.weight", (h, h)), (p + f"attention.self.{proj}.bias", (h,))]
        specs += [
            (p + "attention.output.dense.weight", (h, h)),
            (p + "attention.output.dense.bias", (h,)),
            (p + "attention.output.LayerNorm.weight", (h,)),
            (p + "attention.output.LayerNorm.bias", (h,)),
            (p + "intermediate.dense.weight", (ff, h)),
            (p + "intermediate.dense.bias", (ff,)),
            (p + "output.dense.weight", (h, ff)),
            (p + "output.dense.bias", (h,)),
            (p + "output.LayerNorm.weight", (h,)),
            (p + "output.LayerNorm.bias", (h,)),
        ]
    if with_pooler:
        specs += [("pooler.dense.weight", (h, h)), ("pooler.dense.bias", (h,))]
    return specs


def random_weights(gen):
    """fp32 weights: matrices N(0, 0.02) as BERT initialises them, except where that would hide
    a bug: query/key N(0, 0.2) so attention is far from uniform (mask and head-split bugs change
    the output a lot), intermediate.dense N(0, 0.3) and the FFN output.dense N(0, 0.1) so the
    activation sees inputs of order 1 (with 0.02, gelu and gelu_new outputs differ by only 1e-6,
    below the test's tolerance; now by about 5e-4). LayerNorm weights 1 + 0.1 N(0, 1) and all
    biases 0.1 N(0, 1), so those paths matter too."""
    weights = {}
    for name, shape in param_specs(with_pooler=True):
        noise = torch.randn(shape, generator=gen, dtype=torch.float32)
        if name.endswith("LayerNorm.weight"):
            weights[name] = 1.0 + 0.1 * noise
        elif name.endswith(".bias"):
            weights[name] = 0.1 * noise
        elif ".query." in name or ".key." in name:
            weights[name] = 0.2 * noise
        elif ".intermediate.dense." in name:
            weights[name] = 0.3 * noise
        elif name.endswith(".output.dense.weight") and ".attention." not in name:
            weights[name] = 0.1 * noise
        else:
            weights[name] = 0.02 * noise
    return weights


class ReferenceBert(nn.Module):
    """BERT's encoder assembled from stock torch.nn modules."""

    def __init__(self, hidden_act, with_pooler):
        super().__init__()
        c = CONFIG
        h = c["hidden_size"]
        self.word = nn.Embedding(c["vocab_size"], h)
        self.position = nn.Embedding(c["max_position_embeddings"], h)
        self.token_type = nn.Embedding(c["type_vocab_size"], h)
        self.norm = nn.LayerNorm(h, eps=c["layer_norm_eps"])
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(h, c["num_attention_heads"], c["intermediate_size"], dropout=0.0,
                                       activation=ACTIVATIONS[hidden_act], layer_norm_eps=c["layer_norm_eps"],
                                       batch_first=True, norm_first=False)
            for _ in range(c["num_hidden_layers"]))
        self.pooler = nn.Linear(h, h) if with_pooler else None

    def load_hf(self, w):
        """Copies Hugging Face BertModel weights (names without prefix) into the torch modules."""
        state = {
            "word.weight": w["embeddings.word_embeddings.weight"],
            "position.weight": w["embeddings.position_embeddings.weight"],
            "token_type.weight": w["embeddings.token_type_embeddings.weight"],
            "norm.weight": w["embeddings.LayerNorm.weight"],
            "norm.bias": w["embeddings.LayerNorm.bias"],
        }
        for i in range(len(self.layers)):
            p, m = f"encoder.layer.{i}.", f"layers.{i}."
            for kind in ("weight", "bias"):
                state[m + f"self_attn.in_proj_{kind}"] = torch.cat(
                    [w[p + f"attention.self.{proj}.{kind}"] for proj in ("query", "key", "value")])
                state[m + f"self_attn.out_proj.{kind}"] = w[p + f"attention.output.dense.{kind}"]
                state[m + f"norm1.{kind}"] = w[p + f"attention.output.LayerNorm.{kind}"]
                state[m + f"linear1.{kind}"] = w[p + f"intermediate.dense.{kind}"]
                state[m + f"linear2.{kind}"] = w[p + f"output.dense.{kind}"]
                state[m + f"norm2.{kind}"] = w[p + f"output.LayerNorm.{kind}"]
        if self.pooler is not None:
            state["pooler.weight"] = w["pooler.dense.weight"]
            state["pooler.bias"] = w["pooler.dense.bias"]
        self.load_state_dict(state, strict=True)

    def forward(self, input_ids, token_type_ids, attention_mask):
        positions = torch.arange(input_ids.shape[1]).unsqueeze(0)
        x = self.word(input_ids) + self.position(positions) + self.token_type(token_type_ids)
        x = self.norm(x)
        padding = attention_mask == 0  # True where a key must be ignored
        for layer in self.layers:
            x = layer(x, src_key_padding_mask=padding)
        pooled = torch.tanh(self.pooler(x[:, 0])) if self.pooler is not None else None
        return x, pooled


def cases():
    """Batches with padding (different lengths in one batch) and sentence pairs with token type 1."""
    def batch(name, rows):
        length = max(len(ids) for ids, _ in rows)
        return {
            "name": name,
            "input_ids": [ids + [PAD] * (length - len(ids)) for ids, _ in rows],
            "token_type_ids": [types + [0] * (length - len(types)) for _, types in rows],
            "attention_mask": [[1] * len(ids) + [0] * (length - len(ids)) for ids, _ in rows],
        }

    def single(*ids):
        seq = [CLS, *ids, SEP]
        return seq, [0] * len(seq)

    def pair(a, b):
        seq = [CLS, *a, SEP, *b, SEP]
        return seq, [0] * (len(a) + 2) + [1] * (len(b) + 1)

    return [
        # "the movie was great !", "bad film", "i liked the story and the actors very much ."-ish
        batch("singles-padded", [single(5, 7, 10, 13, 25), single(12, 8), single(18, 19, 5, 21, 16, 5, 22, 15, 23)]),
        batch("pairs-padded", [pair([5, 7, 9, 11], [17, 10, 34]), pair([27, 9, 36], [6, 37, 41, 30])]),
        batch("one-full-length", [single(38, 42, 32, 16, 39, 43, 30, 24, 26)]),
    ]


def round_to(weights, dtype):
    """The weights as stored in `dtype`, back in fp32 (what a loader that widens to fp32 sees)."""
    return {k: v.to(dtype).to(torch.float32) for k, v in weights.items()}


def run(weights, hidden_act, with_pooler, case, dtype, train_mode):
    model = ReferenceBert(hidden_act, with_pooler)
    model.load_hf(weights)
    model = model.to(dtype).train(train_mode)
    with torch.no_grad():
        hidden, pooled = model(torch.tensor(case["input_ids"]), torch.tensor(case["token_type_ids"]),
                               torch.tensor(case["attention_mask"]))
    return hidden, pooled


def reference(weights, hidden_act, with_pooler, case):
    """fp32 outputs of the stock modules (eval mode: torch may take its fused fast path), checked
    on real tokens against the same model in fp64 on the plain path (train mode, dropout 0)."""
    hidden, pooled = run(weights, hidden_act, with_pooler, case, torch.float32, train_mode=False)
    hidden64, pooled64 = run(weights, hidden_act, with_pooler, case, torch.float64, train_mode=True)
    real = torch.tensor(case["attention_mask"]).bool()
    err = (hidden[real].double() - hidden64[real]).abs().max().item()
    if pooled is not None:
        err = max(err, (pooled.double() - pooled64).abs().max().item())
    assert err < 2e-6, f"fp32 reference is off its fp64 twin by {err}"
    return hidden, pooled


# ---- safetensors, by hand ------------------------------------------------------------------

def tensor_bytes(t, dtype):
    """(safetensors dtype, little-endian bytes) of tensor t stored as `dtype`."""
    t = t.detach().contiguous()
    if dtype == "F32":
        return dtype, t.to(torch.float32).numpy().astype("<f4").tobytes()
    if dtype == "F16":
        return dtype, t.to(torch.float16).numpy().astype("<f2").tobytes()
    if dtype == "BF16":  # numpy has no bfloat16: reinterpret the 16-bit patterns
        return dtype, t.to(torch.bfloat16).view(torch.int16).numpy().astype("<i2").tobytes()
    if dtype == "I64":
        return dtype, t.to(torch.int64).numpy().astype("<i8").tobytes()
    raise ValueError(dtype)


def write_safetensors(path, tensors):
    """tensors: list of (name, tensor, dtype). Writes the 8-byte LE header length, the JSON
    header padded with spaces to a multiple of 8, then the raw data in the listed order."""
    header, blobs, offset = {}, [], 0
    for name, t, dtype in tensors:
        dtype, data = tensor_bytes(t, dtype)
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in blobs:
            f.write(data)


# ---- variants -------------------------------------------------------------------------------

def legacy_name(name):
    if ".LayerNorm." in name:
        name = name.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta")
    return "bert." + name


def hub_extras(gen):
    """Tensors a pretraining checkpoint from the hub carries beyond the encoder."""
    h, v = CONFIG["hidden_size"], CONFIG["vocab_size"]
    return [
        ("bert.embeddings.position_ids", torch.arange(CONFIG["max_position_embeddings"]).unsqueeze(0), "I64"),
        ("cls.predictions.bias", 0.1 * torch.randn(v, generator=gen), None),
        ("cls.predictions.transform.dense.weight", 0.02 * torch.randn(h, h, generator=gen), None),
        ("cls.seq_relationship.weight", 0.02 * torch.randn(2, h, generator=gen), None),
    ]


VARIANTS = [
    # name, hidden_act, storage dtype, with pooler, prefixed legacy names and hub extras
    ("f32", "gelu", "F32", True, False),
    ("bf16-prefixed", "gelu", "BF16", True, True),
    ("f16-nopooler-gelu_new", "gelu_new", "F16", False, False),
    ("relu", "relu", "F32", True, False),
]
TORCH_DTYPE = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
CONFIG_DTYPE = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}


def rounded(values, digits=9):
    """Nested lists of floats with 9 significant digits (enough to round-trip fp32)."""
    if isinstance(values, list):
        return [rounded(v, digits) for v in values]
    return float(f"{values:.{digits}g}")


def write_variant(out, weights, gen, name, hidden_act, dtype, with_pooler, hub_style):
    d = out / name
    d.mkdir(parents=True, exist_ok=True)
    config = {
        "architectures": ["BertForPreTraining" if hub_style else "BertModel"],
        "model_type": "bert",
        **CONFIG,
        "hidden_act": hidden_act,
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "position_embedding_type": "absolute",
        "torch_dtype": CONFIG_DTYPE[dtype],
    }
    (d / "config.json").write_text(json.dumps(config, indent=2) + "\n")

    stored = [(n, weights[n]) for n, _ in param_specs(with_pooler)]
    if hub_style:
        tensors = [(legacy_name(n), t, dtype) for n, t in stored]
        tensors += [(n, t, dt or dtype) for n, t, dt in hub_extras(gen)]
    else:
        tensors = [(n, t, dtype) for n, t in stored]
    write_safetensors(d / "model.safetensors", tensors)

    seen = round_to(weights, TORCH_DTYPE[dtype])  # what the model computes with once loaded
    golden_cases = []
    for case in cases():
        hidden, pooled = reference(seen, hidden_act, with_pooler, case)
        golden_cases.append({
            **case,
            "last_hidden_state": rounded(hidden.tolist()),
            "pooler": rounded(pooled.tolist()) if pooled is not None else None,
        })
    golden = {
        "fixture_version": FIXTURE_VERSION,
        "generator": "scripts/gen_golden_tiny_bert.py",
        "torch_version": torch.__version__,
        "seed": SEED,
        "variant": name,
        "hidden_act": hidden_act,
        "weights_dtype": dtype,
        "has_pooler": with_pooler,
        "cases": golden_cases,
    }
    (d / "golden.json").write_text(json.dumps(golden, separators=(",", ":")) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("java/test/resources/golden/tiny-bert"))
    args = parser.parse_args()
    torch.use_deterministic_algorithms(True)
    gen = torch.Generator().manual_seed(SEED)
    weights = random_weights(gen)
    for name, hidden_act, dtype, with_pooler, hub_style in VARIANTS:
        write_variant(args.out, weights, gen, name, hidden_act, dtype, with_pooler, hub_style)
        print(f"wrote {args.out / name}")


if __name__ == "__main__":
    main()
