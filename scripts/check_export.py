#!/usr/bin/python3
"""Checks an `mtl4j export` directory the way Python would use it: loads it into an independent
BertForSequenceClassification (reference_finetune.py's modules, written from Hugging Face's BERT, with
its own WordPiece tokenizer and safetensors reader) and compares the probabilities with those
`mtl4j predict` gave for the same inputs.

The state dict must load with strict=True: every tensor name in model.safetensors must be the one
transformers' BertForSequenceClassification has, and none may be missing. Not used by the tests or CI
(it needs torch); run by hand after changing the exporter.

Usage (Debian's python, which has torch 1.13 and numpy):
    scripts/mtl4j export --checkpoint RUN/best --task sst2 --output EXPORT
    scripts/mtl4j predict --checkpoint EXPORT --task sst2 --input INPUT.tsv > PRED.jsonl
    /usr/bin/python3 scripts/check_export.py --export EXPORT --input INPUT.tsv --predictions PRED.jsonl
INPUT.tsv holds one example per line: text, or text_a TAB text_b.
"""
import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_finetune import Classifier, WordPiece, load_safetensors  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--export", required=True, type=Path)
    ap.add_argument("--input", required=True, type=Path)
    ap.add_argument("--predictions", required=True, type=Path, help="mtl4j predict's output for --input")
    ap.add_argument("--tolerance", type=float, default=1e-5, help="largest |difference| of a probability")
    args = ap.parse_args()

    config = json.loads((args.export / "config.json").read_text())
    assert config.get("architectures") == ["BertForSequenceClassification"], config.get("architectures")
    if config.get("mtl4j_head_input", "pooler") != "pooler":
        print(f"note: mtl4j_head_input is {config['mtl4j_head_input']}: Python applies the pooler, so this export is not exact")
    id2label = {int(k): v for k, v in config["id2label"].items()}
    model = Classifier(config, len(id2label))
    weights = {k: v for k, v in load_safetensors(args.export / "model.safetensors").items() if not k.endswith("position_ids")}
    model.load_state_dict(weights, strict=True)
    model.eval()

    tok = WordPiece(args.export / "tokenizer.json")
    tokenizer_config = args.export / "tokenizer_config.json"
    max_length = json.loads(tokenizer_config.read_text()).get("model_max_length", 512) if tokenizer_config.exists() else 512
    max_length = min(int(max_length), config["max_position_embeddings"])

    lines = [l.rstrip("\n").split("\t") for l in args.input.read_text().splitlines() if l.strip()]
    predicted = [json.loads(l) for l in args.predictions.read_text().splitlines() if l.strip()]
    assert len(lines) == len(predicted), (len(lines), len(predicted))
    worst, disagree = 0.0, 0
    with torch.no_grad():
        for parts, mtl4j in zip(lines, predicted):
            ids, types = tok.encode(parts[0], parts[1] if len(parts) > 1 else None, max_length)
            t = lambda v: torch.tensor([v])
            probs = torch.softmax(model(t(ids), t(types), torch.ones(1, len(ids), dtype=torch.long))[0], -1)
            worst = max(worst, (probs - torch.tensor(mtl4j["probs"], dtype=torch.float32)).abs().max().item())
            disagree += id2label[int(probs.argmax())] != mtl4j["label"]
    print(f"{len(lines)} inputs: strict load ok, labels differ on {disagree}, max |prob difference| {worst:.2e}")
    return 0 if worst <= args.tolerance and disagree == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
