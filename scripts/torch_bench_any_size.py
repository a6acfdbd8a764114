#!/usr/bin/env python
"""The peer benchmark (../shared/peers/torch_dcgan_bench.py, or the file PEER names) for any
power-of-two image size from 32 up, with every other argument passed on unchanged.

The peer builds 32x32 and 64x64 pairs only. Here its two builders grow the way examples/dcgan's
networks do: one more doubling layer per doubling of the image, widths doubling towards the
small end (128x128: G nz -> 4x4x16ngf -> ... -> 64x64xngf -> 128x128xC, D its mirror image),
which is also how `dcgan`'s builder grows. For 32 and 64 the networks are the peer's own.
"""
import argparse
import importlib.util
import os
import sys

import torch.nn as nn

peer_path = os.environ.get("PEER", os.path.join(os.path.dirname(__file__), "..", "..", "shared", "peers",
                                                "torch_dcgan_bench.py"))
spec = importlib.util.spec_from_file_location("torch_dcgan_bench", peer_path)
peer = importlib.util.module_from_spec(spec)
spec.loader.exec_module(peer)


def multipliers(image_size):
    """Width multipliers from the 4x4 map outwards: 32 -> [4, 2, 1], 64 -> [8, 4, 2, 1]."""
    doublings = image_size.bit_length() - 3  # 4x4 -> image_size
    if image_size < 32 or image_size != 1 << (doublings + 2):
        raise ValueError(f"image-size must be a power of two from 32, not {image_size}")
    return [1 << i for i in reversed(range(doublings))]


def build_G(image_size, nz, ngf, nc):
    if image_size in (32, 64):
        return peer_build_G(image_size, nz, ngf, nc)
    mults = multipliers(image_size)
    layers = [nn.ConvTranspose2d(nz, ngf * mults[0], 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * mults[0]), nn.ReLU(True)]
    for a, b in zip(mults[:-1], mults[1:]):
        layers += [nn.ConvTranspose2d(ngf * a, ngf * b, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * b), nn.ReLU(True)]
    layers += [nn.ConvTranspose2d(ngf * mults[-1], nc, 4, 2, 1, bias=False), nn.Tanh()]
    return nn.Sequential(*layers)


class Discriminator(nn.Module):
    def __new__(cls, image_size, ndf, nc):
        if image_size in (32, 64):
            return peer_Discriminator(image_size, ndf, nc)
        return super().__new__(cls)

    def __init__(self, image_size, ndf, nc):
        super().__init__()
        mults = list(reversed(multipliers(image_size)))
        layers = [nn.Conv2d(nc, ndf * mults[0], 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True)]
        for a, b in zip(mults[:-1], mults[1:]):
            layers += [nn.Conv2d(ndf * a, ndf * b, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * b),
                       nn.LeakyReLU(0.2, inplace=True)]
        layers += [nn.Conv2d(ndf * mults[-1], 1, 4, 1, 0, bias=False), nn.Sigmoid()]
        self.main = nn.Sequential(*layers)

    def forward(self, x):
        return self.main(x).view(-1, 1).squeeze(1)


peer_build_G, peer_Discriminator = peer.build_G, peer.Discriminator
peer.build_G, peer.Discriminator = build_G, Discriminator

# The peer's parser allows 32 and 64 only: drop that restriction, keep everything else.
_add_argument = argparse.ArgumentParser.add_argument


def add_argument(self, *names, **options):
    if "--image-size" in names:
        options.pop("choices", None)
    return _add_argument(self, *names, **options)


argparse.ArgumentParser.add_argument = add_argument

if __name__ == "__main__":
    sys.exit(peer.main())
