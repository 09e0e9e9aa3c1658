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

Memory: a zip-format checkpoint (torch >= 1.6) is memory-mapped and its tensors
are written one at a time straight from the mapping, so the peak resident size
stays near the file's size (a 2.3 GB mT5-base checkpoint: about 1.0x; see
docs/models.md) instead of the three copies torch.load + save_file hold. Legacy
(non-zip) pickles cannot be mapped and are loaded whole.

`newsframe models fetch` and `newsframe models import` run this with the
Python named by NEWSFRAME_PYTHON (default: the venv scripts/setup creates at
~/.cache/newsframe/torch-2.4.0-py311). Needs torch (>= 2.1, for mmap).
"""

import json
import os
import sys
import zipfile

# safetensors' dtype names.
DTYPES = {
    "float64": "F64", "float32": "F32", "float16": "F16", "bfloat16": "BF16",
    "int64": "I64", "int32": "I32", "int16": "I16", "int8": "I8", "uint8": "U8", "bool": "BOOL",
}


def write_safetensors(tensors, path, metadata):
    """Writes `tensors` (name -> tensor) as safetensors, one tensor at a time,
    without building the file in memory (safetensors.torch.save_file does)."""
    import torch

    names = sorted(tensors)
    header, offset = {}, 0
    for name in names:
        tensor = tensors[name]
        dtype = DTYPES.get(str(tensor.dtype).removeprefix("torch."))
        if dtype is None:
            raise ValueError(f"tensor {name} has dtype {tensor.dtype}, which safetensors cannot hold")
        size = tensor.numel() * tensor.element_size()
        header[name] = {"dtype": dtype, "shape": list(tensor.shape), "data_offsets": [offset, offset + size]}
        offset += size
    header["__metadata__"] = metadata
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)  # data starts 8-byte aligned, as safetensors writes
    with open(path, "wb") as out:
        out.write(len(encoded).to_bytes(8, "little"))
        out.write(encoded)
        for name in names:
            tensor = tensors[name].detach()
            if tensor.numel() == 0:
                continue
            # A contiguous tensor is written from its own memory (the mapping);
            # only a strided one is copied first, and only itself.
            flat = tensor.contiguous().reshape(-1).view(torch.uint8)
            out.write(memoryview(flat.numpy()))


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    source, target = argv[1], argv[2]
    import pickle

    import torch

    try:
        # Zip-format checkpoints are mapped, not read: tensors stay on disk
        # until written out.
        mmap = zipfile.is_zipfile(source)
        state = torch.load(source, map_location="cpu", weights_only=True, mmap=mmap)
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
    tmp = target + ".tmp"
    try:
        write_safetensors(state, tmp, metadata={"format": "pt"})
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    print(f"wrote {len(state)} tensors to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
