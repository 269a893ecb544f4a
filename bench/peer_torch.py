#!/usr/bin/python3
"""The PyTorch side of bench/compare.sh: the same cases as bench/GenNN.Compare on the same Fashion-MNIST files.

One run measures every case once and prints one JSON object per line, like the gen-nn harness:
    {"runner": "torch", "case": "mlp64_predict", "value": 14.2, "unit": "us/call"}
Single-sample and batch cases time eager mode under torch.no_grad() and TorchScript (scripted, frozen), and report
both plus the faster as the case itself. With --weights DIR they run on gen-nn's weights (DIR/mlp64.safetensors and
DIR/iris16.safetensors, written by `GenNN.Compare --save-weights DIR`), so all three sides predict with one weight set. Training is the idiomatic loop: nn.Sequential of Linear/ReLU,
CrossEntropyLoss on the logits, Adam(1e-3), batch 64 over a fresh random permutation, zero_grad/backward/step.

`--cnn` runs issue 9's cases instead, on the convolutional network of samples/FashionMnistCnn (idiomatic NCHW
nn.Conv2d / MaxPool2d, oneDNN's convolutions): Predict of the first test image (eager and TorchScript, on gen-nn's
weights), and one training epoch (Adam(1e-3), batch 64, its dropouts) with the test accuracy after it.

`--export-onnx DIR` loads those weights, writes DIR/mlp64.onnx, DIR/iris16.onnx and DIR/cnn.onnx (torch.onnx.export, a dynamic batch
axis so that one file serves one sample and a batch) for the ONNX Runtime side, bench/GenNN.CompareOrt, and
DIR/reference.json, PyTorch's outputs for the inputs the cases use, which that side checks its own against.

Run it with Debian's interpreter (/usr/bin/python3), which sees python3-torch; compare.sh sets the thread variables.
"""
import argparse
import gzip
import json
import os
import statistics
import struct
import time

import numpy as np
import torch
from torch import nn


def emit(case, value, unit):
    print(json.dumps({"runner": "torch", "case": case, "value": value, "unit": unit}), flush=True)


def load_idx(images_path, labels_path):
    """Reads IDX images/labels (gzip) as float32 pixels / 255 and int64 labels, as the gen-nn loader does."""
    with gzip.open(images_path, "rb") as f:
        raw = f.read()
    magic, count, rows, cols = np.frombuffer(raw[:16], dtype=">i4")
    assert magic == 0x803, f"{images_path}: magic {magic:#x}"
    pixels = np.frombuffer(raw[16:], dtype=np.uint8).reshape(count, rows * cols)
    with gzip.open(labels_path, "rb") as f:
        raw = f.read()
    magic, n = np.frombuffer(raw[:8], dtype=">i4")
    assert magic == 0x801 and n == count, f"{labels_path}: magic {magic:#x}, {n} labels for {count} images"
    labels = np.frombuffer(raw[8:], dtype=np.uint8)
    x = torch.from_numpy(pixels.astype(np.float32) / np.float32(255.0))
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


def mlp(sizes, softmax):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    if softmax:
        layers.append(nn.Softmax(dim=1))
    return nn.Sequential(*layers)


def read_safetensors(path):
    """The F32 tensors of a safetensors file (8-byte little-endian header length, JSON header, raw data) as torch
    tensors; Debian 12 packages no `safetensors` module, and the format is this small."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        assert entry["dtype"] == "F32", f"{path}: {name} is {entry['dtype']}, expected F32"
        begin, end = entry["data_offsets"]
        tensors[name] = torch.from_numpy(np.frombuffer(data[begin:end], dtype="<f4").copy()).reshape(entry["shape"])
    return tensors


def load_gennn_weights(model, path):
    """Copies gen-nn's layers.{i}.weight ([out, in], PyTorch's order) and layers.{i}.bias into the i-th nn.Linear."""
    tensors = read_safetensors(path)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    with torch.no_grad():
        for i, linear in enumerate(linears):
            weight, bias = tensors[f"layers.{i}.weight"], tensors[f"layers.{i}.bias"]
            assert weight.shape == linear.weight.shape, f"{path}: layers.{i}.weight is {list(weight.shape)}, expected {list(linear.weight.shape)}"
            linear.weight.copy_(weight)
            linear.bias.copy_(bias)
    return model


FLOWER = [[0.3, -0.6, 0.5, -0.1]]  # the fixed 4-16-3 input of every side


def cnn(softmax):
    """samples/FashionMnistCnn's network, the PyTorch way: NCHW convolutions, then a flatten in (channel, y, x) order."""
    # padding=1 is gen-nn's Padding.Same for a 3 x 3 kernel and stride 1 (one zero on each side).
    layers = [nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
              nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.4), nn.Linear(128, 10)]
    if softmax:
        layers.append(nn.Softmax(dim=1))
    return nn.Sequential(*layers)


def load_gennn_cnn(model, path):
    """gen-nn's layers.0 and layers.2 (convolutions, [out, in, kh, kw] as PyTorch's) and layers.5 and layers.6 (Dense).
    gen-nn flattens (y, x, channel), PyTorch (channel, y, x): the first Dense weight's columns are permuted to match, so
    that PyTorch runs its own idiomatic graph on the same network."""
    tensors = read_safetensors(path)
    convs = [m for m in model if isinstance(m, nn.Conv2d)]
    linears = [m for m in model if isinstance(m, nn.Linear)]
    with torch.no_grad():
        for module, index in zip(convs + linears, (0, 2, 5, 6)):
            weight, bias = tensors[f"layers.{index}.weight"], tensors[f"layers.{index}.bias"]
            if index == 5:  # columns (y, x, c) -> (c, y, x)
                weight = weight.reshape(128, 7, 7, 64).permute(0, 3, 1, 2).reshape(128, 3136)
            assert weight.shape == module.weight.shape, f"{path}: layers.{index}.weight is {list(weight.shape)}, expected {list(module.weight.shape)}"
            module.weight.copy_(weight)
            module.bias.copy_(bias)
    return model


def predict_networks(weights):
    """The two predicted networks, on gen-nn's weights when a folder holds them, else freshly initialised."""
    net = mlp([784, 64, 64, 10], softmax=True)
    iris = mlp([4, 16, 3], softmax=True)
    if weights:
        load_gennn_weights(net, os.path.join(weights, "mlp64.safetensors"))
        load_gennn_weights(iris, os.path.join(weights, "iris16.safetensors"))
    return net.eval(), iris.eval()


def export_onnx(folder, x_test):
    """Writes mlp64.onnx, iris16.onnx and reference.json into `folder` (which holds gen-nn's weights)."""
    net, iris = predict_networks(folder)
    flower = torch.tensor(FLOWER, dtype=torch.float32)
    opset = 13
    for name, model, example in (("mlp64", net, x_test[:1].clone()), ("iris16", iris, flower)):
        torch.onnx.export(model, example, os.path.join(folder, f"{name}.onnx"), opset_version=opset,
                          input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    net_cnn = load_gennn_cnn(cnn(softmax=True), os.path.join(folder, "cnn.safetensors")).eval()
    image = x_test[:1].reshape(1, 1, 28, 28).clone()
    torch.onnx.export(net_cnn, image, os.path.join(folder, "cnn.onnx"), opset_version=opset,
                      input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    with torch.no_grad():
        reference = {"torch": torch.__version__, "opset": opset,
                     "cnn_first_test_image": net_cnn(image).flatten().tolist(),
                     "mlp64_first_test_image": net(x_test[:1]).flatten().tolist(),
                     "mlp64_first_1024_test_images": net(x_test[:1024]).flatten().tolist(),
                     "iris16_flower": iris(flower).flatten().tolist()}
    with open(os.path.join(folder, "reference.json"), "w") as f:
        json.dump(reference, f)


def median_seconds_per_call(body, calls_per_body, repeats):
    """Warm up ~0.5 s, calibrate for ~50 ms per repetition, return the median seconds per call."""
    end = time.perf_counter() + 0.5
    n = 0
    while time.perf_counter() < end or n < 20:
        body()
        n += 1
    t0 = time.perf_counter()
    body()
    one = max(time.perf_counter() - t0, 1e-7)
    per_repeat = max(1, int(0.05 / one))
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(per_repeat):
            body()
        samples.append((time.perf_counter() - start) / (per_repeat * calls_per_body))
    return statistics.median(samples)


def inference_variants(model, example):
    """Eager (under no_grad) and TorchScript (scripted + frozen) versions of the same module."""
    model.eval()
    scripted = torch.jit.freeze(torch.jit.script(model))
    with torch.no_grad():
        for _ in range(5):  # let the profiling executor settle on its optimised graph
            scripted(example)
    return {"eager": model, "script": scripted}


def time_inference(case, model, example, calls, unit_scale, unit, repeats, rate=None):
    best = None
    with torch.no_grad():
        for name, fn in inference_variants(model, example).items():
            def body(fn=fn):
                for _ in range(calls):
                    fn(example)
            seconds = median_seconds_per_call(body, calls, repeats)
            value = rate / seconds / 1e6 if rate else seconds * unit_scale
            emit(f"{case}_{name}", value, unit)
            best = value if best is None else (max(best, value) if rate else min(best, value))
    emit(case, best, unit)


def train_epoch(name, sizes, x, y, x_test, y_test, warm):
    model = mlp(sizes, softmax=False)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def run(model, optimizer, batches):
        model.train()
        perm = torch.randperm(x.shape[0])
        for b, i in enumerate(range(0, x.shape[0], 64)):
            if batches is not None and b >= batches:
                break
            idx = perm[i:i + 64]
            xb, yb = x[idx], y[idx]
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()

    if warm:  # warm-up on a throwaway model (allocator caches, first-call dispatch)
        w = mlp(sizes, softmax=False)
        run(w, torch.optim.Adam(w.parameters(), lr=1e-3), 100)
    start = time.perf_counter()
    run(model, optimizer, None)
    seconds = time.perf_counter() - start
    emit(f"{name}_train", x.shape[0] / seconds / 1e3, "K samples/s")
    model.eval()
    with torch.no_grad():
        correct = 0
        for i in range(0, x_test.shape[0], 256):
            correct += (model(x_test[i:i + 256]).argmax(1) == y_test[i:i + 256]).sum().item()
    emit(f"{name}_acc", correct / x_test.shape[0], "accuracy")


def cnn_cases(weights, x, y, x_test, y_test, repeats):
    """Issue 9's cases: Predict of the first test image on gen-nn's weights, and one training epoch from those weights."""
    net = cnn(softmax=True)
    if weights:
        load_gennn_cnn(net, os.path.join(weights, "cnn.safetensors"))
    time_inference("cnn_predict", net.eval(), x_test[:1].reshape(1, 1, 28, 28).clone(), 100, 1e6, "us/call", repeats)

    images, images_test = x.reshape(-1, 1, 28, 28), x_test.reshape(-1, 1, 28, 28)

    def run(model, optimizer, batches):
        model.train()
        loss_fn = nn.CrossEntropyLoss()
        perm = torch.randperm(images.shape[0])
        for b, i in enumerate(range(0, images.shape[0], 64)):
            if batches is not None and b >= batches:
                break
            idx = perm[i:i + 64]
            optimizer.zero_grad()
            loss = loss_fn(model(images[idx]), y[idx])
            loss.backward()
            optimizer.step()

    warm = cnn(softmax=False)
    run(warm, torch.optim.Adam(warm.parameters(), lr=1e-3), 20)
    model = cnn(softmax=False)
    if weights:
        # gen-nn's epoch starts from these weights too (He-uniform convolutions, as Keras' he_uniform): from torch's own
        # init (kaiming_uniform with a = sqrt(5), 0.41 of He's range) the epoch ended 0.016 below gen-nn's (RESULTS.md,
        # Zen 3, 2026-11-29), which measured the two inits rather than the two trainings.
        load_gennn_cnn(model, os.path.join(weights, "cnn.safetensors"))
    start = time.perf_counter()
    run(model, torch.optim.Adam(model.parameters(), lr=1e-3), None)
    seconds = time.perf_counter() - start
    emit("cnn_train", images.shape[0] / seconds / 1e3, "K samples/s")
    emit("cnn_epoch_seconds", seconds, "s")
    model.eval()
    with torch.no_grad():
        correct = 0
        for i in range(0, images_test.shape[0], 256):
            correct += (model(images_test[i:i + 256]).argmax(1) == y_test[i:i + 256]).sum().item()
    emit("cnn_acc", correct / images_test.shape[0], "accuracy")


def blas_info():
    """Which BLAS torch calls: the build config, and OpenBLAS's own core and thread count if it is loaded."""
    config = torch.__config__.show()
    blas = [line.strip() for line in config.splitlines() if "BLAS" in line or "LAPACK" in line]
    core = threads = None
    lib = None
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                if os.path.basename(path).startswith(("libblas", "libopenblas")):
                    lib = path
                    break
        if lib:
            import ctypes
            handle = ctypes.CDLL(lib)
            if hasattr(handle, "openblas_get_corename"):
                handle.openblas_get_corename.restype = ctypes.c_char_p
                core = handle.openblas_get_corename().decode()
                threads = handle.openblas_get_num_threads()
            if hasattr(handle, "openblas_get_config"):
                handle.openblas_get_config.restype = ctypes.c_char_p
                core = f"{core} ({handle.openblas_get_config().decode().strip()})"
    except OSError:
        pass
    try:
        from threadpoolctl import threadpool_info
        pools = threadpool_info()
    except ImportError:
        pools = None
    return {"torch_blas": blas, "blas_library": os.path.realpath(lib) if lib else None, "openblas_core": core,
            "openblas_threads": threads, "threadpoolctl": pools}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--cnn", action="store_true", help="issue 9's cases (the convolutional network) instead of issue 8's")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1; compare.sh measures one thread)")
    parser.add_argument("--info", action="store_true", help="print versions and BLAS information as JSON, then exit")
    parser.add_argument("--summary", action="store_true", help="print versions and BLAS information on one line, then exit")
    parser.add_argument("--weights", metavar="DIR", help="predict with gen-nn's weights from DIR/mlp64.safetensors and DIR/iris16.safetensors")
    parser.add_argument("--export-onnx", metavar="DIR", help="export DIR's gen-nn weights to DIR/mlp64.onnx, DIR/iris16.onnx "
                        "and PyTorch's outputs to DIR/reference.json, then exit")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(int.from_bytes(os.urandom(4), "little"))  # a new init and shuffle every run, like gen-nn's
    if args.info or args.summary:
        # Multiply once so that the BLAS library is loaded and initialised before it is inspected.
        torch.randn(64, 64) @ torch.randn(64, 64)
        info = {"torch": torch.__version__, "numpy": np.__version__, "threads": torch.get_num_threads(),
                "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"), "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE")}
        info.update(blas_info())
        if args.summary:
            print(f"torch {info['torch']}, numpy {info['numpy']}, {info['threads']} thread(s); BLAS {info['blas_library']}: "
                  f"{info['openblas_core']}, {info['openblas_threads']} thread(s)")
        else:
            print(json.dumps(info, indent=1))
        return

    repeats = 3 if args.quick else 7
    d = args.data
    x_test, y_test = load_idx(f"{d}/t10k-images-idx3-ubyte.gz", f"{d}/t10k-labels-idx1-ubyte.gz")
    if args.export_onnx:
        export_onnx(args.export_onnx, x_test)
        return
    x_train, y_train = load_idx(f"{d}/train-images-idx3-ubyte.gz", f"{d}/train-labels-idx1-ubyte.gz")
    if args.cnn:
        cnn_cases(args.weights, x_train, y_train, x_test, y_test, repeats)
        return

    net, iris = predict_networks(args.weights)
    time_inference("mlp64_predict", net, x_test[:1].clone(), 1000, 1e6, "us/call", repeats)
    flower = torch.tensor(FLOWER, dtype=torch.float32)
    time_inference("iris_predict", iris, flower, 1000, 1e9, "ns/call", repeats)
    time_inference("mlp64_batch1024", net, x_test[:1024].clone(), 1, None, "M samples/s", repeats, rate=1024)

    train_epoch("mlp64", [784, 64, 64, 10], x_train, y_train, x_test, y_test, warm=True)
    train_epoch("mlp256", [784, 256, 128, 10], x_train, y_train, x_test, y_test, warm=True)


if __name__ == "__main__":
    main()
