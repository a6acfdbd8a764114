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

File format: that of scripts/parity_fixture.py (shared with scripts/make_parity_fixture.py),
which also holds the training step, the file writer and the float64 check; this script holds the
networks, the inputs and the loss.

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
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.dont_write_bytecode = True  # no scripts/__pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import parity_fixture as pf  # noqa: E402

NZ, NGF, NDF, NC, K, BATCH, SIZE = 8, 4, 4, 1, 10, 6, 28
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


def build_nets():
    """G and D joined to one Labels holder (D[0].holder), which train_step fills."""
    h = Labels()
    return build_G(h), build_D(h)


def weights_init(m):
    if m.__class__.__name__.find("Conv") != -1:
        nn.init.normal_(m.weight, 0.0, 0.02)


def initial_state():
    netG, netD, real, noise = pf.initial_state(build_nets, weights_init, (BATCH, NC, SIZE, SIZE), (BATCH, NZ, 1, 1))
    labels = torch.tensor(LABELS, dtype=torch.float32)
    return netG, netD, [("input.real", real), ("input.noise", noise), ("input.labels", labels)]


def train_step(netG, netD, inputs, record):
    """One conditional step: BCEWithLogits on D's logits, the fakes carrying the real batch's labels."""
    real = inputs["input.real"]
    netD[0].holder.y = F.one_hot(inputs["input.labels"].long(), K).to(real.dtype)
    pf.train_step(netG, netD, real, inputs["input.noise"], nn.BCEWithLogitsLoss(), record, stat=torch.sigmoid)


def main():
    return pf.main(__doc__, "cond_dcgan28_step.bin", build_nets, initial_state, train_step)


if __name__ == "__main__":
    sys.exit(main())
