#!/usr/bin/python3
"""Dumps Arm NN's (CpuRef backend) int8 outputs of the MLPerf Tiny KWS model.

Usage: /usr/bin/python3 tools/armnn_reference.py [shared_data_dir] [out_file]
Writes 1000 x 12 int8 values (vector order of y_labels.csv) to out_file
(default build/armnn_kws_ref_outputs.bin) and prints the top-1 count. Needs
Debian's python3-pyarmnn, libarmnn-cpuref-backend22 and python3-numpy.
Run tests with KWS_ARMNN_REF=<out_file> to compare per vector.
"""
import os
import sys

import numpy as np
import pyarmnn as ann


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    data = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
        "KWS_SHARED_DATA", os.path.join(here, "..", "..", "shared", "data"))
    out_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        here, "..", "build", "armnn_kws_ref_outputs.bin")
    model = os.path.join(data, "models", "mlperf_tiny", "kws_ref_model.tflite")
    vec_dir = os.path.join(data, "mlperf_tiny_kws", "mfcc_int8")

    parser = ann.ITfLiteParser()
    network = parser.CreateNetworkFromBinaryFile(model)
    graph = 0
    in_name = parser.GetSubgraphInputTensorNames(graph)[0]
    out_name = parser.GetSubgraphOutputTensorNames(graph)[0]
    in_binding = parser.GetNetworkInputBindingInfo(graph, in_name)
    out_binding = parser.GetNetworkOutputBindingInfo(graph, out_name)

    runtime = ann.IRuntime(ann.CreationOptions())
    opt, _ = ann.Optimize(network, [ann.BackendId("CpuRef")], runtime.GetDeviceSpec(),
                          ann.OptimizerOptions())
    net_id, _ = runtime.LoadNetwork(opt)

    outputs = []
    correct = 0
    with open(os.path.join(vec_dir, "y_labels.csv")) as f:
        rows = [line.strip().split(",") for line in f if line.strip()]
    for name, _, label in rows:
        x = np.fromfile(os.path.join(vec_dir, name), dtype=np.int8)
        in_tensors = ann.make_input_tensors([in_binding], [x])
        out_tensors = ann.make_output_tensors([out_binding])
        runtime.EnqueueWorkload(net_id, in_tensors, out_tensors)
        y = ann.workload_tensors_to_ndarray(out_tensors)[0].reshape(-1).astype(np.int8)
        outputs.append(y)
        correct += int(np.argmax(y) == int(label))
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    np.concatenate(outputs).astype(np.int8).tofile(out_path)
    print(f"Arm NN CpuRef top-1: {correct}/{len(rows)}; outputs in {out_path}")


if __name__ == "__main__":
    main()
