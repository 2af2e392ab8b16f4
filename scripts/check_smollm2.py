#!/usr/bin/env python3
"""Compares pipe's Llama forward pass on SmolLM2-135M-Instruct (Q4_1 GGUF) with PyTorch.

Both sides use the SAME weights: the GGUF tensors dequantized to float32 (pipe by its Swift
dequantizer, PyTorch through the gguf package), Q/K rows un-permuted back to transformers' order,
loaded into transformers' LlamaForCausalLM in float32. For a few prompts of 5 to 500 tokens (ids
looked up in the GGUF vocabulary, so that the check does not depend on either side's tokenizer) it
prints the max |logit difference| and KL(torch || pipe) of the next-token distributions, and
whether the top tokens agree.

Usage: python3 scripts/check_smollm2.py [--gguf FILE] [--probe PATH_TO_LLMProbe]
Needs: pip install torch transformers gguf numpy; a built LLMProbe (scripts/swiftpm build --product LLMProbe).
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import torch
import gguf
import transformers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def words_to_ids(vocab, words):
    ids = []
    for w in words:
        if w not in vocab:
            sys.exit("check_smollm2: token %r is not in the vocabulary" % w)
        ids.append(vocab[w])
    return ids


def prompts(reader):
    tokens = [bytes(reader.fields["tokenizer.ggml.tokens"].parts[i]).decode("utf-8")
              for i in reader.fields["tokenizer.ggml.tokens"].data]
    vocab = {t: i for i, t in enumerate(tokens)}
    chat = words_to_ids(vocab, ["<|im_start|>", "user", "Ċ", "What", "Ġis", "Ġthe", "Ġcapital", "Ġof", "ĠFrance",
                                "?", "<|im_end|>", "Ċ", "<|im_start|>", "ass", "istant", "Ċ"])
    text = words_to_ids(vocab, ["The", "Ġcapital", "Ġof", "ĠFrance", "Ġis"])
    numbers = words_to_ids(vocab, ["1", ",", "Ġ", "2", ",", "Ġ", "3", ",", "Ġ", "4", ",", "Ġ", "5", ","])
    synthetic = [1] + [(i * 7919 + 13) % len(tokens) for i in range(1, 60)]
    long = [1] + [(i * 7919 + 13) % len(tokens) for i in range(1, 500)]
    return {"chat": chat, "text": text, "numbers": numbers, "synthetic-60": synthetic, "synthetic-500": long}, tokens


def torch_model(reader):
    f = {k: v.contents() for k, v in reader.fields.items() if not k.startswith("tokenizer.")}
    nh, nkv = f["llama.attention.head_count"], f["llama.attention.head_count_kv"]
    config = transformers.LlamaConfig(
        vocab_size=f["llama.vocab_size"], hidden_size=f["llama.embedding_length"],
        intermediate_size=f["llama.feed_forward_length"], num_hidden_layers=f["llama.block_count"],
        num_attention_heads=nh, num_key_value_heads=nkv, rms_norm_eps=f["llama.attention.layer_norm_rms_epsilon"],
        max_position_embeddings=f["llama.context_length"], tie_word_embeddings=True)
    if hasattr(config, "rope_parameters"):
        config.rope_parameters = {"rope_type": "default", "rope_theta": f["llama.rope.freq_base"]}
    else:
        config.rope_theta = f["llama.rope.freq_base"]
    model = transformers.LlamaForCausalLM(config).float().eval()
    names = {"attn_norm": "input_layernorm", "attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj",
             "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj", "ffn_norm": "post_attention_layernorm",
             "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj"}
    sd = model.state_dict()
    with torch.no_grad():
        for t in reader.tensors:
            arr = gguf.quants.dequantize(t.data, t.tensor_type).reshape([int(n) for n in reversed(t.shape)])
            if t.name.startswith("blk."):
                _, i, kind, _ = t.name.split(".")
                name = "model.layers.%s.%s.weight" % (i, names[kind])
                if kind in ("attn_q", "attn_k"):  # undo convert_hf_to_gguf's permute
                    n = nh if kind == "attn_q" else nkv
                    arr = arr.reshape(n, arr.shape[0] // n // 2, 2, arr.shape[1]).swapaxes(1, 2).reshape(arr.shape)
            else:
                name = {"token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight",
                        "output.weight": "lm_head.weight"}[t.name]
            sd[name].copy_(torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32)))
    model.tie_weights()
    return model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gguf", default=None)
    parser.add_argument("--probe", default=os.path.join(ROOT, ".build/debug/LLMProbe"))
    args = parser.parse_args()
    path = args.gguf or subprocess.check_output([os.path.join(ROOT, "scripts/fetch-smollm2")], text=True).strip()
    reader = gguf.GGUFReader(path)
    cases, vocab = prompts(reader)
    model = torch_model(reader)
    torch.set_num_threads(2)
    command = [args.probe, "--gguf", path]
    for ids in cases.values():
        command += ["--tokens", ",".join(map(str, ids))]
    ours = json.loads(subprocess.check_output(command))["sequences"]
    worst_diff, worst_kl = 0.0, 0.0
    for (name, ids), mine in zip(cases.items(), ours):
        assert mine["tokens"] == ids
        with torch.no_grad():
            ref = model(torch.tensor([ids])).logits[0, -1].double()
        got = torch.tensor(mine["logits"], dtype=torch.float64)
        diff = (ref - got).abs().max().item()
        p, q = torch.log_softmax(ref, -1), torch.log_softmax(got, -1)
        kl = torch.sum(p.exp() * (p - q)).item()
        top_ref, top_got = int(ref.argmax()), int(got.argmax())
        print("%-13s %3d tokens  max|diff| %.3e  KL %.3e  top %r %s %r" % (
            name, len(ids), diff, kl, vocab[top_ref], "==" if top_ref == top_got else "!=", vocab[top_got]))
        worst_diff, worst_kl = max(worst_diff, diff), max(worst_kl, kl)
    print("worst: max|diff| %.3e  KL %.3e  (transformers %s, torch %s)" % (
        worst_diff, worst_kl, transformers.__version__, torch.__version__))


if __name__ == "__main__":
    main()
