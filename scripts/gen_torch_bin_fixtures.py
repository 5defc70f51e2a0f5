#!/usr/bin/env python3
"""Generates the torch.save fixtures under java/test/resources/golden/torch-bin/.

Run once with torch installed (Debian: apt-get install python3-torch; it was 1.13):
    /usr/bin/python3 scripts/gen_torch_bin_fixtures.py
The Java tests read the files it writes and need no Python.

  zip.bin         the tiny BERT of golden/tiny-bert/f32 with HF's "bert." prefix, zip format
  legacy.bin      embeddings and layer 0 of it, legacy format (_use_new_zipfile_serialization=False)
  views.bin       fp16/bf16/int64 tensors, a transposed view, two slices of one storage and one
                  tensor stored twice (zip format); views.expected.safetensors holds each of them
                  contiguous, written by hand, for a bit-exact comparison
  views-legacy.bin  the same tensors in the legacy format
  forbidden-namespace.bin  a state dict holding an argparse.Namespace
  forbidden-os-system.bin  a pickle whose object reduces to os.system
"""
import argparse
import json
import os
import struct
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent / "java" / "test" / "resources" / "golden"
OUT = ROOT / "torch-bin"


def load_safetensors(path):
    raw = path.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = OrderedDict()
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        lo, hi = meta["data_offsets"]
        array = np.frombuffer(raw[8 + n + lo:8 + n + hi], dtype="<f4").copy()
        out[name] = torch.from_numpy(array).reshape(meta["shape"])
    return out


DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}


def raw_bytes(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    return t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = raw_bytes(t)
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


class RunsACommand:
    def __reduce__(self):
        return os.system, ("echo this must never run",)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    tiny = load_safetensors(ROOT / "tiny-bert" / "f32" / "model.safetensors")

    prefixed = OrderedDict(("bert." + k, v) for k, v in tiny.items())
    torch.save(prefixed, OUT / "zip.bin")

    first_layer = OrderedDict((k, v) for k, v in tiny.items()
                              if k.startswith("embeddings.") or k.startswith("encoder.layer.0."))
    torch.save(first_layer, OUT / "legacy.bin", _use_new_zipfile_serialization=False)

    positions = tiny["embeddings.position_embeddings.weight"].clone()  # one storage, two views
    shared = tiny["embeddings.LayerNorm.weight"].clone()
    views = OrderedDict([
        ("half", tiny["embeddings.word_embeddings.weight"].half()),
        ("bf16", tiny["embeddings.token_type_embeddings.weight"].bfloat16()),
        ("position_ids", torch.arange(64).expand((1, -1))),  # as HF BERT checkpoints store it: stride 0
        ("transposed", tiny["encoder.layer.0.attention.self.query.weight"].t()),
        ("slice_rows", positions[3:9]),
        ("slice_block", positions[10:20, 4:12]),
        ("tied_a", shared),
        ("tied_b", shared),
        ("scalar", torch.tensor(3.5)),
    ])
    assert not views["transposed"].is_contiguous() and not views["slice_block"].is_contiguous()
    torch.save(views, OUT / "views.bin")
    torch.save(views, OUT / "views-legacy.bin", _use_new_zipfile_serialization=False)
    write_safetensors(OUT / "views.expected.safetensors", views)

    torch.save(OrderedDict([("args", argparse.Namespace(lr=0.1)), ("w", torch.zeros(2))]),
               OUT / "forbidden-namespace.bin")
    torch.save(OrderedDict([("w", RunsACommand())]), OUT / "forbidden-os-system.bin")

    for path in sorted(OUT.iterdir()):
        print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
