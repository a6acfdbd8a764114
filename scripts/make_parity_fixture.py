#!/usr/bin/env python
"""Writes Tests/NNTests/Fixtures/dcgan32_step.bin: one whole DCGAN training step computed by PyTorch.

Run once with a PyTorch install (the test suite itself needs neither Python nor PyTorch):

    python scripts/make_parity_fixture.py [--out PATH] [--check-float64]

The networks are the 32x32 DCGAN of the canonical PyTorch example (as in
shared/peers/torch_dcgan_bench.py, 32x32 branch), with small widths so the fixture stays small:

  G: ConvT(nz->4ngf,4,1,0) BN ReLU | ConvT(4ngf->2ngf,4,2,1) BN ReLU | ConvT(2ngf->ngf,4,2,1) BN ReLU
     | ConvT(ngf->nc,4,2,1) Tanh                                              1 -> 4 -> 8 -> 16 -> 32
  D: Conv(nc->ndf,4,2,1) LReLU(0.2) | Conv(ndf->2ndf,4,2,1) BN LReLU | Conv(2ndf->4ndf,4,2,1) BN LReLU
     | Conv(4ndf->1,4,1,0) Sigmoid                                            32 -> 16 -> 8 -> 4 -> 1
  all convolutions bias=False; nz=8, ngf=4, ndf=4, nc=1, batch 4.

Weights: DCGAN init (conv N(0,0.02), BN weight N(1,0.02), BN bias 0) after torch.manual_seed(SEED);
real batch uniform in [-1,1], noise N(0,1). One step exactly as the example's loop body:

  D.zero_grad; errD_real = BCE(D(real), 1).backward; fake = G(noise);
  errD_fake = BCE(D(fake.detach()), 0).backward; optD.step          (Adam lr 2e-4, betas (0.5, 0.999))
  G.zero_grad; errG = BCE(D(fake), 1).backward; optG.step

so the G step's D(fake) runs with D's weights *after* optD.step, in training mode (batch
statistics; D's BatchNorm running statistics are updated a third time). Everything is computed
in float32 (PyTorch's default), single-threaded; `--check-float64` reruns the step in float64
from the same float32 starting point and prints how far the float32 numbers are from it.

File format (all little-endian):
  line 1:            "DCGANPARITY 1\n"
  one line an array: "<name> <d0>x<d1>x...\n"  (a scalar has shape "1"; names have no spaces)
  then:              "END\n"
  then the arrays' float32 data, row-major, concatenated in header order, nothing between them.

Names (parameter names are the PyTorch ones, without D's ".main" prefix, e.g. "1.weight" is the
BatchNorm after G's first transposed convolution):
  input.real, input.noise                          the real batch and the noise
  init.G.<p>, init.D.<p>                           parameters before the step
  out.D_real, out.D_fake1, out.D_fake2             D's per-sample outputs: real, fake in the D
                                                   step, fake in the G step (after optD.step)
  out.fake                                         G(noise)
  loss.errD_real, loss.errD_fake, loss.errG        BCE losses
  stat.D_x, stat.D_G_z1, stat.D_G_z2               the example's printed means
  grad.D.<p>                                       D gradients before optD.step (real + fake)
  grad.G.<p>                                       G gradients before optG.step
  step.D.<p>, step.G.<p>                           parameters after the Adam steps
  buf.D.<i>.running_mean / running_var,            BatchNorm running statistics after the step
  buf.G.<i>.running_mean / running_var             (D's moved three times, G's once)
  adam2.D.<p>, adam2.G.<p>                         an optimiser-only check: fresh Adam, from the
                                                   init parameters, one step with grad.*, then a
                                                   second with grad.* reversed (flat order) times
                                                   0.25 (exact in float32): a single first step is
                                                   lr*g/(|g|+eps) whatever the betas, the second
                                                   is not
"""
import argparse
import os
import struct
import sys

import torch
import torch.nn as nn

SEED = 20151119  # the DCGAN paper's arXiv date
NZ, NGF, NDF, NC, BATCH, SIZE = 8, 4, 4, 1, 4, 32
LR, BETAS = 2e-4, (0.5, 0.999)


def build_G():
    mults = [4, 2, 1]
    layers = [nn.ConvTranspose2d(NZ, NGF * mults[0], 4, 1, 0, bias=False), nn.BatchNorm2d(NGF * mults[0]), nn.ReLU(True)]
    for a, b in zip(mults[:-1], mults[1:]):
        layers += [nn.ConvTranspose2d(NGF * a, NGF * b, 4, 2, 1, bias=False), nn.BatchNorm2d(NGF * b), nn.ReLU(True)]
    layers += [nn.ConvTranspose2d(NGF * mults[-1], NC, 4, 2, 1, bias=False), nn.Tanh()]
    return nn.Sequential(*layers)


def build_D():
    mults = [1, 2, 4]
    layers = [nn.Conv2d(NC, NDF * mults[0], 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True)]
    for a, b in zip(mults[:-1], mults[1:]):
        layers += [nn.Conv2d(NDF * a, NDF * b, 4, 2, 1, bias=False), nn.BatchNorm2d(NDF * b),
                   nn.LeakyReLU(0.2, inplace=True)]
    layers += [nn.Conv2d(NDF * mults[-1], 1, 4, 1, 0, bias=False), nn.Sigmoid()]
    return nn.Sequential(*layers)  # D(x).view(-1) is the example's output


def weights_init(m):
    cls = m.__class__.__name__
    if cls.find("Conv") != -1:
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif cls.find("BatchNorm") != -1:
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def initial_state():
    torch.manual_seed(SEED)
    netG, netD = build_G(), build_D()
    netG.apply(weights_init)
    netD.apply(weights_init)
    real = torch.rand(BATCH, NC, SIZE, SIZE) * 2 - 1
    noise = torch.randn(BATCH, NZ, 1, 1)
    return netG, netD, real, noise


def train_step(netG, netD, real, noise, record):
    """The example's loop body; `record(name, tensor)` is called for everything the fixture holds."""
    criterion = nn.BCELoss()
    optD = torch.optim.Adam(netD.parameters(), lr=LR, betas=BETAS)
    optG = torch.optim.Adam(netG.parameters(), lr=LR, betas=BETAS)
    dtype = real.dtype
    B = real.shape[0]

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
    record("stat.D_x", out_real.mean())
    record("stat.D_G_z1", out_fake1.mean())
    record("stat.D_G_z2", out_fake2.mean())
    for prefix, net in (("buf.D.", netD), ("buf.G.", netG)):
        for n, b in net.named_buffers():
            if n.endswith("running_mean") or n.endswith("running_var"):
                record(prefix + n, b)


def two_adam_steps(initial, gradients):
    """Parameters after two Adam steps from `initial`: gradients g, then reversed(g) * 0.25."""
    params = [v.clone().requires_grad_(True) for v in initial]
    opt = torch.optim.Adam(params, lr=LR, betas=BETAS)
    for second in (False, True):
        for p, g in zip(params, gradients):
            p.grad = g.reshape(-1).flip(0).reshape(g.shape) * 0.25 if second else g.clone()
        opt.step()
    return [p.detach() for p in params]


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "Tests", "NNTests", "Fixtures", "dcgan32_step.bin"))
    ap.add_argument("--check-float64", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    netG, netD, real, noise = initial_state()
    arrays = [("input.real", real.clone()), ("input.noise", noise.clone())]
    arrays += [("init.G." + n, p.detach().clone()) for n, p in netG.named_parameters()]
    arrays += [("init.D." + n, p.detach().clone()) for n, p in netD.named_parameters()]
    start = [t for _, t in arrays]

    results = []
    train_step(netG, netD, real, noise, lambda n, t: results.append((n, t.detach().clone().reshape(t.shape))))
    arrays += results
    recorded = dict(results)
    for net_name, net in (("D", netD), ("G", netG)):
        names = [n for n, _ in net.named_parameters()]
        initial = [dict(arrays)["init.%s.%s" % (net_name, n)] for n in names]
        gradients = [recorded["grad.%s.%s" % (net_name, n)] for n in names]
        arrays += [("adam2.%s.%s" % (net_name, n), v) for n, v in zip(names, two_adam_steps(initial, gradients))]

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
        g64, d64 = build_G().double(), build_D().double()
        with torch.no_grad():
            ps = [p for p in g64.parameters()] + [p for p in d64.parameters()]
            for p, v in zip(ps, start[2:]):
                p.copy_(v.double())
        exact = {}
        train_step(g64, d64, start[0].double(), start[1].double(), lambda n, t: exact.update({n: t.detach().clone()}))
        for name, t in results:
            e = exact[name].reshape(-1)
            d = (t.double().reshape(-1) - e).abs()
            scale = e.abs().max().item() or 1.0
            elem = (d / torch.maximum(e.abs(), torch.full_like(e, scale))).max().item()
            print(f"  {name:32s} max |f32-f64| / max(|f64|, max|f64|) = {elem:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
