#!/usr/bin/env python3
"""Write the tiny hub fixtures the model-store tests serve and import.

Usage: scripts/make_hub_fixtures.py   (from the repository root; seeded, deterministic)

Writes tests/fixtures/hub/:
  repos/newsframe-test/tiny-bert/    config.json, vocab.txt, model.safetensors
  repos/newsframe-test/tiny-pickle/  config.json, pytorch_model.bin (a plain
                                     torch.save state dict, with tied weights)
  registry.toml                      registry entries for them, with sizes and
                                     sha256 values of the files written here

The tensors are random (seed 0): the tests check files, not predictions.
Needs torch and safetensors (the project venv has both).
"""

import hashlib
import json
import os

import torch
from safetensors.torch import save_file

ROOT = os.path.join("tests", "fixtures", "hub")
COMMIT = "4f1c2a9d0b7e3c5a8f6d1e2b3c4d5e6f7a8b9c0d"


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def spec(path, repo_dir):
    with open(os.path.join(repo_dir, path), "rb") as f:
        data = f.read()
    return '{ path = "%s", size = %d, sha256 = "%s" }' % (path, len(data), hashlib.sha256(data).hexdigest())


def main():
    torch.manual_seed(0)
    bert = os.path.join(ROOT, "repos", "newsframe-test", "tiny-bert")
    config = {"model_type": "bert", "hidden_size": 16, "num_hidden_layers": 1,
              "num_attention_heads": 2, "intermediate_size": 32, "vocab_size": 12,
              "max_position_embeddings": 32}
    write(os.path.join(bert, "config.json"), (json.dumps(config, indent=2) + "\n").encode())
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "news", "report", "says", "government", "opposition", "."]
    write(os.path.join(bert, "vocab.txt"), ("\n".join(vocab) + "\n").encode())
    tensors = {
        "embeddings.word_embeddings.weight": torch.randn(12, 16),
        "embeddings.position_embeddings.weight": torch.randn(32, 16),
        "encoder.layer.0.intermediate.dense.weight": torch.randn(32, 16),
        "encoder.layer.0.output.dense.weight": torch.randn(16, 32),
        "pooler.dense.weight": torch.randn(16, 16),
    }
    os.makedirs(bert, exist_ok=True)
    save_file(tensors, os.path.join(bert, "model.safetensors"), metadata={"format": "pt"})

    pickle_repo = os.path.join(ROOT, "repos", "newsframe-test", "tiny-pickle")
    write(os.path.join(pickle_repo, "config.json"), (json.dumps({"model_type": "bart", "d_model": 8}, indent=2) + "\n").encode())
    shared = torch.randn(10, 8)
    state = {
        "model.shared.weight": shared,
        "lm_head.weight": shared,  # tied, as BART checkpoints are
        "model.encoder.layernorm_embedding.weight": torch.ones(8),
        "model.encoder.layernorm_embedding.bias": torch.zeros(8),
    }
    torch.save(state, os.path.join(pickle_repo, "pytorch_model.bin"))

    registry = f'''# Registry for the model-store tests; written by scripts/make_hub_fixtures.py.
schema_version = 1

[[model]]
name = "tiny-embed"
task = "embed"
architecture = "bert"
repo = "newsframe-test/tiny-bert"
revision = "{COMMIT}"
license = "mit"
languages = ["en"]
max_input_tokens = 32
weights = [{spec("model.safetensors", bert)}]
files = [
  {spec("config.json", bert)},
  {spec("vocab.txt", bert)},
]

[[model]]
name = "tiny-unverified"
task = "embed"
architecture = "bert"
repo = "newsframe-test/tiny-bert"
revision = "{COMMIT}"
license = "mit"
languages = ["en"]
max_input_tokens = 32
weights = [{{ path = "model.safetensors", sha256 = "unverified" }}]
files = [
  {{ path = "config.json", sha256 = "unverified" }},
  {{ path = "vocab.txt", sha256 = "unverified" }},
]

[[model]]
name = "tiny-pickle"
task = "summarize"
architecture = "bart"
repo = "newsframe-test/tiny-pickle"
revision = "{COMMIT}"
license = "mit"
languages = ["en"]
max_input_tokens = 32
weights = [
  {{ path = "model.safetensors", sha256 = "unverified" }},
  {spec("pytorch_model.bin", pickle_repo)},
]
files = [{spec("config.json", pickle_repo)}]
generation = {{ num_beams = 2, min_length = 1, max_length = 8, no_repeat_ngram_size = 0, length_penalty = 1.0 }}
'''
    write(os.path.join(ROOT, "registry.toml"), registry.encode())
    print("wrote", ROOT)


if __name__ == "__main__":
    main()
