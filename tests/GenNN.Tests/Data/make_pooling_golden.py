#!/usr/bin/env python3
"""Writes golden pooling results with PyTorch, for gen-nn's PoolingGoldenTests.

Run from this folder with a Python that has torch (Debian: `apt-get install python3-torch`, then
`/usr/bin/python3 make_pooling_golden.py`). Output, committed next to this script:

  pooling_golden.json   for each case: the kind, gen-nn's window geometry (channels-last), a batch of 13 inputs, the
                        upstream gradient, and PyTorch's outputs and input gradients, all in gen-nn's NHWC order

Each case runs torch.nn.functional's max_pool2d / avg_pool2d / adaptive_avg_pool2d (1-D cases as 2-D with a height of
1) on the NCHW permutation of the inputs, with autograd for the gradient of sum(upstream * output). Padded cases use
symmetric padding (Keras' Same where the total is even), which torch expresses directly: -inf for max, and
count_include_pad=False for average, gen-nn's rule of dividing by the cells inside the input.
"""
import json

import torch
import torch.nn.functional as F

SEED = 20261129
BATCH = 13

# name, kind, (h, w, c), pool (ph, pw), stride (sh, sw), padding (top, left)
CASES = [
    ("max 5x7x3 pool 2", "max", (5, 7, 3), (2, 2), (2, 2), (0, 0)),
    ("max 6x5x9 pool 3 stride 2", "max", (6, 5, 9), (3, 3), (2, 2), (0, 0)),
    ("max 5x5x2 pool 3 stride 1 same", "max", (5, 5, 2), (3, 3), (1, 1), (1, 1)),
    ("average 6x6x4 pool 2", "average", (6, 6, 4), (2, 2), (2, 2), (0, 0)),
    ("average 7x5x3 pool 3 stride 1 same", "average", (7, 5, 3), (3, 3), (1, 1), (1, 1)),
    ("average 5x6x2 pool 3 stride 2", "average", (5, 6, 2), (3, 3), (2, 2), (0, 0)),
    ("global average 4x3x5", "average", (4, 3, 5), (4, 3), (1, 1), (0, 0)),
    ("max 1-D 9x3 pool 3 stride 2", "max", (1, 9, 3), (1, 3), (1, 2), (0, 0)),
    ("average 1-D 10x2 pool 2", "average", (1, 10, 2), (1, 2), (1, 2), (0, 0)),
]


def nhwc(t):
    """The tensor in gen-nn's NHWC order, each float32 written with the 9 digits that round-trip it."""
    return [float("%.9g" % v) for v in t.permute(0, 2, 3, 1).contiguous().reshape(-1).tolist()]


def main():
    generator = torch.Generator().manual_seed(SEED)
    cases = []
    for name, kind, (h, w, c), pool, stride, padding in CASES:
        x = (torch.rand(BATCH, c, h, w, generator=generator, dtype=torch.float32) * 4 - 2).requires_grad_(True)
        if kind == "max":
            y = F.max_pool2d(x, pool, stride, padding)
        else:
            y = F.avg_pool2d(x, pool, stride, padding, count_include_pad=False)
        upstream = torch.rand(y.shape, generator=generator, dtype=torch.float32) * 2 - 1
        (y * upstream).sum().backward()
        oh, ow = y.shape[2], y.shape[3]
        cases.append({
            "name": name,
            "kind": kind,
            "geometry": [h, w, c, pool[0], pool[1], stride[0], stride[1], padding[0], padding[1], oh, ow],
            "inputs": nhwc(x.detach()),
            "upstream": nhwc(upstream),
            "outputs": nhwc(y.detach()),
            "input_gradients": nhwc(x.grad),
        })
    with open("pooling_golden.json", "w") as f:
        json.dump({"torch": torch.__version__, "batch": BATCH, "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
