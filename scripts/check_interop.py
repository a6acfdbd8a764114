"""Checks that what `dcgan` writes for other tools is read by those tools as intended.

Run by scripts/check-interop inside a virtual environment with torch, safetensors, onnx,
onnxruntime, tensorboard and numpy. Exits non-zero, naming each failed check, on any mismatch:

1. TensorBoard's own reader (event_accumulator) loads every metrics.csv column as a scalar at
   every step, with metrics.csv's values, and every sample grid as an image (the PNG's bytes).
2. PyTorch's examples/dcgan Generator (and Discriminator) load our exported safetensors with
   strict load_state_dict, and the Generator in eval mode makes the images `dcgan sample` makes
   for the same z (to 1e-4).
3. A safetensors file that PyTorch wrote, imported with `dcgan import`, samples the images
   PyTorch makes for the same z (to 1e-4).
4. onnxruntime runs our ONNX files (plain, conditional and fully connected generators, two
   batch sizes) and matches `dcgan sample` (to 1e-4); onnx's checker accepts them.
"""
import argparse
import csv
import glob
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime
import torch
import torch.nn as nn
from safetensors.torch import load_file, save_file
from tensorboard.backend.event_processing import event_accumulator

TOLERANCE = 1e-4
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures.append(what)


class Generator(nn.Module):
    """PyTorch's examples/dcgan Generator (64x64), as its main.py defines it."""

    def __init__(self, nz=100, ngf=64, nc=3):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, x):
        return self.main(x)


class Discriminator(nn.Module):
    """PyTorch's examples/dcgan Discriminator (64x64)."""

    def __init__(self, ndf=64, nc=3):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 8), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False), nn.Sigmoid())

    def forward(self, x):
        return self.main(x)


class MLPGenerator(nn.Module):
    """Our mlp model's G in PyTorch (docs/INTEROP.md): Linear, LeakyReLU(0.02), LayerNorm, Linear, Tanh."""

    def __init__(self, nz, hidden, shape):
        super().__init__()
        pixels = int(np.prod(shape))
        self.main = nn.Sequential(nn.Linear(nz, hidden), nn.LeakyReLU(0.02), nn.LayerNorm(hidden),
                                  nn.Linear(hidden, pixels), nn.Tanh(), nn.Unflatten(1, shape))

    def forward(self, x):
        return self.main(x)


def weights_init(m):
    """The example's initialisation."""
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


def compare(ours, theirs, what):
    same_shape = ours.shape == theirs.shape
    difference = float(np.max(np.abs(ours - theirs))) if same_shape else float("inf")
    check(same_shape and difference <= TOLERANCE,
          f"{what}: shapes {ours.shape} / {theirs.shape}, largest difference {difference:.2e} (limit {TOLERANCE:g})")


class Tool:
    def __init__(self, binary, work):
        self.binary, self.work = binary, work

    def __call__(self, *arguments):
        result = subprocess.run([self.binary, *arguments], capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"FAIL dcgan {' '.join(arguments)}: {result.stderr.strip()}")
        return result.stdout

    def path(self, name):
        return os.path.join(self.work, name)

    def sample(self, checkpoint, z, labels=None):
        """Images of `dcgan sample` for the latent vectors z (and class labels), float32 NCHW."""
        np.save(self.path("z.npy"), z)
        extra = []
        if labels is not None:
            np.save(self.path("labels.npy"), labels.astype(np.int64))
            extra = ["--labels", self.path("labels.npy")]
        self("sample", "--checkpoint", checkpoint, "--z", self.path("z.npy"), "--raw", self.path("raw.npy"), "--overwrite", *extra)
        return np.load(self.path("raw.npy"))


def check_tensorboard(run):
    events = glob.glob(os.path.join(run, "events.out.tfevents.*"))
    check(len(events) == 1, f"one event file in the run folder ({len(events)})")
    accumulator = event_accumulator.EventAccumulator(run, size_guidance={event_accumulator.SCALARS: 0, event_accumulator.IMAGES: 0})
    accumulator.Reload()
    tags = accumulator.Tags()
    with open(os.path.join(run, "metrics.csv")) as file:
        rows = list(csv.DictReader(file))
    # Every numeric column is a scalar; `health` holds text (warning codes) and is not.
    columns = [c for c in rows[0].keys() if c not in ("step", "health")]
    check(sorted(tags["scalars"]) == sorted(columns), f"TensorBoard scalars {sorted(tags['scalars'])} are metrics.csv's numeric columns")
    for column in columns:
        if column not in tags["scalars"]:
            continue
        scalars = accumulator.Scalars(column)
        steps = [s.step for s in scalars]
        values = np.array([s.value for s in scalars])
        expected = np.array([float(r[column]) for r in rows])
        # metrics.csv prints a fixed number of decimals; the event file has the float32 value.
        decimals = max(len(r[column].partition(".")[2]) for r in rows)
        close = np.allclose(values, expected, rtol=1e-6, atol=0.5 * 10.0 ** -decimals + 1e-7)
        check(steps == [int(r["step"]) for r in rows] and close, f"scalar {column}: steps {steps}, values match metrics.csv")
    check(tags["images"] == ["samples"], f"TensorBoard images {tags['images']}")
    if "samples" in tags["images"]:
        images = accumulator.Images("samples")
        grids = sorted(glob.glob(os.path.join(run, "samples", "step-*.png")))
        check([i.step for i in images] == [int(os.path.basename(g)[5:11]) for g in grids], f"an image per sample grid ({len(images)})")
        for image, grid in zip(images, grids):
            with open(grid, "rb") as file:
                check(image.encoded_image_string == file.read() and image.width > 0, f"image at step {image.step} is {os.path.basename(grid)}")
    check(os.path.getsize(os.path.join(run, "training_curves.png")) > 1000, "training_curves.png is written")


def check_safetensors_export(tool, run, rng):
    tool("export", "--checkpoint", run, "--format", "safetensors", "--output", tool.path("g.safetensors"),
         "--discriminator", tool.path("d.safetensors"))
    state = load_file(tool.path("g.safetensors"))
    check(state["main.1.num_batches_tracked"].dtype == torch.int64, "num_batches_tracked is int64")
    netG = Generator()
    netG.load_state_dict(state)  # strict: every name and shape must match the example's
    netG.eval()
    netD = Discriminator()
    netD.load_state_dict(load_file(tool.path("d.safetensors")))
    check(True, "examples/dcgan Generator and Discriminator load our safetensors (strict)")
    z = rng.standard_normal((8, 100, 1, 1)).astype(np.float32)
    with torch.no_grad():
        theirs = netG(torch.from_numpy(z)).numpy()
    ours = tool.sample(run, z)
    compare(ours, theirs, "exported G in PyTorch vs dcgan sample")
    return z, ours


def check_safetensors_import(tool, rng):
    torch.manual_seed(1)
    netG = Generator()
    netG.apply(weights_init)
    with torch.no_grad():
        for module in netG.modules():
            if isinstance(module, nn.BatchNorm2d):  # running statistics as after training
                module.running_mean.normal_(0, 0.1)
                module.running_var.uniform_(0.5, 1.5)
                module.num_batches_tracked.fill_(17)
    save_file(netG.state_dict(), tool.path("torch_g.safetensors"))
    print(tool("import", "--generator", tool.path("torch_g.safetensors"), "--output", tool.path("torch_g.dcgan")).strip())
    netG.eval()
    z = rng.standard_normal((6, 100)).astype(np.float32)
    with torch.no_grad():
        theirs = netG(torch.from_numpy(z).reshape(6, 100, 1, 1)).numpy()
    compare(tool.sample(tool.path("torch_g.dcgan"), z), theirs, "PyTorch-made G imported, dcgan sample vs PyTorch")


def run_onnx(path, z, labels=None):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    feeds = {"z": z}
    if labels is not None:
        feeds["labels"] = labels
    return session.run(["images"], feeds)[0]


def check_onnx(tool, run, z, ours):
    path = tool.path("g.onnx")
    tool("export", "--checkpoint", run, "--format", "onnx", "--output", path)
    compare(run_onnx(path, z), ours, "ONNX G (batch 8) in onnxruntime vs dcgan sample")
    compare(run_onnx(path, z[:3]), ours[:3], "ONNX G (batch 3, same file) vs dcgan sample")


def check_other_models(tool, rng):
    tiny = ["--dataset", "fake", "--iterations", "2", "--batch-size", "8", "--sample-every", "0", "--nz", "8"]
    cases = [("conditional dcgan 32x32x3", ["--conditional", "--image-size", "32", "--channels", "3", "--ngf", "8", "--ndf", "8"],
              [8, 1, 1]),
             ("conditional mlp 28x28", ["--model", "mlp", "--conditional", "--hidden", "32"], [8]),
             ("mlp 28x28", ["--model", "mlp", "--hidden", "32"], [8])]
    for name, options, latent in cases:
        run = tool.path(name.replace(" ", "_"))
        tool("train", "--out", run, *tiny, *options)
        path = run + ".onnx"
        tool("export", "--checkpoint", run, "--format", "onnx", "--output", path)
        z = rng.standard_normal([5] + latent).astype(np.float32)
        labels = np.array([0, 3, 9, 1, 3]) if "conditional" in name else None
        ours = tool.sample(run, z, labels)
        one_hot = np.eye(10, dtype=np.float32)[labels] if labels is not None else None
        compare(run_onnx(path, z, one_hot), ours, f"ONNX G of the {name} vs dcgan sample")
        if name == "mlp 28x28":
            tool("export", "--checkpoint", run, "--format", "safetensors", "--output", run + ".safetensors")
            netG = MLPGenerator(8, 32, (1, 28, 28))
            netG.load_state_dict(load_file(run + ".safetensors"))
            with torch.no_grad():
                compare(ours, netG(torch.from_numpy(z)).numpy(), "exported mlp G in PyTorch vs dcgan sample")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dcgan", required=True)
    parser.add_argument("--work", required=True)
    arguments = parser.parse_args()
    tool = Tool(arguments.dcgan, arguments.work)
    rng = np.random.default_rng(7)
    run = tool.path("run")
    # The example's model (64x64 RGB, nz 100, ngf = ndf = 64), two small iterations, a grid at each.
    tool("train", "--dataset", "fake", "--image-size", "64", "--channels", "3", "--iterations", "2", "--batch-size", "2",
         "--sample-every", "1", "--out", run)
    check_tensorboard(run)
    z, ours = check_safetensors_export(tool, run, rng)
    check_onnx(tool, run, z, ours)
    check_safetensors_import(tool, rng)
    check_other_models(tool, rng)
    if failures:
        sys.exit(f"{len(failures)} interchange check(s) failed: " + "; ".join(failures))
    print("all interchange checks passed")


if __name__ == "__main__":
    main()
