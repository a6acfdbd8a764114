#!/usr/bin/env python
"""PyTorch reference: train the 28x28 DCGAN on Fashion-MNIST for a wall-clock budget, then sample.

Used to compare `dcgan train` against PyTorch given the same time on the same machine; the
comparison score (Frechet distance on classifier features) is computed by our tool from the
samples this script writes. Needs torch and numpy only (no torchvision, no PIL).

Architecture (identical to the Swift builder for 28x28, all convs bias=False):
  G: ConvT(nz->2ngf,7,1,0) BN ReLU | ConvT(2ngf->ngf,4,2,1) BN ReLU | ConvT(ngf->1,4,2,1) Tanh   1->7->14->28
  D: Conv(1->ndf,4,2,1) LReLU(0.2) | Conv(ndf->2ndf,4,2,1) BN LReLU(0.2) | Conv(2ndf->1,7,1,0) logit  28->14->7->1
Loss BCEWithLogits; Adam(2e-4, (0.5, 0.999)); conv weights N(0,0.02), BN weight N(1,0.02), BN bias 0.
Loop = pytorch/examples dcgan/main.py: D(real)->1, D(G(z).detach())->0, optD.step; D(G(z))->1, optG.step.

Usage:
  python scripts/torch_fashion_dcgan.py --seconds 600 --threads 2 --count 10000 \
      --out torch_samples.npy --grid torch_grid.png
  python scripts/torch_fashion_dcgan.py --seconds 600 --snapshots 120,300 --out torch.npy
      (also writes torch-120s.npy and torch-300s.npy from G as it was when the training clock
      passed 120 and 300 seconds; the clock stops while a snapshot is sampled)
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time
import zlib

import numpy as np
import torch
import torch.nn as nn


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, n, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != 2051:
        raise ValueError(f"{path}: bad IDX image magic {magic}")
    arr = np.frombuffer(data, dtype=np.uint8, offset=16)
    if arr.size != n * rows * cols:
        raise ValueError(f"{path}: expected {n * rows * cols} pixels, got {arr.size}")
    return arr.reshape(n, rows, cols)


def read_idx_labels(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, n = struct.unpack(">II", data[:8])
    if magic != 2049:
        raise ValueError(f"{path}: bad IDX label magic {magic}")
    return np.frombuffer(data, dtype=np.uint8, offset=8)[:n]


def build_G(nz, ngf):
    return nn.Sequential(
        nn.ConvTranspose2d(nz, ngf * 2, 7, 1, 0, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
        nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False), nn.Tanh(),
    )


class Discriminator(nn.Module):
    def __init__(self, ndf):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(1, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, 1, 7, 1, 0, bias=False),
        )

    def forward(self, x):
        return self.main(x).view(-1)  # logits


def weights_init(m):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0.0, 0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def make_noise(kind, n, nz):
    if kind == "uniform":
        return torch.rand(n, nz, 1, 1) * 2 - 1
    return torch.randn(n, nz, 1, 1)


def write_png_gray(path, img):
    """Write a 2-D uint8 array as an 8-bit grayscale PNG (zlib + struct only)."""
    img = np.ascontiguousarray(img, dtype=np.uint8)
    h, w = img.shape
    raw = b"".join(b"\x00" + img[y].tobytes() for y in range(h))  # filter type 0 per row

    def chunk(tag, payload):
        c = struct.pack(">I", len(payload)) + tag + payload
        return c + struct.pack(">I", zlib.crc32(tag + payload) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9))
    png += chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def make_grid(samples, ncol=8, pad=2, bg=0):
    n = min(len(samples), ncol * ncol)
    nrow = (n + ncol - 1) // ncol
    h, w = samples.shape[1:]
    grid = np.full((pad + nrow * (h + pad), pad + ncol * (w + pad)), bg, dtype=np.uint8)
    for i in range(n):
        r, c = divmod(i, ncol)
        y, x = pad + r * (h + pad), pad + c * (w + pad)
        grid[y:y + h, x:x + w] = samples[i]
    return grid


def sample(netG, args):
    """args.count uint8 images from G in evaluation mode (running BatchNorm statistics)."""
    netG.eval()
    chunks = []
    with torch.no_grad():
        left = args.count
        while left > 0:
            n = min(500, left)
            x = netG(make_noise(args.noise, n, args.nz))
            chunks.append(torch.round((x + 1) * 127.5).clamp(0, 255).to(torch.uint8).squeeze(1).numpy())
            left -= n
    netG.train()
    return np.concatenate(chunks, 0) if chunks else np.zeros((0, 28, 28), np.uint8)


def snapshot_path(out, seconds):
    stem = out[:-4] if out.endswith(".npy") else out
    return f"{stem}-{seconds:g}s.npy"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-root", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--seconds", type=float, default=None,
                    help="wall-clock training budget, from the start of the first iteration "
                         "(data loading excluded); stops after the iteration that crosses it")
    ap.add_argument("--epochs", type=float, default=None, help="alternative stop criterion")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--nz", type=int, default=100)
    ap.add_argument("--ngf", type=int, default=64)
    ap.add_argument("--ndf", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--beta1", type=float, default=0.5)
    ap.add_argument("--noise", choices=["uniform", "normal"], default="uniform")
    ap.add_argument("--count", type=int, default=10000, help="samples to write")
    ap.add_argument("--out", default="samples.npy", help="uint8 N x 28 x 28 .npy")
    ap.add_argument("--grid", default=None, help="optional PNG with an 8x8 grid of samples")
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--snapshots", default="",
                    help="comma-separated training seconds at which to also write samples "
                         "(to <out stem>-<seconds>s.npy), with the clock stopped while they are made")
    args = ap.parse_args()
    if args.seconds is None and args.epochs is None:
        ap.error("give --seconds and/or --epochs")

    snapshots = sorted(float(x) for x in args.snapshots.split(",") if x.strip())
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    # ---- data (not timed) ----
    t_load = time.perf_counter()
    imgs = read_idx_images(os.path.join(args.data_root, "train-images-idx3-ubyte.gz"))
    labels_path = os.path.join(args.data_root, "train-labels-idx1-ubyte.gz")
    if os.path.exists(labels_path):
        lab = read_idx_labels(labels_path)
        if len(lab) != len(imgs):
            raise ValueError("label count does not match image count")
    data = torch.from_numpy(imgs.astype(np.float32) / 127.5 - 1.0).unsqueeze(1)  # N x 1 x 28 x 28
    N, B = data.shape[0], args.batch
    iters_per_epoch = N // B  # drop_last
    print(f"loaded {N} images {tuple(data.shape[1:])} in {time.perf_counter() - t_load:.2f} s; "
          f"{iters_per_epoch} iterations/epoch; torch {torch.__version__}, {args.threads} threads",
          flush=True)

    # ---- model ----
    netG = build_G(args.nz, args.ngf)
    netD = Discriminator(args.ndf)
    netG.apply(weights_init)
    netD.apply(weights_init)
    criterion = nn.BCEWithLogitsLoss()
    optD = torch.optim.Adam(netD.parameters(), lr=args.lr, betas=(args.beta1, 0.999))
    optG = torch.optim.Adam(netG.parameters(), lr=args.lr, betas=(args.beta1, 0.999))
    ones = torch.ones(B)
    zeros = torch.zeros(B)
    max_iters = None if args.epochs is None else int(round(args.epochs * iters_per_epoch))

    # ---- training ----
    it = 0
    errD = errG = d_x = d_gz1 = d_gz2 = float("nan")
    perm = None
    t0 = time.perf_counter()
    elapsed = 0.0
    while True:
        if max_iters is not None and it >= max_iters:
            break
        if args.seconds is not None and elapsed >= args.seconds:
            break
        k = it % iters_per_epoch
        if k == 0:
            perm = torch.randperm(N)
        real = data[perm[k * B:(k + 1) * B]]

        netD.zero_grad()
        out_real = netD(real)
        errD_real = criterion(out_real, ones)
        errD_real.backward()
        noise = make_noise(args.noise, B, args.nz)
        fake = netG(noise)
        out_fake = netD(fake.detach())
        errD_fake = criterion(out_fake, zeros)
        errD_fake.backward()
        optD.step()

        netG.zero_grad()
        out_g = netD(fake)
        errG_t = criterion(out_g, ones)
        errG_t.backward()
        optG.step()

        it += 1
        elapsed = time.perf_counter() - t0
        if snapshots and elapsed >= snapshots[0]:
            mark = snapshots.pop(0)
            paused = time.perf_counter()
            np.save(snapshot_path(args.out, mark), sample(netG, args))
            print(f"snapshot at {mark:g} s (iteration {it}): {snapshot_path(args.out, mark)}", flush=True)
            t0 += time.perf_counter() - paused  # sampling is not training time
        errD = errD_real.item() + errD_fake.item()
        errG = errG_t.item()
        if args.log_every and (it % args.log_every == 0 or it == 1):
            d_x = torch.sigmoid(out_real).mean().item()
            d_gz1 = torch.sigmoid(out_fake).mean().item()
            d_gz2 = torch.sigmoid(out_g).mean().item()
            print(f"[{it} ep {it / iters_per_epoch:.3f} {elapsed:.1f}s] Loss_D {errD:.4f} Loss_G {errG:.4f} "
                  f"D(x) {d_x:.4f} D(G(z)) {d_gz1:.4f}/{d_gz2:.4f} "
                  f"{B * it / elapsed:.1f} img/s", flush=True)
    seconds = elapsed

    # ---- sampling ----
    samples = sample(netG, args)
    np.save(args.out, samples)
    if args.grid:
        write_png_gray(args.grid, make_grid(samples))

    res = dict(iterations=it, epochs=it / iters_per_epoch, seconds=seconds,
               img_per_s=B * it / seconds if seconds > 0 else 0.0,
               loss_d=errD, loss_g=errG, batch=B, threads=args.threads, noise=args.noise,
               seed=args.seed, count=int(samples.shape[0]), out=args.out, grid=args.grid,
               torch=torch.__version__)
    print("JSON " + json.dumps(res), flush=True)
    if not (np.isfinite(errD) and np.isfinite(errG)):
        sys.exit(2)


if __name__ == "__main__":
    main()
