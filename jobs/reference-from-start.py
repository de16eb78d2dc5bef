#!/usr/bin/env python3
"""Train the PyTorch reference (mixmate_ref.py) from given initial dictionaries.

Starting both implementations from the same dictionaries removes the largest
source of run-to-run spread (the k-means start) from an accuracy comparison,
leaving only the order of the training batches.

    reference-from-start.py --reference mixmate_ref.py --data data.h5 \
        --init run/model.h5 --epochs 2 --seed 0 --threads 2

Prints one line per epoch in the reference's own format ("epoch N train_s S ...
ACC A ... eval_loss L", L the loss over all samples divided by M, as
mixmate's eval_loss), so the same parsing serves both drivers.
"""
import argparse
import importlib.util
import time
import types

import h5py
import numpy as np
import torch


def load_reference(path):
    spec = importlib.util.spec_from_file_location("mixmate_ref", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--init", required=True, help="model.h5 whose /dictionaries start the run")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    ref = load_reference(args.reference)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    with h5py.File(args.data, "r") as f:
        X = torch.from_numpy(np.asarray(f["samples"], dtype=np.float32))
        labels = np.asarray(f["labels"], dtype=np.int64)
    with h5py.File(args.init, "r") as f:
        W = torch.from_numpy(np.asarray(f["dictionaries"], dtype=np.float32))
        attrs = dict(f.attrs)
    n, M = X.shape
    K, _, N = W.shape
    cfg = types.SimpleNamespace(
        sparse_penalty=float(attrs["lambda"]), num_layers=int(attrs["layers"]),
        step_size=float(attrs["step"]), batch_size=int(attrs["batch"]), components=K,
        input_size=M, hidden=N)

    W.requires_grad_(True)
    b = torch.zeros(K)
    opt = torch.optim.Adam([W, b], lr=float(attrs["lr"]))
    ev = ref.evaluate(X, labels, W, b, cfg)
    print(f"epoch 0 train_s 0.0 ACC {ev['acc']:.4f} eval_loss {ev['eval_loss']:.6f}", flush=True)
    B = cfg.batch_size
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        for s in range(n // B):
            energy, _, _, _ = ref.forward(X[perm[s * B:(s + 1) * B]], W, b, cfg)
            loss = energy.mean() / M
            opt.zero_grad()
            loss.backward()
            opt.step()
            ref.normalize_columns_(W)
        train_s = time.perf_counter() - t0
        ev = ref.evaluate(X, labels, W, b, cfg)
        print(f"epoch {epoch} train_s {train_s:.3f} ACC {ev['acc']:.4f} "
              f"eval_loss {ev['eval_loss']:.6f}", flush=True)


if __name__ == "__main__":
    main()
