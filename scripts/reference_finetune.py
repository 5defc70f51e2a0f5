#!/usr/bin/python3
"""An independent PyTorch fine-tune of one GLUE classification task, to compare mtl4j's training
quality against.

Nothing here comes from mtl4j: the BERT is written from Hugging Face's BertModel definition
(post-LN layers, GELU, dropout after embeddings, attention probabilities, attention output and
FFN output), the tokenizer is BERT's basic + WordPiece tokenizer read from tokenizer.json's
vocabulary, the optimizer is torch.optim.AdamW and the schedule is the linear warmup / linear
decay of transformers' get_linear_schedule_with_warmup. The head is BertForSequenceClassification's:
dropout + Linear on the tanh pooler output, initialised N(0, 0.02).

It answers one question: does a textbook PyTorch fine-tune of the same model with the same
recipe reach a different dev accuracy than mtl4j does? Not used by the tests or CI.

Usage (Debian's python, which has torch 1.13 and numpy):
    /usr/bin/python3 scripts/reference_finetune.py --model ../shared/models/minilm-l6-h384 \
        --data ../shared/glue --task sst2 --steps 727 --eval-every 250
"""
import argparse
import json
import math
import random
import struct
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

TASKS = {
    "sst2": (("sentence", None), "validation", 2),
    "mnli": (("premise", "hypothesis"), "validation_matched", 3),
    "qqp": (("question1", "question2"), "validation", 2),
}


# ---------------------------------------------------------------- tokenizer (BERT uncased)
def is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def is_chinese(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


class WordPiece:
    def __init__(self, tokenizer_json):
        spec = json.loads(Path(tokenizer_json).read_text())
        self.vocab = spec["model"]["vocab"]
        self.unk = self.vocab["[UNK]"]
        self.cls = self.vocab["[CLS]"]
        self.sep = self.vocab["[SEP]"]

    def normalize(self, text):
        out = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD or (unicodedata.category(ch).startswith("C") and ch not in "\t\n\r"):
                continue
            if ch in " \t\n\r" or unicodedata.category(ch) == "Zs":
                out.append(" ")
            elif is_chinese(cp):
                out.append(" " + ch + " ")
            else:
                out.append(ch)
        text = unicodedata.normalize("NFD", "".join(out).lower())
        return "".join(c for c in text if unicodedata.category(c) != "Mn")

    def words(self, text):
        for chunk in self.normalize(text).split():
            word = ""
            for ch in chunk:
                if is_punctuation(ch):
                    if word:
                        yield word
                    word = ""
                    yield ch
                else:
                    word += ch
            if word:
                yield word

    def encode_words(self, text):
        ids = []
        for word in self.words(text):
            if len(word) > 100:
                ids.append(self.unk)
                continue
            start, pieces = 0, []
            while start < len(word):
                end, found = len(word), None
                while start < end:
                    piece = word[start:end] if start == 0 else "##" + word[start:end]
                    if piece in self.vocab:
                        found = self.vocab[piece]
                        break
                    end -= 1
                if found is None:
                    pieces = [self.unk]
                    break
                pieces.append(found)
                start = end
            ids.extend(pieces)
        return ids

    def encode(self, a, b, max_length):
        ia, ib = self.encode_words(a), (self.encode_words(b) if b is not None else None)
        budget = max_length - (3 if ib is not None else 2)
        while len(ia) + (len(ib) if ib is not None else 0) > budget:  # longest first
            if ib is not None and len(ib) > len(ia):
                ib.pop()
            else:
                ia.pop()
        ids = [self.cls] + ia + [self.sep]
        types = [0] * len(ids)
        if ib is not None:
            ids += ib + [self.sep]
            types += [1] * (len(ib) + 1)
        return ids, types


# ---------------------------------------------------------------- safetensors, by hand
def load_safetensors(path):
    raw = Path(path).read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        assert meta["dtype"] == "F32", (name, meta["dtype"])
        lo, hi = meta["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(raw[base + lo:base + hi], dtype="<f4").copy()).reshape(meta["shape"])
    return out


# ---------------------------------------------------------------- BERT, Hugging Face's layout
class SelfAttention(nn.Module):
    def __init__(self, h, heads, p):
        super().__init__()
        self.heads, self.p = heads, p
        self.query, self.key, self.value = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)

    def forward(self, x, bias):
        b, t, h = x.shape
        d = h // self.heads
        split = lambda y: y.view(b, t, self.heads, d).transpose(1, 2)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d) + bias
        probs = F.dropout(scores.softmax(-1), self.p, self.training)
        return (probs @ v).transpose(1, 2).reshape(b, t, h)


class DenseNorm(nn.Module):  # BertSelfOutput / BertOutput
    def __init__(self, fan_in, h, p, eps):
        super().__init__()
        self.dense, self.LayerNorm, self.p = nn.Linear(fan_in, h), nn.LayerNorm(h, eps=eps), p

    def forward(self, x, residual):
        return self.LayerNorm(F.dropout(self.dense(x), self.p, self.training) + residual)


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        h, eps = c["hidden_size"], c["layer_norm_eps"]
        self.attention = nn.Module()
        self.attention.self = SelfAttention(h, c["num_attention_heads"], c["attention_probs_dropout_prob"])
        self.attention.output = DenseNorm(h, h, c["hidden_dropout_prob"], eps)
        self.intermediate = nn.Module()
        self.intermediate.dense = nn.Linear(h, c["intermediate_size"])
        self.output = DenseNorm(c["intermediate_size"], h, c["hidden_dropout_prob"], eps)

    def forward(self, x, bias):
        a = self.attention.output(self.attention.self(x, bias), x)
        return self.output(F.gelu(self.intermediate.dense(a)), a)


class Bert(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        self.p = c["hidden_dropout_prob"]
        self.embeddings = nn.Module()
        self.embeddings.word_embeddings = nn.Embedding(c["vocab_size"], h)
        self.embeddings.position_embeddings = nn.Embedding(c["max_position_embeddings"], h)
        self.embeddings.token_type_embeddings = nn.Embedding(c["type_vocab_size"], h)
        self.embeddings.LayerNorm = nn.LayerNorm(h, eps=c["layer_norm_eps"])
        self.encoder = nn.Module()
        self.encoder.layer = nn.ModuleList(Layer(c) for _ in range(c["num_hidden_layers"]))
        self.pooler = nn.Module()
        self.pooler.dense = nn.Linear(h, h)

    def forward(self, ids, types, mask):
        e = self.embeddings
        pos = torch.arange(ids.shape[1]).unsqueeze(0)
        x = e.LayerNorm(e.word_embeddings(ids) + e.position_embeddings(pos) + e.token_type_embeddings(types))
        x = F.dropout(x, self.p, self.training)
        bias = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in self.encoder.layer:
            x = layer(x, bias)
        return torch.tanh(self.pooler.dense(x[:, 0]))


class Classifier(nn.Module):
    def __init__(self, c, labels):
        super().__init__()
        self.bert = Bert(c)
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])
        self.classifier = nn.Linear(c["hidden_size"], labels)
        nn.init.normal_(self.classifier.weight, std=c.get("initializer_range", 0.02))
        nn.init.zeros_(self.classifier.bias)

    def forward(self, ids, types, mask):
        return self.classifier(self.dropout(self.bert(ids, types, mask)))


# ---------------------------------------------------------------- data
def read_split(tok, path, fields, max_length):
    rows = []
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            ids, types = tok.encode(r[fields[0]], r[fields[1]] if fields[1] else None, max_length)
            rows.append((ids, types, r["label"]))
    return rows


def collate(rows):
    t = max(len(r[0]) for r in rows)
    ids = torch.zeros(len(rows), t, dtype=torch.long)
    types = torch.zeros(len(rows), t, dtype=torch.long)
    mask = torch.zeros(len(rows), t, dtype=torch.long)
    for i, (a, b, _) in enumerate(rows):
        ids[i, :len(a)] = torch.tensor(a)
        types[i, :len(b)] = torch.tensor(b)
        mask[i, :len(a)] = 1
    return ids, types, mask, torch.tensor([r[2] for r in rows])


def evaluate(model, rows, batch_size=128):
    model.eval()
    correct = 0
    with torch.no_grad():
        order = sorted(range(len(rows)), key=lambda i: len(rows[i][0]))
        for s in range(0, len(order), batch_size):
            ids, types, mask, labels = collate([rows[i] for i in order[s:s + batch_size]])
            correct += (model(ids, types, mask).argmax(-1) == labels).sum().item()
    model.train()
    return correct / len(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--task", default="sst2", choices=sorted(TASKS))
    ap.add_argument("--steps", type=int, default=727)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--warmup-ratio", type=float, default=0.1)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--max-grad-norm", type=float, default=1.0)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--check-reference", action="store_true",
                    help="first check the tokenizer and pooler against the model's reference.jsonl")
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(args.threads)
    model_dir = Path(args.model)
    config = json.loads((model_dir / "config.json").read_text())
    tok = WordPiece(model_dir / "tokenizer.json")
    fields, dev_split, labels = TASKS[args.task]

    model = Classifier(config, labels)
    missing, unexpected = model.bert.load_state_dict(load_safetensors(model_dir / "model.safetensors"), strict=False)
    missing = [m for m in missing if not m.endswith("position_ids")]
    assert not missing, missing
    if args.check_reference:
        check_reference(model, tok, model_dir)

    t0 = time.time()
    train = read_split(tok, Path(args.data) / args.task / "train.jsonl", fields, args.max_length)
    dev = read_split(tok, Path(args.data) / args.task / f"{dev_split}.jsonl", fields, args.max_length)
    print(f"tokenized {len(train)} train / {len(dev)} dev rows in {time.time() - t0:.1f} s", flush=True)

    no_decay = lambda n: n.endswith("bias") or "LayerNorm" in n
    groups = [
        {"params": [p for n, p in model.named_parameters() if not no_decay(n)], "weight_decay": args.weight_decay},
        {"params": [p for n, p in model.named_parameters() if no_decay(n)], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=args.lr, betas=(0.9, 0.999), eps=1e-8)
    warmup = int(math.ceil(args.warmup_ratio * args.steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: s / max(1, warmup) if s < warmup else max(0.0, (args.steps - s) / max(1, args.steps - warmup)))

    order, cursor = [], 0
    model.train()
    t0, running = time.time(), []
    for step in range(1, args.steps + 1):
        if cursor + args.batch_size > len(order):
            order, cursor = random.sample(range(len(train)), len(train)), 0
        ids, types, mask, y = collate([train[i] for i in order[cursor:cursor + args.batch_size]])
        cursor += args.batch_size
        loss = F.cross_entropy(model(ids, types, mask), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.max_grad_norm)
        opt.step()
        sched.step()
        running.append(loss.item())
        if step % 50 == 0:
            print(f"step {step} loss {np.mean(running[-50:]):.4f} lr {sched.get_last_lr()[0]:.2e} "
                  f"{step * args.batch_size / (time.time() - t0):.1f} samples/s", flush=True)
        if step % args.eval_every == 0 or step == args.steps:
            print(json.dumps({"step": step, "split": dev_split, "task": args.task,
                              "accuracy": evaluate(model, dev)}), flush=True)


def check_reference(model, tok, model_dir):
    model.eval()
    worst = 0.0
    with open(model_dir / "reference.jsonl") as f, open(model_dir / "reference_inputs.tsv") as g:
        for ref, line in zip(map(json.loads, f), g):
            parts = line.rstrip("\n").split("\t")
            ids, types = tok.encode(parts[0], parts[1] if len(parts) > 1 else None, 512)
            assert ids == ref["input_ids"] and types == ref["token_type_ids"], (line, ids, ref["input_ids"])
            t = lambda v: torch.tensor([v])
            with torch.no_grad():
                pooled = model.bert(t(ids), t(types), torch.ones(1, len(ids), dtype=torch.long))[0]
            worst = max(worst, (pooled - torch.tensor(ref["pooler"])).abs().max().item())
    print(f"reference check: token ids equal, pooler max |diff| {worst:.2e}", flush=True)
    assert worst < 1e-4
    model.train()


if __name__ == "__main__":
    sys.exit(main())
