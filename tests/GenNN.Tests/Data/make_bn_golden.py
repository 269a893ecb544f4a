#!/usr/bin/env python3
"""Writes golden batch-normalisation results with PyTorch, for gen-nn's [BatchNorm] golden tests.

Run from this folder with a Python that has torch (Debian: `apt-get install python3-torch`, then
`/usr/bin/python3 make_bn_golden.py`). Outputs, committed next to this script, for each network NAME below:

  bn_NAME.safetensors             the starting torch state_dict gen-nn loads: layers.i.weight [out, in, (kh, kw)] and
                                  layers.i.bias of the convolutions and Dense layers; layers.i.weight, .bias,
                                  .running_mean, .running_var (F32 [channels]) and .num_batches_tracked (I64, shape [],
                                  7) of the BatchNorm layers. Every bias, BatchNorm scale and running statistic is set
                                  away from its default, so that inference mode really uses the running statistics
  bn_NAME_gradients.safetensors   after one model.train() forward of the batch of 13 and backward of its mean loss:
                                  every parameter's gradient under the parameter's name, and the BatchNorm buffers as
                                  that forward left them (running statistics updated once, num_batches_tracked 8), so
                                  the file loads as the network
  bn_NAME_gradients2.safetensors  the same from the starting state for a batch of the first 2 samples only (torch's
                                  BatchNorm1d rejects a training batch of 1)
  bn_NAME_sgd.safetensors         the whole state_dict after, from the starting state, one train-mode forward/backward
                                  of the 13 and one torch.optim.SGD step (lr 0.1): parameters stepped, buffers as after
                                  the one forward
  bn_NAME_adam.safetensors        the same with one torch.optim.Adam step (lr 0.01)
  bn_golden.json                  {"seed", "writer", "cases": [per network: "name", "loss", "inputs" (the 13 samples,
                                  gen-nn's channels-last order, flat), "targets", "eval_outputs" (model.eval() outputs
                                  of the 13 from the starting state), "train_outputs" (model.train() outputs of the
                                  forward the gradients come from), both after the output activation (softmax for
                                  SoftmaxCrossEntropy, none for MeanSquaredError), "mean_loss" (train mode, batch 13)
                                  and "mean_loss2" (train mode, batch 2)]}

BatchNorm is PyTorch's: momentum 0.1 (the new batch's weight in the running statistics), eps 1e-5; training mode
normalises with the batch's biased variance and folds the unbiased one into running_var; eval mode uses running_mean
and running_var. The channels are gen-nn's last dimension: after a Conv2D that is BatchNorm2d over NCHW, after a
Dense layer BatchNorm1d over (N, C), on a 1-D sequence (the input, a Conv1D) BatchNorm1d over (N, C, L).
`[BatchNorm(activation)]` is the normalisation followed by the activation.

The conventions are make_conv_golden.py's: the torch modules mirror the gen-nn classes layer for layer (layer i is
layers.i; Flatten and the pools take an index but hold no tensors); they run NCHW (NCL for 1-D), the inputs being
permuted from channels-last on the way in and back before a Flatten; Same padding is Keras' (F.pad, odd cell after).
Each computation starts from a fresh model loaded with the starting state_dict, so none leaks into another.
"""
import json

import torch
import torch.nn.functional as F
from torch import nn

from make_conv_golden import Conv, channels_first, channels_last, flat
from make_torch_safetensors import save

SEED = 20261130
BATCH = 13
BATCH2 = 2
NUM_BATCHES_TRACKED = 7


class BatchNorm(nn.Module):
    """gen-nn's [BatchNorm(activation)]: torch's BatchNorm over dimension 1 (channels), then the activation."""

    def __init__(self, dims, channels, activation=None):
        super().__init__()
        self.bn = (nn.BatchNorm2d if dims == 2 else nn.BatchNorm1d)(channels, eps=1e-5, momentum=0.1)
        self.activation = activation

    def forward(self, x):
        x = self.bn(x)
        return x if self.activation is None else self.activation(x)


class GoldenBnA(nn.Module):
    """[Input(9, 7, 3)] Conv2D(10, 3, Linear, Same), BatchNorm(ReLU), MaxPool2D(2), Flatten, Dense(11, Linear),
    BatchNorm(Tanh), Dense(4, Softmax); SoftmaxCrossEntropy."""

    loss = "SoftmaxCrossEntropy"
    input_shape = (9, 7, 3)
    outputs = 4

    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([
            Conv(2, 3, 10, 3, 1, True, lambda x: x, (9, 7)),
            BatchNorm(2, 10, torch.relu),
            nn.Identity(), nn.Identity(),
            nn.Linear(120, 11),
            BatchNorm(1, 11, torch.tanh),
            nn.Linear(11, 4),
        ])

    def forward(self, x):
        x = self.layers[1](self.layers[0](channels_first(x)))
        x = F.max_pool2d(x, 2)  # (9, 7) -> (4, 3)
        x = self.layers[5](self.layers[4](channels_last(x).flatten(1)))
        return self.layers[6](x)  # logits


class GoldenBn1D(nn.Module):
    """[Input(12, 5)] BatchNorm(), Conv1D(7, 3, Linear, Stride 2, Same), BatchNorm(LeakyReLU), GlobalAvgPool1D,
    Dense(3, Linear); MeanSquaredError."""

    loss = "MeanSquaredError"
    input_shape = (12, 5)
    outputs = 3

    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([
            BatchNorm(1, 5),
            Conv(1, 5, 7, 3, 2, True, lambda x: x, (12,)),  # (12, 5) -> (6, 7)
            BatchNorm(1, 7, lambda x: F.leaky_relu(x, 0.01)),
            nn.Identity(),
            nn.Linear(7, 3),
        ])

    def forward(self, x):
        x = self.layers[2](self.layers[1](self.layers[0](channels_first(x))))
        return self.layers[4](x.mean(dim=2))


def rename(name):
    """gen-nn's name of a torch state_dict / parameter name: the wrappers' inner conv and bn unwrapped."""
    return name.replace(".conv.", ".").replace(".bn.", ".")


def state(model):
    return {rename(n): t.detach().clone() for n, t in model.state_dict().items()}


def buffers(model):
    return {rename(n): t.detach().clone() for n, t in model.named_buffers()}


def gradients(model):
    return {rename(n): p.grad.detach().clone() for n, p in model.named_parameters()}


def fresh(cls, start):
    model = cls()
    model.load_state_dict(start)
    return model


def loss_and_outputs(cls, logits, targets):
    """The mean loss and the outputs after the output activation."""
    if cls.loss == "SoftmaxCrossEntropy":
        return F.cross_entropy(logits, targets.long()), torch.softmax(logits, dim=1)
    return F.mse_loss(logits, targets), logits


def train_step(cls, start, x, targets):
    """From the starting state: one model.train() forward of x and backward of its mean loss."""
    model = fresh(cls, start)
    model.train()
    model.zero_grad()
    loss, outputs = loss_and_outputs(cls, model(x), targets)
    loss.backward()
    return model, loss, outputs


def starting_model(cls):
    model = cls()
    with torch.no_grad():
        for name, module in model.named_modules():
            if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.3, 0.3)
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 2.0)
                module.num_batches_tracked.fill_(NUM_BATCHES_TRACKED)
            elif isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Linear)):
                # Biases away from zero, so that a bias bug cannot hide behind them.
                module.bias.uniform_(-0.3, 0.3)
    return model


def check(cls, start, x, targets):
    """Prints the checks of the BatchNorm semantics on GoldenBnA's layer 1 (BatchNorm2d(10), then ReLU)."""
    eps, momentum = 1e-5, 0.1
    w, b = start["layers.1.bn.weight"], start["layers.1.bn.bias"]
    mean, var = start["layers.1.bn.running_mean"], start["layers.1.bn.running_var"]
    shape = (1, -1, 1, 1)

    model = fresh(cls, start)
    model.eval()
    with torch.no_grad():
        conv = model.layers[0](channels_first(x))
        torch_out = model.layers[1](conv)
        manual = torch.relu((conv - mean.view(shape)) / torch.sqrt(var.view(shape) + eps) * w.view(shape) + b.view(shape))
    print("GoldenBnA layer 1 eval: max |torch - manual (x - running_mean)/sqrt(running_var + eps)*w + b, relu| = %.3g"
          % (torch_out - manual).abs().max().item())

    model, _, _ = train_step(cls, start, x, targets)
    with torch.no_grad():
        conv = fresh(cls, start).layers[0](channels_first(x))  # layer 0 is a convolution: the same in both modes
        n = conv.numel() // conv.shape[1]
        batch_mean = conv.mean(dim=(0, 2, 3))
        biased = ((conv - batch_mean.view(shape)) ** 2).mean(dim=(0, 2, 3))
        unbiased = biased * n / (n - 1)
        expected_var = (1 - momentum) * var + momentum * unbiased
        expected_mean = (1 - momentum) * mean + momentum * batch_mean
        new_var = model.layers[1].bn.running_var
        new_mean = model.layers[1].bn.running_mean
    print("GoldenBnA layer 1 train: running_var[0] = %.9g; (1-m)*rv + m*unbiased = %.9g (with biased: %.9g); n = %d"
          % (new_var[0].item(), expected_var[0].item(), ((1 - momentum) * var + momentum * biased)[0].item(), n))
    print("  max |running_var - unbiased formula| = %.3g, max |running_mean - formula| = %.3g, num_batches_tracked = %d"
          % ((new_var - expected_var).abs().max().item(), (new_mean - expected_mean).abs().max().item(),
             model.layers[1].bn.num_batches_tracked.item()))


def main():
    torch.manual_seed(SEED)
    golden = {"seed": SEED, "writer": None, "cases": []}
    for cls in (GoldenBnA, GoldenBn1D):
        name = cls.__name__
        model = starting_model(cls)
        golden["writer"] = save(state(model), "bn_%s.safetensors" % name)
        # Under the torch modules' own names (with .conv. and .bn.), for load_state_dict.
        start = {n: t.detach().clone() for n, t in model.state_dict().items()}

        x = torch.rand(BATCH, *cls.input_shape) * 4 - 2
        if cls.loss == "SoftmaxCrossEntropy":
            targets = torch.randint(0, cls.outputs, (BATCH,)).float()
        else:
            targets = torch.rand(BATCH, cls.outputs) * 2 - 1

        # Inference mode from the starting state.
        model = fresh(cls, start)
        model.eval()
        with torch.no_grad():
            _, eval_outputs = loss_and_outputs(cls, model(x), targets)

        # Training mode, batch 13: gradients and the running statistics as the forward left them.
        model, loss, train_outputs = train_step(cls, start, x, targets)
        save({**gradients(model), **buffers(model)}, "bn_%s_gradients.safetensors" % name)

        # Training mode, batch 2.
        model2, loss2, _ = train_step(cls, start, x[:BATCH2], targets[:BATCH2])
        save({**gradients(model2), **buffers(model2)}, "bn_%s_gradients2.safetensors" % name)

        for optimizer_name, make in (("sgd", lambda ps: torch.optim.SGD(ps, lr=0.1)), ("adam", lambda ps: torch.optim.Adam(ps, lr=0.01))):
            stepped, _, _ = train_step(cls, start, x, targets)
            make(stepped.parameters()).step()
            save(state(stepped), "bn_%s_%s.safetensors" % (name, optimizer_name))

        if cls is GoldenBnA:
            check(cls, start, x, targets)

        golden["cases"].append({
            "name": name,
            "loss": cls.loss,
            "inputs": flat(x),
            "targets": flat(targets),
            "eval_outputs": flat(eval_outputs.detach()),
            "train_outputs": flat(train_outputs.detach()),
            "mean_loss": float("%.9g" % loss.item()),
            "mean_loss2": float("%.9g" % loss2.item()),
        })

    with open("bn_golden.json", "w", encoding="utf-8") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
