#!/usr/bin/env python3
"""Writes golden optimizer trajectories with PyTorch, for gen-nn's optimizer tests (OptimizerGoldenTests).

Run from this folder with a Python that has torch (Debian: `apt-get install python3-torch`, then
`/usr/bin/python3 make_optimizer_golden.py`). Output, committed next to this script:

  optimizer_golden.json   for each case: the optimizer and its options (named as gen-nn's constructor parameters),
                          the initial parameters, the gradient of every step, and the parameters after every step

Each case runs torch.optim.<Optimizer> on one float32 tensor of 37 parameters (not a multiple of 4, 8 or 16, so
every vector width and the scalar remainder are exercised) for 8 steps, setting `p.grad` to fixed random gradients
whose scale alternates between 2 and 1e-3 so that epsilon and the bias corrections matter. Cases with `clip_value`
or `clip_norm` call torch.nn.utils.clip_grad_value_ / clip_grad_norm_ on the gradient before the step.

NAdam: PyTorch before 2.0 computes the momentum term's denominator as 1 - mu_product * mu * mu_next, counting mu_t
twice (fixed in pytorch/pytorch#92699). gen-nn follows the fixed rule. With torch >= 2 the case comes from
torch.optim.NAdam itself; with an older torch (Debian 12 ships 1.13) it comes from `nadam_reference`, a line-by-line
transcription of torch 2's _single_tensor_nadam, which is first checked against the installed torch.optim.NAdam
with the old denominator.
"""
import json
import sys

import torch

SIZE = 37
STEPS = 8
SEED = 20240607


def torch_major():
    return int(torch.__version__.split(".")[0])


def gradients(generator):
    out = []
    for t in range(1, STEPS + 1):
        scale = 1e-3 if t % 3 == 0 else 2.0
        out.append((torch.rand(SIZE, generator=generator, dtype=torch.float32) * 2 - 1) * scale)
    return out


def floats(tensor):
    # float32 -> Python float is exact, and json writes the shortest repr that round-trips.
    return [float(x) for x in tensor.tolist()]


def nadam_reference(param, grads, lr, betas, eps, momentum_decay, fixed, clip=None):
    """torch 2's _single_tensor_nadam (fixed=True) or torch 1.13's (fixed=False), in the same float32 tensor ops."""
    beta1, beta2 = betas
    exp_avg = torch.zeros_like(param)
    exp_avg_sq = torch.zeros_like(param)
    mu_product = torch.tensor(1.0)
    trajectory = []
    for step, grad in enumerate(grads, start=1):
        bias_correction2 = 1 - beta2 ** step
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        mu_product *= mu
        exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = exp_avg_sq.div(bias_correction2).sqrt().add_(eps)
        mu_product_next = mu_product * mu_next if fixed else mu_product * mu * mu_next
        param.addcdiv_(grad, denom, value=-lr * (1.0 - mu) / (1.0 - mu_product.item()))
        param.addcdiv_(exp_avg, denom, value=-lr * mu_next / (1.0 - mu_product_next.item()))
        trajectory.append(param.clone())
    return trajectory


def run_torch(factory, initial, grads, clip_value=None, clip_norm=None):
    param = torch.nn.Parameter(initial.clone())
    optimizer = factory([param])
    trajectory = []
    for grad in grads:
        param.grad = grad.clone()
        if clip_value is not None:
            torch.nn.utils.clip_grad_value_([param], clip_value)
        if clip_norm is not None:
            torch.nn.utils.clip_grad_norm_([param], clip_norm)
        optimizer.step()
        trajectory.append(param.detach().clone())
    return trajectory


def main():
    torch.set_num_threads(1)
    generator = torch.Generator().manual_seed(SEED)
    O = torch.optim
    # (name, gen-nn optimizer, gen-nn options, torch factory)
    cases = [
        ("sgd_weight_decay", "Sgd", {"learningRate": 0.05, "weightDecay": 0.1},
         lambda p: O.SGD(p, lr=0.05, weight_decay=0.1)),
        ("sgd_momentum_weight_decay", "Sgd", {"learningRate": 0.05, "momentum": 0.9, "weightDecay": 0.01},
         lambda p: O.SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01)),
        ("sgd_nesterov_weight_decay", "Sgd", {"learningRate": 0.05, "momentum": 0.9, "nesterov": True, "weightDecay": 0.01},
         lambda p: O.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
        ("adam", "Adam", {"learningRate": 0.01, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6},
         lambda p: O.Adam(p, lr=0.01, betas=(0.8, 0.99), eps=1e-6)),
        ("adamw_default", "AdamW", {},
         lambda p: O.AdamW(p)),
        ("adamw", "AdamW", {"learningRate": 0.01, "weightDecay": 0.1, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6},
         lambda p: O.AdamW(p, lr=0.01, weight_decay=0.1, betas=(0.8, 0.99), eps=1e-6)),
        ("rmsprop_default", "RmsProp", {},
         lambda p: O.RMSprop(p)),
        ("rmsprop_momentum", "RmsProp", {"learningRate": 0.01, "alpha": 0.9, "epsilon": 1e-6, "momentum": 0.9},
         lambda p: O.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-6, momentum=0.9)),
        ("rmsprop_centered", "RmsProp", {"learningRate": 0.01, "alpha": 0.9, "epsilon": 1e-6, "centered": True},
         lambda p: O.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-6, centered=True)),
        ("rmsprop_centered_momentum", "RmsProp", {"learningRate": 0.005, "alpha": 0.95, "momentum": 0.5, "centered": True},
         lambda p: O.RMSprop(p, lr=0.005, alpha=0.95, momentum=0.5, centered=True)),
        ("adagrad_default", "Adagrad", {},
         lambda p: O.Adagrad(p)),
        ("adagrad", "Adagrad", {"learningRate": 0.1, "learningRateDecay": 0.05, "initialAccumulatorValue": 0.1, "epsilon": 1e-6},
         lambda p: O.Adagrad(p, lr=0.1, lr_decay=0.05, initial_accumulator_value=0.1, eps=1e-6)),
        ("nadam_default", "Nadam", {}, None),
        ("nadam", "Nadam", {"learningRate": 0.01, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6, "momentumDecay": 0.01}, None),
        ("adam_clip_norm", "Adam", {"learningRate": 0.01, "clipNorm": 0.5},
         lambda p: O.Adam(p, lr=0.01)),
        ("sgd_momentum_clip_value", "Sgd", {"learningRate": 0.05, "momentum": 0.9, "clipValue": 0.3},
         lambda p: O.SGD(p, lr=0.05, momentum=0.9)),
        ("rmsprop_clip_value_and_norm", "RmsProp", {"learningRate": 0.01, "clipValue": 1.5, "clipNorm": 2.0},
         lambda p: O.RMSprop(p, lr=0.01)),
    ]
    nadam_options = {"nadam_default": (2e-3, (0.9, 0.999), 1e-8, 4e-3), "nadam": (0.01, (0.8, 0.99), 1e-6, 0.01)}

    out = []
    for name, optimizer, options, factory in cases:
        initial = torch.rand(SIZE, generator=generator, dtype=torch.float32) * 2 - 1
        grads = gradients(generator)
        if factory is None:
            lr, betas, eps, decay = nadam_options[name]
            make = lambda p: O.NAdam(p, lr=lr, betas=betas, eps=eps, momentum_decay=decay)
            if torch_major() >= 2:
                trajectory = run_torch(make, initial, grads)
                source = "torch.optim.NAdam"
            else:
                installed = run_torch(make, initial, grads)
                old = nadam_reference(initial.clone(), grads, lr, betas, eps, decay, fixed=False)
                for a, b in zip(installed, old):
                    assert torch.allclose(a, b, rtol=1e-6, atol=1e-7), "the transcription does not match torch.optim.NAdam"
                trajectory = nadam_reference(initial.clone(), grads, lr, betas, eps, decay, fixed=True)
                source = "nadam_reference (torch 2's rule; checked against torch %s's NAdam with its old denominator)" % torch.__version__
        else:
            trajectory = run_torch(factory, initial, grads, options.get("clipValue"), options.get("clipNorm"))
            source = "torch.optim"
        out.append({
            "name": name,
            "optimizer": optimizer,
            "options": options,
            "source": source,
            "initial": floats(initial),
            "gradients": [floats(g) for g in grads],
            "parameters": [floats(p) for p in trajectory],
        })

    with open("optimizer_golden.json", "w") as f:
        # One case per line: small diffs when a case changes, and a file a person can still read.
        f.write('{"torch": %s, "size": %d, "steps": %d, "cases": [\n' % (json.dumps(torch.__version__), SIZE, STEPS))
        f.write(",\n".join(json.dumps(case) for case in out))
        f.write("\n]}\n")
    print("wrote optimizer_golden.json: %d cases, torch %s" % (len(out), torch.__version__), file=sys.stderr)


if __name__ == "__main__":
    main()
