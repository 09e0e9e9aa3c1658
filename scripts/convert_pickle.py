#!/usr/bin/env python3
"""Convert a pickled PyTorch checkpoint (pytorch_model.bin) to model.safetensors.

Usage: convert_pickle.py INPUT.bin OUTPUT.safetensors

The pickle is read with torch.load(..., weights_only=True): PyTorch's
restricted unpickler accepts tensors and plain containers only, so a pickle
whose objects would run code on load (a __reduce__ calling os.system, say) is
refused before anything runs. Exit status 3 means such a refusal.

Tensors that share storage (tied embeddings) are written as separate copies,
so every name the checkpoint had is present in the output. The output is
written to OUTPUT.tmp and renamed, so a failure leaves nothing behind.

`newsframe models fetch` and `newsframe models import` run this with the
Python named by NEWSFRAME_PYTHON (default: the venv scripts/setup creates at
~/.cache/newsframe/torch-2.4.0-py311). Needs torch and safetensors.
"""

import os
import sys


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    source, target = argv[1], argv[2]
    import pickle

    import torch
    from safetensors.torch import save_file

    try:
        state = torch.load(source, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else "refused"
        print(f"{source}: refused: the pickle holds more than tensors ({first_line})", file=sys.stderr)
        return 3
    except Exception as error:  # noqa: BLE001 - report any load failure plainly
        print(f"{source}: cannot read: {error}", file=sys.stderr)
        return 1
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()
    ):
        print(f"{source}: not a state dict of named tensors", file=sys.stderr)
        return 1
    tensors = {name: tensor.detach().contiguous().clone() for name, tensor in state.items()}
    tmp = target + ".tmp"
    try:
        save_file(tensors, tmp, metadata={"format": "pt"})
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    print(f"wrote {len(tensors)} tensors to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
