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

File format: that of scripts/parity_fixture.py (shared with scripts/make_cond_parity_fixture.py),
which also holds the training step, the file writer and the float64 check; this script holds the
networks, the inputs, the loss and the adam2 arrays.

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
import os
import sys

import torch
import torch.nn as nn

sys.dont_write_bytecode = True  # no scripts/__pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import parity_fixture as pf  # noqa: E402

NZ, NGF, NDF, NC, BATCH, SIZE = 8, 4, 4, 1, 4, 32


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


def build_nets():
    return build_G(), build_D()


def weights_init(m):
    cls = m.__class__.__name__
    if cls.find("Conv") != -1:
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif cls.find("BatchNorm") != -1:
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def initial_state():
    netG, netD, real, noise = pf.initial_state(build_nets, weights_init, (BATCH, NC, SIZE, SIZE), (BATCH, NZ, 1, 1))
    return netG, netD, [("input.real", real), ("input.noise", noise)]


def train_step(netG, netD, inputs, record):
    """The example's loop body, with BCE on D's sigmoid outputs."""
    pf.train_step(netG, netD, inputs["input.real"], inputs["input.noise"], nn.BCELoss(), record)


def two_adam_steps(initial, gradients):
    """Parameters after two Adam steps from `initial`: gradients g, then reversed(g) * 0.25."""
    params = [v.clone().requires_grad_(True) for v in initial]
    opt = torch.optim.Adam(params, lr=pf.LR, betas=pf.BETAS)
    for second in (False, True):
        for p, g in zip(params, gradients):
            p.grad = g.reshape(-1).flip(0).reshape(g.shape) * 0.25 if second else g.clone()
        opt.step()
    return [p.detach() for p in params]


def adam2_arrays(arrays, netG, netD):
    """adam2.D.<p>, adam2.G.<p>: two_adam_steps from init.* with grad.*."""
    out = []
    for net_name, net in (("D", netD), ("G", netG)):
        names = [n for n, _ in net.named_parameters()]
        initial = [arrays["init.%s.%s" % (net_name, n)] for n in names]
        gradients = [arrays["grad.%s.%s" % (net_name, n)] for n in names]
        out += [("adam2.%s.%s" % (net_name, n), v) for n, v in zip(names, two_adam_steps(initial, gradients))]
    return out


def main():
    return pf.main(__doc__, "dcgan32_step.bin", build_nets, initial_state, train_step, adam2_arrays)


if __name__ == "__main__":
    sys.exit(main())
