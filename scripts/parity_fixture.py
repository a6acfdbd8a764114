"""What the parity-fixture scripts share: one DCGAN training step recorded by PyTorch, written to a file.

Used by scripts/make_parity_fixture.py (dcgan32_step.bin) and scripts/make_cond_parity_fixture.py
(cond_dcgan28_step.bin); each of them holds its networks, constants, inputs and loss, and documents
its networks and the names of its arrays. Not meant to be run by itself.

The step is the canonical PyTorch DCGAN example's loop body (see train_step), with Adam lr 2e-4,
betas (0.5, 0.999), from the weights and inputs drawn after torch.manual_seed(SEED). Everything is
computed in float32 (PyTorch's default), single-threaded, deterministic algorithms; `--check-float64`
reruns the step in float64 from the same float32 starting point and prints how far the float32
numbers are from it.

File format (all little-endian):
  line 1:            "DCGANPARITY 1\n"
  one line an array: "<name> <d0>x<d1>x...\n"  (a scalar has shape "1"; names have no spaces)
  then:              "END\n"
  then the arrays' float32 data, row-major, concatenated in header order, nothing between them.

The arrays, in this order: the script's inputs ("input.*"); init.G.<p>, init.D.<p> (parameters
before the step); what train_step records (grad.D, step.D, grad.G, step.G, out.*, loss.*, stat.*,
buf.D, buf.G); then whatever the script adds beyond that.
"""
import argparse
import os
import struct

import torch

SEED = 20151119  # the DCGAN paper's arXiv date
LR, BETAS = 2e-4, (0.5, 0.999)


def initial_state(build_nets, weights_init, real_shape, noise_shape):
    """G and D (built by `build_nets`, then `weights_init` applied), a real batch uniform in [-1,1]
    and noise N(0,1), drawn in that order after torch.manual_seed(SEED)."""
    torch.manual_seed(SEED)
    netG, netD = build_nets()
    netG.apply(weights_init)
    netD.apply(weights_init)
    real = torch.rand(*real_shape) * 2 - 1
    noise = torch.randn(*noise_shape)
    return netG, netD, real, noise


def train_step(netG, netD, real, noise, criterion, record, stat=None):
    """The example's loop body; `record(name, tensor)` is called for everything the fixture holds.

    `criterion(output, target)` is the loss of D's per-sample outputs D(x).view(-1); stat.* are the
    means of `stat(output)` (the outputs themselves when `stat` is None).
    """
    stat = stat or (lambda out: out)
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
    record("stat.D_x", stat(out_real).mean())
    record("stat.D_G_z1", stat(out_fake1).mean())
    record("stat.D_G_z2", stat(out_fake2).mean())
    for prefix, net in (("buf.D.", netD), ("buf.G.", netG)):
        for n, b in net.named_buffers():
            if n.endswith("running_mean") or n.endswith("running_var"):
                record(prefix + n, b)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def fixture_bytes(arrays):
    """The file's contents for `arrays`, a list of (name, float32 tensor), in that order."""
    header = ["DCGANPARITY 1"]
    data = bytearray()
    for name, t in arrays:
        shape = list(t.shape) or [1]
        assert " " not in name and t.dtype == torch.float32, name
        header.append(name + " " + "x".join(str(d) for d in shape))
        values = flat(t)
        data += struct.pack("<%df" % len(values), *values)
    header.append("END")
    return ("\n".join(header) + "\n").encode("ascii") + bytes(data)


def write_fixture(path, arrays):
    blob = fixture_bytes(arrays)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "wb") as f:
        f.write(blob)
    print(f"wrote {path}: {len(arrays)} arrays, {len(blob)} bytes (torch {torch.__version__}, float32)")


def print_float64_check(results, exact):
    """For each recorded float32 array, its largest difference from the float64 rerun's, relative to
    max(|f64|, max|f64|) element by element."""
    for name, t in results:
        e = exact[name].reshape(-1)
        d = (t.double().reshape(-1) - e).abs()
        scale = e.abs().max().item() or 1.0
        elem = (d / torch.maximum(e.abs(), torch.full_like(e, scale))).max().item()
        print(f"  {name:32s} max |f32-f64| / max(|f64|, max|f64|) = {elem:.2e}")


def parse_args(doc, fixture_name):
    """`--out PATH` (default Tests/NNTests/Fixtures/<fixture_name>) and `--check-float64`."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "Tests", "NNTests", "Fixtures", fixture_name))
    ap.add_argument("--check-float64", action="store_true")
    return ap.parse_args()


def main(doc, fixture_name, build_nets, make_initial_state, step, extra_arrays=None):
    """Parses the arguments, records one step and writes the fixture; with --check-float64, reruns
    the step in float64 and prints the comparison. Returns the exit status.

      build_nets()                    -> (netG, netD), freshly built (the float64 rerun's networks)
      make_initial_state()            -> (netG, netD, inputs): the networks with their starting
                                         weights, and the step's inputs as a list of
                                         ("input.<x>", float32 tensor), written first
      step(netG, netD, inputs, record)  one training step (calling train_step); `inputs` is a dict
                                         from those names to the tensors (float64 in the rerun)
      extra_arrays(arrays, netG, netD) -> more (name, float32 tensor) to write after the step's;
                                         `arrays` is a dict of everything recorded so far
    """
    args = parse_args(doc, fixture_name)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    netG, netD, inputs = make_initial_state()
    arrays = [(n, t.clone()) for n, t in inputs]
    init = [("init.G." + n, p.detach().clone()) for n, p in netG.named_parameters()]
    init += [("init.D." + n, p.detach().clone()) for n, p in netD.named_parameters()]
    arrays += init

    results = []
    step(netG, netD, dict(inputs), lambda n, t: results.append((n, t.detach().clone().reshape(t.shape))))
    arrays += results
    if extra_arrays is not None:
        arrays += extra_arrays(dict(arrays), netG, netD)
    write_fixture(args.out, arrays)

    if args.check_float64:
        # The same step in float64 from the same float32 starting point: the float32 fixture's own
        # rounding error, which any float32 implementation is compared against.
        g64, d64 = build_nets()
        g64.double()
        d64.double()
        with torch.no_grad():
            ps = [p for p in g64.parameters()] + [p for p in d64.parameters()]
            for p, (_, v) in zip(ps, init):
                p.copy_(v.double())
        exact = {}
        step(g64, d64, {n: t.double() for n, t in arrays[:len(inputs)]},
             lambda n, t: exact.update({n: t.detach().clone()}))
        print_float64_check(results, exact)
    return 0
