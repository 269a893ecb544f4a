#!/usr/bin/env python3
"""Writes golden convolutional-network results with PyTorch, for gen-nn's ConvGoldenTests.

Run from this folder with a Python that has torch (Debian: `apt-get install python3-torch`, then
`/usr/bin/python3 make_conv_golden.py`). Outputs, committed next to this script, for each network NAME below:

  conv_NAME.safetensors            the torch state_dict gen-nn loads (layers.i.weight [out, in, kh, kw], layers.i.bias)
  conv_NAME_gradients.safetensors  the gradients of the batch's mean loss, under the same names and shapes
  conv_NAME_gradients1.safetensors the gradients of the first sample's loss alone (a batch of 1)
  conv_NAME_sgd.safetensors        the parameters after one torch.optim.SGD step (lr 0.1) on those gradients
  conv_NAME_adam.safetensors       the parameters after one torch.optim.Adam step (lr 0.01) on those gradients
  conv_golden.json                 per network: the batch of 13 inputs (gen-nn's channels-last order), the targets,
                                   torch's outputs (after the output activation) and its mean loss

The torch modules mirror the gen-nn classes of ConvGoldenTests.cs, layer for layer. They run NCHW (NCL for 1-D):
the inputs are permuted from channels-last on the way in, and back before a Flatten, so that the Dense layer after it
sees gen-nn's (height, width, channels) order. Same padding is Keras': the odd cell of an odd total goes after the
input, which torch expresses with F.pad before an unpadded convolution.
"""
import json

import torch
import torch.nn.functional as F
from torch import nn

from make_torch_safetensors import save

SEED = 20261129
BATCH = 13


def same_padding(n, kernel, stride):
    """Keras' Same padding of one dimension: (before, after)."""
    out = (n + stride - 1) // stride
    total = max((out - 1) * stride + kernel - n, 0)
    return total // 2, total - total // 2


class Conv(nn.Module):
    """A convolution with gen-nn's options: Valid or Same padding (Keras' split), then an activation."""

    def __init__(self, dims, cin, filters, kernel, stride, same, activation, spatial):
        super().__init__()
        self.conv = (nn.Conv2d if dims == 2 else nn.Conv1d)(cin, filters, kernel, stride)
        self.activation = activation
        pads = [same_padding(n, kernel, stride) if same else (0, 0) for n in spatial]
        # F.pad lists the last dimension first.
        self.pad = [p for before_after in reversed(pads) for p in before_after]

    def forward(self, x):
        if any(self.pad):
            x = F.pad(x, self.pad)
        return self.activation(self.conv(x))


def channels_last(x):
    return x.permute(0, 2, 3, 1) if x.dim() == 4 else x.permute(0, 2, 1)


def channels_first(x):
    return x.permute(0, 3, 1, 2) if x.dim() == 4 else x.permute(0, 2, 1)


class GoldenConvA(nn.Module):
    """[Input(9, 7, 3)] Conv2D(5, 3, ReLU, Stride 2, Same), Conv2D(6, 3, Tanh, Same), MaxPool2D(2), Flatten, Dense(4, Softmax)."""

    loss = "SoftmaxCrossEntropy"
    input_shape = (9, 7, 3)

    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([
            Conv(2, 3, 5, 3, 2, True, torch.relu, (9, 7)),
            Conv(2, 5, 6, 3, 1, True, torch.tanh, (5, 4)),
            nn.Identity(), nn.Identity(),
            nn.Linear(24, 4),
        ])

    def forward(self, x):
        x = self.layers[1](self.layers[0](channels_first(x)))
        x = F.max_pool2d(x, 2)
        return self.layers[4](channels_last(x).flatten(1))  # logits


class GoldenConvB(nn.Module):
    """[Input(8, 8, 2)] Conv2D(17, 3, ReLU), MaxPool2D(2), Conv2D(9, 2, Sigmoid, Same), Flatten, Dense(3, Softmax)."""

    loss = "SoftmaxCrossEntropy"
    input_shape = (8, 8, 2)

    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([
            Conv(2, 2, 17, 3, 1, False, torch.relu, (8, 8)),
            nn.Identity(),
            Conv(2, 17, 9, 2, 1, True, torch.sigmoid, (3, 3)),
            nn.Identity(),
            nn.Linear(81, 3),
        ])

    def forward(self, x):
        x = F.max_pool2d(self.layers[0](channels_first(x)), 2)
        x = self.layers[2](x)
        return self.layers[4](channels_last(x).flatten(1))


class GoldenConv1D(nn.Module):
    """[Input(11, 2)] Conv1D(5, 3, ReLU), Conv1D(3, 4, LeakyReLU, Stride 2, Same), GlobalAvgPool1D, Dense(2); MSE."""

    loss = "MeanSquaredError"
    input_shape = (11, 2)

    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([
            Conv(1, 2, 5, 3, 1, False, torch.relu, (11,)),
            Conv(1, 5, 3, 4, 2, True, lambda x: F.leaky_relu(x, 0.01), (9,)),
            nn.Identity(),
            nn.Linear(3, 2),
        ])

    def forward(self, x):
        x = self.layers[1](self.layers[0](channels_first(x)))
        return self.layers[3](x.mean(dim=2))


def state(model):
    """The state_dict under gen-nn's names: layers.i.weight and layers.i.bias (the Conv wrapper's inner conv unwrapped)."""
    result = {}
    for name, tensor in model.state_dict().items():
        result[name.replace(".conv.", ".")] = tensor.detach().clone()
    return result


def flat(t):
    return [float("%.9g" % v) for v in t.reshape(-1).tolist()]


def main():
    torch.manual_seed(SEED)
    golden = {"seed": SEED, "cases": []}
    for cls in (GoldenConvA, GoldenConvB, GoldenConv1D):
        name = cls.__name__
        model = cls()
        # Biases away from zero, so that a bias bug cannot hide behind them.
        with torch.no_grad():
            for p in model.parameters():
                if p.dim() == 1:
                    p.uniform_(-0.3, 0.3)
        writer = save(state(model), "conv_%s.safetensors" % name)

        x = torch.rand(BATCH, *cls.input_shape) * 4 - 2
        logits = model(x)
        if cls.loss == "SoftmaxCrossEntropy":
            targets = torch.randint(0, logits.shape[1], (BATCH,))
            loss = F.cross_entropy(logits, targets)
            outputs = torch.softmax(logits, dim=1)
            target_values = targets.float()
        else:
            target_values = torch.rand(BATCH, logits.shape[1]) * 2 - 1
            loss = F.mse_loss(logits, target_values)
            outputs = logits
        model.zero_grad()
        loss.backward()
        gradients = {n.replace(".conv.", "."): p.grad.detach().clone() for n, p in model.named_parameters()}
        save(gradients, "conv_%s_gradients.safetensors" % name)
        batch_gradients = [p.grad.clone() for p in model.parameters()]

        one = model(x[:1])
        loss_one = F.cross_entropy(one, targets[:1]) if cls.loss == "SoftmaxCrossEntropy" else F.mse_loss(one, target_values[:1])
        model.zero_grad()
        loss_one.backward()
        save({n.replace(".conv.", "."): p.grad.detach().clone() for n, p in model.named_parameters()}, "conv_%s_gradients1.safetensors" % name)
        for p, g in zip(model.parameters(), batch_gradients):
            p.grad = g

        for optimizer_name, make in (("sgd", lambda ps: torch.optim.SGD(ps, lr=0.1)), ("adam", lambda ps: torch.optim.Adam(ps, lr=0.01))):
            stepped = cls()
            stepped.load_state_dict(model.state_dict())
            for p, q in zip(stepped.parameters(), model.parameters()):
                p.grad = q.grad.clone()
            make(stepped.parameters()).step()
            save(state(stepped), "conv_%s_%s.safetensors" % (name, optimizer_name))

        golden["cases"].append({
            "name": name,
            "loss": cls.loss,
            "inputs": flat(x),
            "targets": flat(target_values),
            "outputs": flat(outputs.detach()),
            "mean_loss": float("%.9g" % loss.item()),
        })
        golden["writer"] = writer

    with open("conv_golden.json", "w", encoding="utf-8") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
