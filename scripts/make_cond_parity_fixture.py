#!/usr/bin/env python
"""Writes Tests/NNTests/Fixtures/cond_dcgan28_step.bin: one conditional-DCGAN training step computed by PyTorch.

Run once with a PyTorch install (the test suite itself needs neither Python nor PyTorch):

    python scripts/make_cond_parity_fixture.py [--out PATH] [--check-float64]

The networks are a small class-conditional DCGAN for 28x28x1 images with K=10 classes, conditioned
as in the DCGAN paper's supplement 8.1 (Newmu's train_cond_dcgan.py): the one-hot label y [B, K] is
joined to the input of every layer of G and D. `J` below is JoinLabels: cat([x, y expanded to
x's spatial size], dim=1), x first, then the K label channels; it has no parameters.

  G (z [B,nz,1,1]): 0 J | 1 ConvT(nz+K->2ngf,7,1,0) 2 BN 3 ReLU | 4 J | 5 ConvT(2ngf+K->ngf,4,2,1) 6 BN 7 ReLU
                    | 8 J | 9 ConvT(ngf+K->nc,4,2,1) 10 Tanh                          1 -> 7 -> 14 -> 28
  D (x [B,nc,28,28]): 0 J | 1 Conv(nc+K->ndf,4,2,1) 2 LReLU(0.2) | 3 J | 4 Conv(ndf+K->2ndf,4,2,1) 5 BN
                    6 LReLU(0.2) | 7 J | 8 Conv(2ndf+K->1,7,1,0), a logit (no sigmoid)   28 -> 14 -> 7 -> 1
  all convolutions bias=False; all BatchNorm2d affine=False (running statistics only, momentum 0.1,
  eps 1e-5); nz=8, ngf=4, ndf=4, nc=1, K=10, batch 6, labels [3, 0, 9, 3, 7, 1].

Weights: torch.manual_seed(SEED), build G then D, conv weights N(0,0.02) (G's then D's, in module
order); then real batch uniform in [-1,1], noise N(0,1). Loss BCEWithLogits (mean). One step, the
fake images carrying the real batch's labels (as Newmu's code does):

  D.zero_grad; errD_real = BCE(D(real,y), 1).backward; fake = G(noise,y);
  errD_fake = BCE(D(fake.detach(),y), 0).backward; optD.step          (Adam lr 2e-4, betas (0.5, 0.999))
  G.zero_grad; errG = BCE(D(fake,y), 1).backward; optG.step

so the G step's D(fake) runs with D's weights *after* optD.step, in training mode (D's BatchNorm
running statistics are updated a third time). Everything is float32, single-threaded;
`--check-float64` reruns the step in float64 from the same float32 starting point and prints how
far the float32 numbers are from it.

File format: exactly that of scripts/make_parity_fixture.py (all little-endian):
  line 1:            "DCGANPARITY 1\n"
  one line an array: "<name> <d0>x<d1>x...\n"  (a scalar has shape "1"; names have no spaces)
  then:              "END\n"
  then the arrays' float32 data, row-major, concatenated in header order, nothing between them.

Names (parameter names are the nn.Sequential state_dict ones, e.g. "1.weight"):
  input.real, input.noise                          the real batch and the noise
  input.labels                                     the class indices, as float32, shape [6]
  init.G.<p>, init.D.<p>                           parameters before the step
  out.D_real, out.D_fake1, out.D_fake2             D's per-sample logits: real, fake in the D
                                                   step, fake in the G step (after optD.step)
  out.fake                                         G(noise, y)
  loss.errD_real, loss.errD_fake, loss.errG        BCEWithLogits losses
  stat.D_x, stat.D_G_z1, stat.D_G_z2               mean(sigmoid(logits)) of the three D outputs
  grad.D.<p>                                       D gradients before optD.step (real + fake)
  grad.G.<p>                                       G gradients before optG.step
  step.D.<p>, step.G.<p>                           parameters after the Adam steps
  buf.D.<i>.running_mean / running_var,            BatchNorm running statistics after the step
  buf.G.<i>.running_mean / running_var             (D's moved three times, G's once)
"""
import argparse
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 20151119  # the DCGAN paper's arXiv date
NZ, NGF, NDF, NC, K, BATCH, SIZE = 8, 4, 4, 1, 10, 6, 28
LR, BETAS = 2e-4, (0.5, 0.999)
LABELS = [3, 0, 9, 3, 7, 1]


class Labels:
    """The one-hot labels [B, K] of the current batch, shared by every JoinLabels."""
    y = None


class JoinLabels(nn.Module):
    def __init__(self, holder):
        super().__init__()
        self.holder = holder

    def forward(self, x):
        y = self.holder.y
        if x.dim() == 4:
            y = y.view(y.shape[0], y.shape[1], 1, 1).expand(-1, -1, x.shape[2], x.shape[3])
        return torch.cat([x, y], dim=1)


def build_G(h):
    return nn.Sequential(
        JoinLabels(h), nn.ConvTranspose2d(NZ + K, 2 * NGF, 7, 1, 0, bias=False),
        nn.BatchNorm2d(2 * NGF, affine=False), nn.ReLU(),
        JoinLabels(h), nn.ConvTranspose2d(2 * NGF + K, NGF, 4, 2, 1, bias=False),
        nn.BatchNorm2d(NGF, affine=False), nn.ReLU(),
        JoinLabels(h), nn.ConvTranspose2d(NGF + K, NC, 4, 2, 1, bias=False), nn.Tanh())


def build_D(h):
    return nn.Sequential(
        JoinLabels(h), nn.Conv2d(NC + K, NDF, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),
        JoinLabels(h), nn.Conv2d(NDF + K, 2 * NDF, 4, 2, 1, bias=False),
        nn.BatchNorm2d(2 * NDF, affine=False), nn.LeakyReLU(0.2),
        JoinLabels(h), nn.Conv2d(2 * NDF + K, 1, 7, 1, 0, bias=False))  # D(x).view(-1): logits


def weights_init(m):
    if m.__class__.__name__.find("Conv") != -1:
        nn.init.normal_(m.weight, 0.0, 0.02)


def initial_state(h):
    torch.manual_seed(SEED)
    netG, netD = build_G(h), build_D(h)
    netG.apply(weights_init)
    netD.apply(weights_init)
    real = torch.rand(BATCH, NC, SIZE, SIZE) * 2 - 1
    noise = torch.randn(BATCH, NZ, 1, 1)
    return netG, netD, real, noise


def train_step(h, netG, netD, real, noise, labels, record):
    """One conditional step; `record(name, tensor)` is called for everything the fixture holds."""
    criterion = nn.BCEWithLogitsLoss()
    optD = torch.optim.Adam(netD.parameters(), lr=LR, betas=BETAS)
    optG = torch.optim.Adam(netG.parameters(), lr=LR, betas=BETAS)
    dtype = real.dtype
    B = real.shape[0]
    h.y = F.one_hot(labels, K).to(dtype)

    netD.zero_grad()
    label = torch.full((B,), 1.0, dtype=dtype)
    out_real = netD(real).view(-1)
    errD_real = criterion(out_real, label)
    errD_real.backward()
    fake = netG(noise)
    label.fill_(0.0)
    out_fake1 = netD(fake.detach()).view(-1)
    errD_fake = criterion(out_fake1, label)
    errD_fake.backward()
    for n, p in netD.named_parameters():
        record("grad.D." + n, p.grad)
    optD.step()
    for n, p in netD.named_parameters():
        record("step.D." + n, p)

    netG.zero_grad()
    label.fill_(1.0)
    out_fake2 = netD(fake).view(-1)
    errG = criterion(out_fake2, label)
    errG.backward()
    for n, p in netG.named_parameters():
        record("grad.G." + n, p.grad)
    optG.step()
    for n, p in netG.named_parameters():
        record("step.G." + n, p)

    record("out.D_real", out_real)
    record("out.D_fake1", out_fake1)
    record("out.D_fake2", out_fake2)
    record("out.fake", fake)
    record("loss.errD_real", errD_real)
    record("loss.errD_fake", errD_fake)
    record("loss.errG", errG)
    record("stat.D_x", torch.sigmoid(out_real).mean())
    record("stat.D_G_z1", torch.sigmoid(out_fake1).mean())
    record("stat.D_G_z2", torch.sigmoid(out_fake2).mean())
    for prefix, net in (("buf.D.", netD), ("buf.G.", netG)):
        for n, b in net.named_buffers():
            if n.endswith("running_mean") or n.endswith("running_var"):
                record(prefix + n, b)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "Tests", "NNTests", "Fixtures", "cond_dcgan28_step.bin"))
    ap.add_argument("--check-float64", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    h = Labels()
    netG, netD, real, noise = initial_state(h)
    labels = torch.tensor(LABELS)
    arrays = [("input.real", real.clone()), ("input.noise", noise.clone()),
              ("input.labels", labels.to(torch.float32))]
    arrays += [("init.G." + n, p.detach().clone()) for n, p in netG.named_parameters()]
    arrays += [("init.D." + n, p.detach().clone()) for n, p in netD.named_parameters()]
    start = [t for _, t in arrays]

    results = []
    train_step(h, netG, netD, real, noise, labels, lambda n, t: results.append((n, t.detach().clone().reshape(t.shape))))
    arrays += results

    header = ["DCGANPARITY 1"]
    data = bytearray()
    for name, t in arrays:
        shape = list(t.shape) or [1]
        assert " " not in name and t.dtype == torch.float32, name
        header.append(name + " " + "x".join(str(d) for d in shape))
        values = flat(t)
        data += struct.pack("<%df" % len(values), *values)
    header.append("END")
    blob = ("\n".join(header) + "\n").encode("ascii") + bytes(data)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "wb") as f:
        f.write(blob)
    print(f"wrote {args.out}: {len(arrays)} arrays, {len(blob)} bytes (torch {torch.__version__}, float32)")

    if args.check_float64:
        # The same step in float64 from the same float32 starting point: the float32 fixture's own
        # rounding error, which any float32 implementation is compared against.
        h64 = Labels()
        g64, d64 = build_G(h64).double(), build_D(h64).double()
        with torch.no_grad():
            ps = [p for p in g64.parameters()] + [p for p in d64.parameters()]
            for p, v in zip(ps, start[3:]):
                p.copy_(v.double())
        exact = {}
        train_step(h64, g64, d64, start[0].double(), start[1].double(), labels,
                   lambda n, t: exact.update({n: t.detach().clone()}))
        for name, t in results:
            e = exact[name].reshape(-1)
            d = (t.double().reshape(-1) - e).abs()
            scale = e.abs().max().item() or 1.0
            elem = (d / torch.maximum(e.abs(), torch.full_like(e, scale))).max().item()
            print(f"  {name:32s} max |f32-f64| / max(|f64|, max|f64|) = {elem:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
