#!/usr/bin/env python3
"""Writes golden safetensors files with PyTorch, for gen-nn's loader tests.

Run from this folder with a Python that has torch (Debian: `apt-get install python3-torch`,
then `/usr/bin/python3 make_torch_safetensors.py`). Outputs, committed next to this script:

  torch_mlp.safetensors              save_file(model.state_dict(), path): no __metadata__
  torch_mlp_pt_metadata.safetensors  the same with metadata {"format": "pt"}, as transformers' save_pretrained writes
  torch_mlp.json                     the topology, every tensor's values ([out, in] nested lists) and a few
                                     inputs with PyTorch's outputs, for peer-agreement tests

The network is Input(4) -> Dense(5, ReLU) -> Dense(3, Softmax): a `layers` ModuleList of nn.Linear, so the
state_dict names are layers.0.weight, layers.0.bias, layers.1.weight, layers.1.bias.

The files are written by the `safetensors` package when it is importable. Debian 12 does not package it (and
PyPI is out of reach here), so otherwise `_serialize` below reproduces the byte format of the reference Rust
serializer (safetensors/src/tensor.rs, `prepare` + `serialize`): tensors sorted by descending dtype then by name,
laid out back to back (so I64 tensors, such as BatchNorm's 0-dim num_batches_tracked, come before the F32 ones);
the header is compact JSON (serde_json: no spaces), `__metadata__` first when given, then the tensors in data
order; the header is padded with spaces to a multiple of 8 bytes; an 8-byte little-endian header length comes
first. F32 and I64 are written little-endian. The "writer" field of the JSON says which one produced the files.
"""
import json
import struct
import sys

import torch
from torch import nn

SEED = 1234
TOPOLOGY = "Input(4) -> Dense(5, ReLU) -> Dense(3, Softmax)"


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(4, 5), nn.Linear(5, 3)])

    def forward(self, x):
        x = torch.relu(self.layers[0](x))
        return torch.softmax(self.layers[1](x), dim=-1)


# Dtype names in the order of the Rust enum (increasing alignment); the serializer sorts by it, descending.
_DTYPE_ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"]
_DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.int64: "I64"}
# The little-endian numpy type each one is written as.
_NUMPY = {torch.float32: "<f4", torch.float64: "<f8", torch.float16: "<f2", torch.int64: "<i8"}


def _serialize(tensors, metadata=None):
    items = sorted(tensors.items(), key=lambda kv: (-_DTYPE_ORDER.index(_DTYPES[kv[1].dtype]), kv[0]))
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name, tensor in items:
        # A 0-dim tensor (BatchNorm's num_batches_tracked) has shape [] and one element's bytes.
        blob = tensor.detach().contiguous().cpu().numpy().astype(_NUMPY[tensor.dtype]).tobytes()
        header[name] = {"dtype": _DTYPES[tensor.dtype], "shape": list(tensor.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def save(tensors, path, metadata=None):
    try:
        from safetensors.torch import save_file
    except ImportError:
        with open(path, "wb") as f:
            f.write(_serialize(tensors, metadata))
        return "emulated safetensors serializer (make_torch_safetensors.py), torch " + torch.__version__
    save_file(tensors, path, metadata=metadata)
    import safetensors
    return "safetensors " + safetensors.__version__ + ", torch " + torch.__version__


def main():
    torch.manual_seed(SEED)
    model = Mlp()
    inputs = torch.randn(3, 4)
    with torch.no_grad():
        outputs = model(inputs)
    state = model.state_dict()

    writer = save(state, "torch_mlp.safetensors")
    save(state, "torch_mlp_pt_metadata.safetensors", metadata={"format": "pt"})

    golden = {
        "writer": writer,
        "seed": SEED,
        "topology": TOPOLOGY,
        "loss": "SoftmaxCrossEntropy",
        "tensors": {name: {"shape": list(t.shape), "values": t.tolist()} for name, t in state.items()},
        "inputs": inputs.tolist(),
        "outputs": outputs.tolist(),
    }
    with open("torch_mlp.json", "w", encoding="utf-8") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    print("wrote torch_mlp*.safetensors and torch_mlp.json with", writer, file=sys.stderr)


if __name__ == "__main__":
    main()
