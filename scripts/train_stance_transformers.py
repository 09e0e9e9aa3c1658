#!/usr/bin/env python3
"""Reference fine-tune with Hugging Face transformers, for comparing
`newsframe train stance` against: a sequence-classification head on
(sentence, target) pairs of NewsMTSC train.jsonl, Trainer defaults (AdamW,
linear decay, no warm-up, weight decay 0, gradient clipping 1.0, random
batches), then macro-F1 on each --report file after every epoch.

Needs torch, transformers, scikit-learn and accelerate (the Trainer's;
`pip install accelerate==1.6.0` beside transformers 4.57). On 2 cores a run
takes about 13 min when the machine is idle.

Usage: train_stance_transformers.py --base DIR --train train.jsonl
       --report devtest_mt.jsonl [--seed 42] [--epochs 3] [--lr 5e-5]
       [--batch-size 32] [--threads 2] [--out DIR]
"""
import argparse
import json

import numpy as np
import torch
from sklearn.metrics import f1_score
from transformers import (AutoModelForSequenceClassification, AutoTokenizer, Trainer,
                          TrainerCallback, TrainingArguments)

LABELS = ["negative", "neutral", "positive"]
POLARITY = {2.0: 0, 4.0: 1, 6.0: 2}


def pairs(path):
    out = []
    for line in open(path, encoding="utf-8"):
        row = json.loads(line)
        for t in row["targets"]:
            label = POLARITY.get(float(t["polarity"]))
            if label is not None:
                out.append((row["sentence_normalized"], t["mention"], label))
    return out


class Pairs(torch.utils.data.Dataset):
    def __init__(self, rows, tokenizer, max_length):
        self.enc = tokenizer([r[0] for r in rows], [r[1] for r in rows], truncation="only_first",
                             max_length=max_length)
        self.labels = [r[2] for r in rows]

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        item = {k: v[i] for k, v in self.enc.items()}
        item["labels"] = self.labels[i]
        return item


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--train", required=True)
    ap.add_argument("--report", action="append", default=[])
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--max-length", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default="reference-run")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    tokenizer = AutoTokenizer.from_pretrained(args.base)
    model = AutoModelForSequenceClassification.from_pretrained(
        args.base, num_labels=3, id2label=dict(enumerate(LABELS)),
        label2id={l: i for i, l in enumerate(LABELS)})
    train = Pairs(pairs(args.train), tokenizer, args.max_length)
    reports = {p: Pairs(pairs(p), tokenizer, args.max_length) for p in args.report}

    class Report(TrainerCallback):
        def on_epoch_end(self, targs, state, control, **kw):
            for path, data in reports.items():
                pred = trainer.predict(data).predictions.argmax(-1)
                f1 = f1_score(data.labels, pred, average="macro")
                print(json.dumps({"epoch": round(state.epoch), "file": path, "macro_f1": round(f1, 4)}),
                      flush=True)

    targs = TrainingArguments(output_dir=args.out, num_train_epochs=args.epochs,
                              learning_rate=args.lr, per_device_train_batch_size=args.batch_size,
                              per_device_eval_batch_size=64, seed=args.seed, save_strategy="no",
                              report_to=[], logging_steps=50, use_cpu=True)
    trainer = Trainer(model=model, args=targs, train_dataset=train, tokenizer=tokenizer,
                      callbacks=[Report()])
    trainer.train()


if __name__ == "__main__":
    main()
